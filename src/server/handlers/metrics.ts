import { errors } from "../../core/errors.ts";
import type { Generation, Exchange } from "../context.ts";

export type GatherMetrics = (own: () => Promise<string>) => Promise<string>;

/** With several workers: every worker's numbers, gathered through the supervisor (runtime/cluster-metrics.ts). */
let gather: GatherMetrics | undefined;

export function gatherMetricsWith(fn: GatherMetrics | undefined): void {
  gather = fn;
}

/** Prometheus text exposition, served when the metrics plugin is enabled (404 otherwise). */
export async function handleMetrics(gen: Generation, ex: Exchange): Promise<Response> {
  const plugins = gen.plugins;
  if (plugins?.scrapes !== true) throw errors.notFound(ex.req.method, "/metrics");
  const own = () => plugins.scrape()!;
  const text = gather === undefined ? await own() : await gather(own);
  return new Response(text, { headers: { ...ex.headers, "content-type": "text/plain; version=0.0.4; charset=utf-8" } });
}
