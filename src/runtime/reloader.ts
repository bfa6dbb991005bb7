// Config hot reload: the file watcher and SIGHUP both land here. A reload reads and validates the
// file, builds a whole new generation off the request path, swaps it in, and retires the old one.
// A bad edit keeps the running generation and logs one line naming the failing path.
import { ConfigError, loadConfigFile } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import { watchConfig, type ConfigWatcher } from "../config/watch.ts";
import { logger } from "../observability/logger.ts";
import { wasmFile } from "../plugins/wasm/wasm-file.ts";
import { buildGeneration, type Generation, type GenerationOptions } from "./generation.ts";

/** Holds the generation new requests use. */
export class GenerationHolder {
  constructor(public current: Generation) {}

  /** Makes `next` current; the old generation closes when its last request has left. */
  swap(next: Generation): Generation {
    const old = this.current;
    this.current = next;
    void old.retire();
    return old;
  }
}

export interface ReloadStatus {
  at: Date;
  ok: boolean;
  error?: string;
}

export interface ReloaderOptions extends Omit<GenerationOptions, "previous"> {
  env?: Record<string, string | undefined>;
  /** Watch the file (default true); SIGHUP and `reload()` work either way. */
  watch?: boolean;
  /** Watch the WASM plugins' `.wasm` files too (default: as `watch`); a rebuilt plugin reloads the config. */
  watchPlugins?: boolean;
}

export class Reloader {
  last: ReloadStatus | undefined;
  private watcher: ConfigWatcher | undefined;
  /** By resolved path: the `.wasm` files of the current config's enabled WASM plugins. */
  private readonly pluginWatchers = new Map<string, ConfigWatcher>();
  private running: Promise<ReloadStatus> | undefined;
  private again = false;
  private closed = false;

  constructor(private readonly path: string, private readonly holder: GenerationHolder, private readonly options: ReloaderOptions = {}) {
    if (options.watch !== false) this.watcher = watchConfig(path, () => void this.reload("file"));
    this.watchPluginFiles(holder.current.config);
  }

  /** Reloads now; a reload asked for while one runs runs once more after it (never two at once). */
  reload(trigger: "file" | "signal" | "api"): Promise<ReloadStatus> {
    if (this.running !== undefined) {
      this.again = true;
      return this.running;
    }
    this.running = this.run(trigger).finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.reload(trigger);
      }
    });
    return this.running;
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    for (const w of this.pluginWatchers.values()) w.close();
    this.pluginWatchers.clear();
  }

  /** Watches the `.wasm` files `config` loads, and no others. */
  private watchPluginFiles(config: Config): void {
    if ((this.options.watchPlugins ?? this.options.watch) === false || this.closed) return;
    const files = new Set(config.plugins.flatMap((p) => (p.enabled && p.wasm !== undefined ? [wasmFile(p)] : [])));
    for (const [file, watcher] of this.pluginWatchers) {
      if (files.has(file)) continue;
      watcher.close();
      this.pluginWatchers.delete(file);
    }
    for (const file of files) {
      if (!this.pluginWatchers.has(file)) this.pluginWatchers.set(file, watchConfig(file, () => void this.reload("file")));
    }
  }

  private async run(trigger: string): Promise<ReloadStatus> {
    const before = this.holder.current;
    let next: Generation;
    try {
      // `${VAR}` values are read again from this process's environment.
      const { config, warnings } = await loadConfigFile(this.path, this.options.env ?? process.env);
      for (const warning of warnings) logger.warn(warning);
      next = await buildGeneration(config, { ...this.options, previous: before });
    } catch (err) {
      const error = err instanceof ConfigError ? err.message : (err as Error).message;
      logger.error("config reload failed; keeping the running config", { trigger, path: this.path, error });
      return (this.last = before.lastReload = { at: new Date(), ok: false, error });
    }
    const changes = describeChanges(before.config, next.config);
    if (sameAddress(before.config, next.config) === false) {
      logger.warn("server.address changed; it takes effect after a restart", { trigger });
    }
    if (before.config.server.workers !== next.config.server.workers) {
      logger.warn("server.workers changed; it takes effect after a restart", { trigger });
    }
    this.holder.swap(next);
    this.watchPluginFiles(next.config);
    logger.info("config reloaded", { trigger, generation: next.id, ...changes });
    return (this.last = next.lastReload = { at: new Date(), ok: true });
  }
}

function sameAddress(a: Config, b: Config): boolean {
  return a.server.address.hostname === b.server.address.hostname && a.server.address.port === b.server.address.port;
}

/** What a reload changed, by name: providers, routes and plugins added, removed or changed. */
export function describeChanges(before: Config, after: Config): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const diff = (label: string, a: Record<string, unknown>, b: Record<string, unknown>) => {
    const added = Object.keys(b).filter((k) => !(k in a));
    const removed = Object.keys(a).filter((k) => !(k in b));
    const changed = Object.keys(b).filter((k) => k in a && JSON.stringify(a[k]) !== JSON.stringify(b[k]));
    if (added.length) out[`${label}_added`] = added;
    if (removed.length) out[`${label}_removed`] = removed;
    if (changed.length) out[`${label}_changed`] = changed;
  };
  diff("providers", before.providers, after.providers);
  diff("routes", before.routes, after.routes);
  const plugins = (c: Config) => Object.fromEntries(c.plugins.map((p, i) => [p.name === "" ? String(i) : p.name, p]));
  diff("plugins", plugins(before), plugins(after));
  for (const section of ["server", "failover", "redis", "store", "responses"] as const) {
    if (JSON.stringify(before[section]) !== JSON.stringify(after[section])) (out.sections_changed ??= []).push(section);
  }
  return out;
}
