import { errors } from "../../core/errors.ts";
import type { Generation, Exchange } from "../context.ts";

/** Prometheus text exposition, served when the metrics plugin is enabled (404 otherwise). */
export async function handleMetrics(gen: Generation, ex: Exchange): Promise<Response> {
  const text = gen.plugins?.scrape();
  if (text === undefined) throw errors.notFound(ex.req.method, "/metrics");
  return new Response(await text, { headers: { ...ex.headers, "content-type": "text/plain; version=0.0.4; charset=utf-8" } });
}
