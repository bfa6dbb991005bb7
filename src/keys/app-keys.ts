// The application keys as the hot path sees them: every key in memory, indexed by its hash, reloaded
// when the store's version changes (polled, so keys made by the CLI or another instance show up and
// revocations take effect within POLL_MS everywhere), and per-key counters batched in memory and
// added to the store every flush interval and on close.
import type { BucketState } from "../plugins/builtin/ratelimit/bucket.ts";
import { logger } from "../observability/logger.ts";
import { DistinctWarning } from "../observability/distinct-warning.ts";
import type { AppKeyCounters, AppKeyRecord, AppKeyStore, StoreAttachment } from "../store/types.ts";
import type { SharedStore } from "../store/shared-store.ts";
import type { Generation } from "../runtime/generation.ts";
import { addInto, zeroCounters } from "./counters.ts";

/** How often the store's key version is read: revocation reaches every instance within this (plus one reload). */
export const POLL_MS = 250;

export interface KeyEntry {
  readonly record: AppKeyRecord;
  /** The allowlist as a set; null: every model. */
  readonly models: ReadonlySet<string> | null;
  /** The key's own token bucket (per instance), made on its first request. */
  bucket: BucketState | undefined;
}

export class AppKeys implements StoreAttachment {
  private byHash = new Map<string, KeyEntry>();
  private byId = new Map<string, KeyEntry>();
  private version: string | undefined;
  private loading: Promise<void> | undefined;
  private loaded = false;
  private refreshing = false;
  private pending = new Map<string, AppKeyCounters>();
  private flushing: Promise<void> = Promise.resolve();
  private readonly poller: ReturnType<typeof setInterval>;
  private flusher: ReturnType<typeof setInterval> | undefined;
  private flushMs = 0;
  private readonly warning = new DistinctWarning();
  private closed = false;

  constructor(readonly store: AppKeyStore, private readonly describe: string, flushMs: number) {
    this.setFlushInterval(flushMs);
    this.poller = setInterval(() => void this.refresh(), POLL_MS);
    this.poller.unref?.();
    void this.ready()?.catch(() => {});
  }

  /** Undefined once the keys have loaded; until then the load every key check waits for (and that throws when it failed). */
  ready(): Promise<void> | undefined {
    if (this.loaded) return undefined;
    return (this.loading ??= this.reload().finally(() => (this.loading = undefined)));
  }

  setFlushInterval(ms: number): void {
    if (ms === this.flushMs) return;
    this.flushMs = ms;
    if (this.flusher !== undefined) clearInterval(this.flusher);
    this.flusher = setInterval(() => void this.flush(), ms);
    this.flusher.unref?.();
  }

  lookup(hash: string): KeyEntry | undefined {
    return this.byHash.get(hash);
  }

  /** The key with this id, as last loaded. */
  byIdOf(id: string): KeyEntry | undefined {
    return this.byId.get(id);
  }

  /** This instance's increments not yet flushed (the admin API adds them to what the store has). */
  unflushed(id: string): AppKeyCounters | undefined {
    return this.pending.get(id);
  }

  count(id: string, failed: boolean, promptTokens: number, completionTokens: number, costPico = 0n): void {
    let c = this.pending.get(id);
    if (c === undefined) this.pending.set(id, (c = zeroCounters()));
    c.requests++;
    if (failed) c.errors++;
    c.promptTokens += promptTokens;
    c.completionTokens += completionTokens;
    c.costPico += costPico;
    c.lastUsedAt = Date.now();
  }

  /** Writes the increments so far in one batch; a failed write keeps them for the next flush. One flush at a time. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) return;
      const batch = this.pending;
      this.pending = new Map();
      try {
        await this.store.addCounters(batch);
      } catch (err) {
        for (const [id, c] of batch) {
          const now = this.pending.get(id);
          if (now === undefined) this.pending.set(id, c);
          else addInto(now, c);
        }
        this.warning.warn("flushing app key counters failed; kept for the next flush", err, { store: this.describe });
      }
    });
    return this.flushing;
  }

  /** Reads the key version and reloads the keys when it changed; overlapping calls are skipped. */
  async refresh(): Promise<void> {
    if (this.refreshing || this.closed) return;
    this.refreshing = true;
    try {
      const version = await this.store.version();
      if (version !== this.version) await this.load(version);
      this.warning.clear();
    } catch (err) {
      this.warning.warn("reading app keys failed; the keys loaded before stay in use", err, { store: this.describe });
    } finally {
      this.refreshing = false;
    }
  }

  /** Reloads now (after this process changed a key: the answer already reflects it). */
  async reload(): Promise<void> {
    await this.load(await this.store.version());
  }

  private async load(version: string): Promise<void> {
    const keys = await this.store.list();
    const byHash = new Map<string, KeyEntry>();
    const byId = new Map<string, KeyEntry>();
    for (const { record } of keys) {
      const old = this.byId.get(record.id);
      const sameLimit = old !== undefined && JSON.stringify(old.record.rateLimit) === JSON.stringify(record.rateLimit);
      const entry: KeyEntry = { record, models: record.models === null ? null : new Set(record.models), bucket: sameLimit ? old.bucket : undefined };
      byHash.set(record.hash, entry);
      byId.set(record.id, entry);
    }
    this.byHash = byHash;
    this.byId = byId;
    this.version = version;
    this.loaded = true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.poller);
    if (this.flusher !== undefined) clearInterval(this.flusher);
    await this.flush();
    if (this.pending.size > 0) logger.warn("app key counters could not be written at shutdown", { store: this.describe, keys: this.pending.size });
  }
}

/** The generation's key table: one per store backend, shared across reloads. */
export function appKeysOf(gen: Generation): AppKeys {
  const keys = gen.store.attachment("app-keys", (store: SharedStore) => new AppKeys(store.appKeys, store.describe, gen.config.app_keys.flush_interval));
  keys.setFlushInterval(gen.config.app_keys.flush_interval);
  return keys;
}
