// Everything one config implies, built in one place (main, tests and benches all call
// buildGeneration) and closed as one. A request reads the current generation once, on arrival, and
// uses only it; a reload builds the next one beside it and the old one closes when its last request
// or stream has ended.
import type { Config } from "../config/schema.ts";
import { buildSnapshot, type Snapshot } from "../config/snapshot.ts";
import { Engine, type EngineOptions } from "../engine/engine.ts";
import { ModelCatalog } from "../engine/model-catalog.ts";
import { buildPlugins, type PluginSet } from "../plugins/plugin-set.ts";
import type { PluginFactory } from "../plugins/types.ts";
import { loadProviderFactories, PROVIDER_KINDS } from "../providers/registry.ts";
import type { ProviderFactory } from "../providers/types.ts";
import { errorFields, logger } from "../observability/logger.ts";
import type { Telemetry } from "../observability/events.ts";
import { createTelemetry, observed } from "../observability/telemetry.ts";
import { SharedStore } from "../store/shared-store.ts";
import { ResponseCache, type CacheOptions } from "../cache/response-cache.ts";
import { ledgerFor, type Clock, type Ledger } from "../cost/ledger.ts";
import { requestRingIn } from "../observability/request-ring.ts";
import type { ReloadStatus } from "./reloader.ts";

export interface GenerationOptions {
  /** The generation this one replaces: state that must outlive a reload is taken from it. */
  previous?: Generation;
  /** Provider factories by kind; the built-ins by default. */
  providers?: ReadonlyMap<string, ProviderFactory>;
  /** Plugin factories by name; the built-ins by default (tests add their own). */
  resolvePlugin?: (name: string) => Promise<PluginFactory | undefined>;
  engine?: EngineOptions;
  /** Subscribes to the new generation's telemetry bus before it serves (request logs beside the plugins). */
  observe?: (telemetry: Telemetry) => void;
  /** The response cache's clock and Redis key prefix (tests). */
  cache?: CacheOptions;
  /** Wall clock (ms since the epoch) of the ledger and budgets; tests pass their own to cross days and periods. */
  clock?: Clock;
}

export class Generation {
  readonly loadedAt = new Date();
  /** What the cache was built with (tests' clock), carried to the generation a reload builds. */
  cacheOptions: CacheOptions | undefined = undefined;
  /** The ledger's and budgets' clock, carried to the generation a reload builds. */
  clock: Clock = Date.now;
  /** State handed from generation to generation whatever the config says (the admin views' request ring, sessions). */
  kept = new Map<string, unknown>();
  /** The last reload's result (set by the reloader on the generation current after it). */
  lastReload: ReloadStatus | undefined = undefined;
  private inflight = 0;
  private retired = false;
  private closing: Promise<void> | undefined;
  private drained: (() => void) | undefined;

  constructor(
    readonly id: number,
    readonly snapshot: Snapshot,
    readonly engine: Engine,
    readonly catalog: ModelCatalog,
    /** The bus request records are published on; its subscribers decide whether records are made at all. */
    readonly telemetry: Telemetry,
    /** Undefined when no plugin is enabled: requests then take the direct path. */
    readonly plugins: PluginSet | undefined,
    /** The durable store (`store:`); shared with the generations before and after while the setting is unchanged. */
    readonly store: SharedStore,
    /** The response cache (`cache:`); shared with the generations before and after while its settings are unchanged. */
    readonly cache: ResponseCache | undefined,
    /** The usage ledger (`ledger:`), living beside the store; undefined when disabled. */
    readonly ledger: Ledger | undefined,
  ) {
    this.observed = observed(telemetry);
  }

  /** Whether anybody subscribes to request records (plugins today; the admin request log later); fixed once built. */
  readonly observed: boolean;

  get config(): Config {
    return this.snapshot.config;
  }

  /** A request (or the stream it answers with) starts using this generation. */
  enter(): void {
    this.inflight++;
  }

  /** ...and is done with it. */
  leave(): void {
    if (--this.inflight === 0 && this.retired) this.drained?.();
  }

  /** Requests and streams still running on this generation. */
  get active(): number {
    return this.inflight;
  }

  /**
   * No new request will enter: close once the last one has left. `graceMs` bounds the wait for a
   * stream that never ends (the request deadline bounds upstream waits, not client reads).
   */
  retire(graceMs = 15 * 60_000): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    this.retired = true;
    const drained = this.inflight === 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, graceMs);
          timer.unref?.();
          this.drained = () => {
            clearTimeout(timer);
            resolve();
          };
        });
    this.closing = drained.then(() => this.close());
    return this.closing;
  }

  /** Releases what this generation holds (plugins' connections, exporters, timers). */
  async close(): Promise<void> {
    try {
      await this.plugins?.close();
    } catch (err) {
      logger.warn("closing a config generation failed", { generation: this.id, ...errorFields(err) });
    }
    this.cache?.close();
    await this.store.close().catch((err) => logger.warn("closing the durable store failed", { generation: this.id, store: this.store.describe, ...errorFields(err) }));
  }
}

let nextId = 1;

/** Builds and validates everything `config` implies; throws ConfigError naming the failing path. */
export async function buildGeneration(config: Config, options: GenerationOptions = {}): Promise<Generation> {
  const snapshot = options.providers !== undefined
    ? buildSnapshot(config, options.providers)
    : buildSnapshot(config, await loadProviderFactories(Object.entries(config.providers).map(([name, block]) => block.type ?? name)), PROVIDER_KINDS);
  const previous = options.previous;
  const engine = new Engine(snapshot, options.engine);
  if (previous !== undefined) engine.inherit(previous.engine, unchangedProviders(previous.config, config));
  const telemetry = createTelemetry();
  options.observe?.(telemetry);
  const plugins = await buildPlugins(config.plugins, {
    redisUrl: config.redis.url,
    telemetry,
    resolve: options.resolvePlugin,
    previous: previous?.plugins,
  });
  let store: SharedStore;
  try {
    store = SharedStore.forConfig(config, previous?.store);
  } catch (err) {
    await plugins?.close();
    throw err;
  }
  const cache = await ResponseCache.forConfig(config, previous?.cache, options.cache ?? previous?.cacheOptions);
  const clock = options.clock ?? previous?.clock ?? Date.now;
  // Subscribed before the generation is made: whether anybody observes requests is fixed then.
  const ledger = config.ledger.enabled ? ledgerFor(store, config.ledger.flush_interval, clock) : undefined;
  ledger?.observe(telemetry);
  const kept = previous?.kept ?? new Map<string, unknown>();
  // The admin views' ring exists only while the admin API does.
  if (config.admin.token !== "") requestRingIn(kept, config.admin.request_log_size).observe(telemetry);
  const gen = new Generation(nextId++, snapshot, engine, new ModelCatalog(snapshot), telemetry, plugins, store, cache, ledger);
  gen.cacheOptions = options.cache ?? previous?.cacheOptions;
  gen.clock = clock;
  gen.kept = kept;
  gen.lastReload = previous?.lastReload;
  return gen;
}

/** Provider blocks present in both configs with the same settings: their circuit and key health carry over. */
function unchangedProviders(before: Config, after: Config): ReadonlySet<string> {
  const same = new Set<string>();
  for (const [name, block] of Object.entries(after.providers)) {
    const old = before.providers[name];
    if (old !== undefined && JSON.stringify(old) === JSON.stringify(block)) same.add(name);
  }
  return same;
}
