// A `wasm:` plugin entry as a Plugin: the module's hook exports become its hooks, each call JSON in
// (the hook's payload, with `api`) and JSON out (a HookResult, plus `log`), on a pooled instance.
// Calls are synchronous: the chain runs them without a timer or a promise, and the timeout is
// enforced inside the guest (prepare-module.ts), not by racing a timer it could never interrupt.
import { ConfigError } from "../../config/load.ts";
import type { PluginConfig } from "../../config/schema.ts";
import { logger } from "../../observability/logger.ts";
import { DEFAULT_HOOK_TIMEOUT_MS } from "../chain.ts";
import type { Hook, HookName, HttpRequestPayload, Plugin } from "../types.ts";
import { ModuleError } from "./bytes.ts";
import { WasmInstance } from "./instance.ts";
import { Kernel, type KernelOptions } from "./kernel.ts";
import { InstancePool } from "./pool.ts";
import { PAGE_BYTES, prepareModule } from "./prepare-module.ts";
import { wasmFile } from "./wasm-file.ts";
import { providedImports } from "./kernel.ts";
import { decodeOutput } from "./result.ts";
import { syncFetcher, type SyncFetcher } from "./sync-fetch.ts";

export const DEFAULT_MEMORY_LIMIT = 16 * 1024 * 1024;
const POOL_SIZE = 4;
/** The largest HTTP answer a guest may receive (and at most half its memory limit). */
const MAX_HTTP_BYTES = 1024 * 1024;

/** Export name → built-in hook. */
export const WASM_HOOKS: ReadonlyMap<string, HookName> = new Map([
  ["pre_http", "preHttp"],
  ["pre_llm", "preLlm"],
  ["post_llm", "postLlm"],
  ["post_http", "postHttp"],
  ["on_stream_chunk", "onStreamChunk"],
]);

export interface WasmPlugin extends Plugin {
  readonly pool: InstancePool;
  /** The hooks the module exports, by export name. */
  readonly exported: readonly string[];
}

/** Extism config: strings as they are, anything else JSON-encoded. */
export function extismConfig(config: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

/** Loads `entry.wasm` (wasm-file.ts says where it is); throws ConfigError naming `<path>.wasm`. */
export async function loadWasmPlugin(entry: PluginConfig, path: string): Promise<WasmPlugin> {
  const file = wasmFile(entry);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await Bun.file(file).arrayBuffer());
  } catch (err) {
    throw new ConfigError(`${path}.wasm: cannot read ${entry.wasm} (${(err as NodeJS.ErrnoException).code ?? "unreadable"})`);
  }
  const memoryLimit = entry.memory_limit ?? DEFAULT_MEMORY_LIMIT;
  const maxPages = Math.floor(memoryLimit / PAGE_BYTES);
  if (maxPages < 1) throw new ConfigError(`${path}.memory_limit: must be at least 64KB (one WebAssembly page)`);
  const timeoutMs = entry.timeout ?? DEFAULT_HOOK_TIMEOUT_MS;
  const config = extismConfig(entry.config);
  let requestId: string | undefined;
  const fetcher: SyncFetcher | undefined = entry.allowed_hosts.length === 0
    ? undefined
    : syncFetcher(entry.allowed_hosts, Math.min(MAX_HTTP_BYTES, memoryLimit >> 1), timeoutMs);
  const kernelOpts: KernelOptions = {
    config,
    maxBytes: memoryLimit,
    fetch: fetcher?.fetch,
    log: (level, message) => logger[level](message.slice(0, 4096), { plugin: entry.name, request_id: requestId }),
  };

  const fail = (why: string): never => {
    fetcher?.close();
    throw new ConfigError(`${path}.wasm: ${entry.wasm}: ${why}`);
  };
  let prepared: ReturnType<typeof prepareModule>;
  try {
    prepared = prepareModule(bytes, { maxPages, provided: providedImports(new Kernel(kernelOpts)) });
  } catch (err) {
    return fail(err instanceof ModuleError ? err.message : `cannot load (${String(err)})`);
  }
  const exported = [...WASM_HOOKS.keys()].filter((name) => prepared.functions.has(name));
  if (exported.length === 0) fail(`exports none of the hooks (${[...WASM_HOOKS.keys()].join(", ")})`);

  const pool = new InstancePool(() => new WasmInstance(prepared.module, kernelOpts), POOL_SIZE);
  try {
    pool.warm();
  } catch (err) {
    fail(`fails at start: ${err instanceof Error ? err.message : String(err)}`);
  }

  const encoder = new TextEncoder();
  const plugin: Record<string, unknown> = { name: entry.name, pool, exported };
  for (const name of exported) {
    const hook = WASM_HOOKS.get(name)!;
    const fn: Hook<{ request_id: string }> = (payload) => {
      const input = encoder.encode(JSON.stringify(name === "pre_http" ? masked(payload as unknown as HttpRequestPayload) : payload));
      const instance = pool.acquire();
      requestId = payload.request_id;
      let out: Uint8Array;
      try {
        out = instance.call(name, input, timeoutMs);
      } finally {
        requestId = undefined;
        pool.release(instance);
      }
      const { result, log } = decodeOutput(hook, out, payload);
      if (name === "pre_http") unmask(result as { modify?: HttpRequestPayload } | undefined, payload as unknown as HttpRequestPayload);
      if (log !== undefined) {
        const { time: _t, level: _l, msg: _m, ...fields } = log.fields;
        logger[log.level](log.message, { ...fields, plugin: entry.name, request_id: payload.request_id });
      }
      return result as ReturnType<Hook<{ request_id: string }>>;
    };
    plugin[hook] = fn;
  }
  plugin.close = async () => {
    pool.close();
    fetcher?.close();
  };
  return plugin as unknown as WasmPlugin;
}

/** Credentials a sandboxed plugin never reads: provider keys (passthrough), app keys, cookies. */
const SECRET_HEADERS = ["authorization", "proxy-authorization", "x-api-key", "api-key", "x-goog-api-key", "x-butter-key", "cookie"];
const MASK = "***";

/** The pre-HTTP payload with credential headers' values replaced by "***" (their presence stays visible). */
function masked(payload: HttpRequestPayload): HttpRequestPayload {
  let headers: Record<string, string> | undefined;
  for (const name of SECRET_HEADERS) {
    if (payload.headers[name] === undefined) continue;
    headers ??= { ...payload.headers };
    headers[name] = MASK;
  }
  return headers === undefined ? payload : { ...payload, headers };
}

/** A rewrite that kept a masked header as it saw it keeps the real value (one it changed or removed stays changed or removed). */
function unmask(result: { modify?: HttpRequestPayload } | undefined, original: HttpRequestPayload): void {
  const headers = result?.modify?.headers;
  if (headers === undefined) return;
  for (const name of SECRET_HEADERS) if (headers[name] === MASK && original.headers[name] !== undefined) headers[name] = original.headers[name];
}
