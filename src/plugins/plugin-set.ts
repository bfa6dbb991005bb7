// A config's plugins, built and compiled once: the hook chain the per-request pipeline runs, on the
// generation's telemetry bus. `buildPlugins` returns undefined when no plugin is enabled, and the
// server then takes its direct path.
import { ConfigError } from "../config/load.ts";
import type { PluginConfig } from "../config/schema.ts";
import type { Telemetry } from "../observability/events.ts";
import { compileChain, DEFAULT_HOOK_TIMEOUT_MS, type CompiledChain, type PluginSettings } from "./chain.ts";
import type { PipelineOwner } from "./pipeline.ts";
import { builtinPlugins } from "./registry.ts";
import type { Plugin, PluginFactory } from "./types.ts";

export class PluginSet implements PipelineOwner {
  /** Some enabled plugin reads `client_ip`; otherwise the server does not look it up. */
  readonly needsClientIp: boolean;
  private readonly scraper: Plugin | undefined;

  constructor(readonly chain: CompiledChain, readonly telemetry: Telemetry) {
    this.needsClientIp = chain.plugins.some((p) => p.usesClientIp === true);
    this.scraper = chain.plugins.find((p) => p.scrape !== undefined);
  }

  /** The metrics plugin is on: /metrics has something to serve. */
  get scrapes(): boolean {
    return this.scraper !== undefined;
  }

  /** Prometheus text when the metrics plugin is on, else undefined. */
  scrape(): Promise<string> | undefined {
    return this.scraper?.scrape?.();
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.chain.plugins.map((p) => p.close?.()));
  }
}

export interface BuildOptions {
  redisUrl: string;
  /** The generation's bus: plugins subscribe to it (logging, metrics, tracing). */
  telemetry: Telemetry;
  /** Factories by name; the built-ins by default (tests add their own). */
  resolve?: (name: string) => Promise<PluginFactory | undefined>;
  /** The plugins of the generation being replaced: each new plugin inherits its namesake's `carry`. */
  previous?: PluginSet;
}

async function builtin(name: string): Promise<PluginFactory | undefined> {
  const load = builtinPlugins.get(name);
  return load === undefined ? undefined : (await load()).factory;
}

/** Builds every enabled plugin in config order; throws ConfigError naming the failing path. */
export async function buildPlugins(entries: readonly PluginConfig[], opts: BuildOptions): Promise<PluginSet | undefined> {
  const telemetry = opts.telemetry;
  const plugins: Plugin[] = [];
  const settings: PluginSettings[] = [];
  const resolve = opts.resolve ?? builtin;
  try {
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      if (!entry.enabled) continue;
      const path = `plugins[${i}]`;
      if (entry.wasm !== undefined) {
        const { loadWasmPlugin } = await import("./wasm/wasm-plugin.ts");
        plugins.push(await loadWasmPlugin(entry, path));
        settings.push({ failClosed: entry.fail_closed, timeoutMs: entry.timeout ?? DEFAULT_HOOK_TIMEOUT_MS });
        continue;
      }
      const factory = await resolve(entry.name);
      if (factory === undefined) {
        throw new ConfigError(`${path}.name: unknown plugin "${entry.name}" (built-in: ${[...builtinPlugins.keys()].join(", ")})`);
      }
      const inherited = opts.previous?.chain.plugins.find((p) => p.name === entry.name)?.carry;
      plugins.push(await factory.create(entry.config, { path, telemetry, redisUrl: opts.redisUrl, inherited }));
      settings.push({ failClosed: entry.fail_closed, timeoutMs: entry.timeout ?? DEFAULT_HOOK_TIMEOUT_MS });
    }
  } catch (err) {
    await Promise.allSettled(plugins.map((p) => p.close?.()));
    throw err;
  }
  if (plugins.length === 0) return undefined;
  return new PluginSet(compileChain(plugins, settings), telemetry);
}
