// The gateway in this process with a response cache: the real server, pipeline, engine and cache,
// a clock the test moves, request records captured, test plugins injectable and reloads by hand.
import { parseConfigText } from "../../src/config/load.ts";
import type { RequestRecord } from "../../src/observability/events.ts";
import type { Plugin, PluginFactory } from "../../src/plugins/types.ts";
import { buildGeneration, type Generation } from "../../src/runtime/generation.ts";
import { GenerationHolder } from "../../src/runtime/reloader.ts";
import { listen } from "../../src/server/server.ts";
import { configText, type GatewayConfig } from "../support/index.ts";

export interface CachedGateway {
  url: string;
  gen(): Generation;
  /** Request records as they end (the access log's and metrics' source). */
  records: RequestRecord[];
  /** Milliseconds the cache's clock has been moved on. */
  advance(ms: number): void;
  /** Builds the next generation from `config` as a reload does, and retires the old one. */
  reload(config: GatewayConfig): Promise<void>;
  stop(): Promise<void>;
}

export async function startCached(config: GatewayConfig, extra: Record<string, (config: Record<string, unknown>) => Plugin> = {}): Promise<CachedGateway> {
  let offset = 0;
  const records: RequestRecord[] = [];
  const options = {
    cache: { now: () => performance.now() + offset },
    observe: (t: { requestEnd: { subscribe(fn: (r: RequestRecord) => void): void } }) => t.requestEnd.subscribe((r) => records.push(r)),
    resolvePlugin: async (name: string) => {
      const make = extra[name];
      if (make !== undefined) return { name, create: (c) => make(c) } satisfies PluginFactory;
      const { builtinPlugins } = await import("../../src/plugins/registry.ts");
      return (await builtinPlugins.get(name)?.())?.factory;
    },
  };
  const build = (c: GatewayConfig, previous?: Generation) => buildGeneration(parseConfigText(configText(c), {}).config, { ...options, previous } as never);
  const holder = new GenerationHolder(await build(config));
  const { server } = listen(holder);
  return {
    url: `http://127.0.0.1:${server.port}`,
    gen: () => holder.current,
    records,
    advance: (ms) => void (offset += ms),
    async reload(next) {
      const old = holder.swap(await build(next, holder.current));
      await old.retire(1000);
    },
    async stop() {
      await server.stop(true);
      await holder.current.close();
    },
  };
}

export function post(base: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(base + path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });
}
