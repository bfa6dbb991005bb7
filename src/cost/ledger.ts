// The usage ledger: every LLM request, summed per UTC day, app key, provider and model, in memory
// first and added to the durable store in batches (every `ledger.flush_interval`, on close, and at
// once for a key whose budget other instances must see). It subscribes to the generation's request
// records like any telemetry consumer, so it sees exactly what logging and metrics see.
import type { RequestRecord, Telemetry } from "../observability/events.ts";
import { logger } from "../observability/logger.ts";
import { DistinctWarning } from "../observability/distinct-warning.ts";
import type { LedgerRow, LedgerStore, StoreAttachment } from "../store/types.ts";
import type { SharedStore } from "../store/shared-store.ts";
import { dayOf, dayStart } from "./calendar.ts";

const DAY_MS = 86_400_000;

/** Milliseconds since the epoch; tests pass their own to cross days and periods without waiting. */
export type Clock = () => number;

/** A key's cost not yet in the store, per day. */
type SpendByDay = Map<string, bigint>;

export class Ledger implements StoreAttachment {
  private pending = new Map<string, LedgerRow>();
  private pendingSpend = new Map<string, SpendByDay>();
  private flushing: Promise<void> = Promise.resolve();
  private flusher: ReturnType<typeof setInterval> | undefined;
  private flushMs = 0;
  private soon = false;
  private today = "";
  private todayStart = 0;
  private readonly warning = new DistinctWarning();
  private closed = false;

  constructor(
    readonly store: LedgerStore,
    private readonly describe: string,
    /** Other instances read the same store (Redis): a budgeted key's spend is written at once. */
    readonly shared: boolean,
    flushMs: number,
    readonly now: Clock,
  ) {
    this.setFlushInterval(flushMs);
  }

  setFlushInterval(ms: number): void {
    if (ms === this.flushMs) return;
    this.flushMs = ms;
    if (this.flusher !== undefined) clearInterval(this.flusher);
    this.flusher = setInterval(() => void this.flush(), ms);
    this.flusher.unref?.();
  }

  /** Counts a finished request: those that reached an LLM call (answered, failed or served from the cache). */
  record(rec: RequestRecord): void {
    if (rec.operation === undefined || this.closed) return;
    const day = this.dayOf(this.now());
    const key = rec.appKeyId ?? "";
    const provider = rec.provider ?? "";
    const model = rec.model ?? rec.requestedModel ?? "";
    // Only the model is free text, and it comes last: the joined id is unambiguous.
    const id = day + "\u0000" + key + "\u0000" + provider + "\u0000" + model;
    let row = this.pending.get(id);
    if (row === undefined) {
      row = { day, key, provider, model, requests: 0, promptTokens: 0, completionTokens: 0, errors: 0, costPico: 0n, cacheHits: 0, savedPico: 0n, unpriced: 0 };
      this.pending.set(id, row);
    }
    row.requests++;
    if (rec.status >= 400 || rec.errorKind !== undefined) row.errors++;
    if (rec.cache === "hit") {
      // A hit's tokens are the cached answer's: saved, not used.
      row.cacheHits++;
      if (rec.savedPico !== undefined) row.savedPico += rec.savedPico;
      return;
    }
    row.promptTokens += rec.promptTokens ?? 0;
    row.completionTokens += rec.completionTokens ?? 0;
    if (rec.costUnpriced === true) row.unpriced++;
    const cost = rec.costPico;
    if (cost === undefined || cost === 0n) return;
    row.costPico += cost;
    if (key === "") return;
    let spend = this.pendingSpend.get(key);
    if (spend === undefined) this.pendingSpend.set(key, (spend = new Map()));
    spend.set(day, (spend.get(day) ?? 0n) + cost);
  }

  /** Subscribes to a generation's request records. */
  observe(telemetry: Telemetry): void {
    telemetry.requestEnd.subscribe((rec) => this.record(rec));
  }

  /**
   * What key `id` spent on the days `from`..`to` (null: ever): the store's total plus what this
   * instance has not written yet. A batch leaves `pending` in the same turn its write is sent, and
   * the store answers commands in the order sent (one SQLite handle, one Redis connection), so the
   * read sent after it sees it: nothing is counted twice or missed.
   */
  async spend(id: string, days: { from: string; to: string } | null): Promise<bigint> {
    const local = unwritten(this.pendingSpend.get(id), days);
    return local + (await this.store.spend(id, days));
  }

  /** Writes what is pending soon (next turn of the event loop): coalesces the requests ending together into one write. */
  flushSoon(): void {
    if (this.soon) return;
    this.soon = true;
    setTimeout(() => {
      this.soon = false;
      void this.flush();
    }, 0);
  }

  /** Writes the rows so far in one batch; a failed write keeps them for the next flush. One flush at a time. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) return;
      const batch = this.pending;
      const spend = this.pendingSpend;
      this.pending = new Map();
      this.pendingSpend = new Map();
      try {
        await this.store.add([...batch.values()]);
        this.warning.clear();
      } catch (err) {
        this.keep(batch, spend);
        this.warning.warn("writing the usage ledger failed; kept for the next flush", err, { store: this.describe });
      }
    });
    return this.flushing;
  }

  private keep(batch: Map<string, LedgerRow>, spend: Map<string, SpendByDay>): void {
    for (const [id, row] of batch) {
      const now = this.pending.get(id);
      if (now === undefined) this.pending.set(id, row);
      else addRow(now, row);
    }
    for (const [key, days] of spend) {
      let mine = this.pendingSpend.get(key);
      if (mine === undefined) this.pendingSpend.set(key, (mine = new Map()));
      for (const [day, pico] of days) mine.set(day, (mine.get(day) ?? 0n) + pico);
    }
  }

  /** The UTC day of `ms`, recomputed only when a day boundary is crossed. */
  private dayOf(ms: number): string {
    if (ms < this.todayStart || ms >= this.todayStart + DAY_MS) {
      this.today = dayOf(ms);
      this.todayStart = dayStart(this.today);
    }
    return this.today;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.flusher !== undefined) clearInterval(this.flusher);
    await this.flush();
    if (this.pending.size > 0) logger.warn("usage ledger rows could not be written at shutdown", { store: this.describe, rows: this.pending.size });
  }
}

export function addRow(a: LedgerRow, b: LedgerRow): void {
  a.requests += b.requests;
  a.promptTokens += b.promptTokens;
  a.completionTokens += b.completionTokens;
  a.errors += b.errors;
  a.costPico += b.costPico;
  a.cacheHits += b.cacheHits;
  a.savedPico += b.savedPico;
  a.unpriced += b.unpriced;
}

function unwritten(byDay: SpendByDay | undefined, days: { from: string; to: string } | null): bigint {
  if (byDay === undefined) return 0n;
  let pico = 0n;
  for (const [day, p] of byDay) if (days === null || (day >= days.from && day <= days.to)) pico += p;
  return pico;
}

/** The store's ledger: one per backend, shared across reloads (like the app-key table). */
export function ledgerFor(store: SharedStore, flushMs: number, now: Clock): Ledger {
  const ledger = store.attachment("ledger", (s) => new Ledger(s.ledger, s.describe, s.kind === "redis", flushMs, now));
  ledger.setFlushInterval(flushMs);
  return ledger;
}
