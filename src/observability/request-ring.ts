// The admin views' memory of recent traffic: the last `admin.request_log_size` request records
// (metadata only: never a body, a header or a key) and per-target attempt counts and latencies. Fed
// from the telemetry bus like every other subscriber; the feed copies a dozen fields into a slot
// and does nothing else, so it costs about a microsecond per request (bench/ring-micro.ts).
// One ring outlives config reloads (kept on the generation chain) so the view does not go blank.
import { formatUsd } from "../cost/money.ts";
import type { AttemptRecord, RequestRecord, Telemetry } from "./events.ts";

/** One request as the admin API shows it (DESIGN "Dashboard and admin views"). */
export interface RequestView {
  id: string;
  time: string;
  api: string;
  route: string | null;
  provider: string | null;
  model: string | null;
  status: number;
  latency_ms: number;
  attempts: number;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  cost_usd: number | null;
  cache: string | null;
  app_key_id: string | null;
  error: string | null;
  /** Extras beyond DESIGN's list: what the detail view shows. */
  stream: boolean;
  requested_model: string | null;
  finish_reason: string | null;
  answered_by: string | null;
  /** Position in the ring's history: the SSE tail's event id. */
  seq: number;
}

/** What the feed copies from a record; formatted only when someone reads it. */
interface Slot {
  seq: number;
  id: string;
  endedWall: number;
  latency: number;
  path: string;
  route: string | undefined;
  requestedModel: string | undefined;
  provider: string | undefined;
  model: string | undefined;
  status: number;
  attempts: number;
  promptTokens: number | undefined;
  completionTokens: number | undefined;
  costPico: bigint | undefined;
  cache: string | undefined;
  appKeyId: string | undefined;
  error: string | undefined;
  stream: boolean;
  finishReason: string | undefined;
  answeredBy: string | undefined;
}

export interface RequestFilter {
  limit: number;
  key?: string;
  provider?: string;
  /** An exact status (`429`), a class (`4xx`, `5xx`), `error` (>= 400) or `ok` (< 400). */
  status?: string;
}

/** Per target (`provider/model`): upstream attempts, failed ones, and the latest attempt latencies. */
export interface TargetStats {
  provider: string;
  model: string;
  requests: number;
  errors: number;
  latencies: Float64Array;
  filled: number;
  next: number;
}

const LATENCY_SAMPLES = 256;
/** A flood of distinct model names must not grow the map without bound. */
const MAX_TARGETS = 1000;

export class RequestRing {
  private slots: (Slot | undefined)[];
  private head = 0;
  private seq = 0;
  private readonly listeners = new Set<(view: RequestView) => void>();
  readonly targets = new Map<string, TargetStats>();

  constructor(capacity: number) {
    this.slots = new Array<Slot | undefined>(capacity).fill(undefined);
  }

  get capacity(): number {
    return this.slots.length;
  }

  /** Subscribes to one generation's records and attempts. */
  observe(telemetry: Telemetry): void {
    telemetry.requestEnd.subscribe((rec) => this.push(rec));
    telemetry.attemptEnd.subscribe((a) => this.attempt(a));
  }

  /** A reload changed `admin.request_log_size`: keep the newest entries that fit. */
  resize(capacity: number): void {
    if (capacity === this.slots.length) return;
    const kept = this.newest(capacity);
    this.slots = new Array<Slot | undefined>(capacity).fill(undefined);
    this.head = 0;
    for (let i = kept.length - 1; i >= 0; i--) this.slots[this.head++ % capacity] = kept[i];
    this.head %= capacity;
  }

  push(rec: RequestRecord): void {
    const slot: Slot = {
      seq: ++this.seq, id: rec.requestId, endedWall: Date.now(), latency: rec.endedAt - rec.startedAt, path: rec.path,
      route: rec.route, requestedModel: rec.requestedModel, provider: rec.provider, model: rec.model, status: rec.status,
      attempts: rec.attempts, promptTokens: rec.promptTokens, completionTokens: rec.completionTokens, costPico: rec.costPico,
      cache: rec.cache, appKeyId: rec.appKeyId, error: rec.errorKind, stream: rec.stream, finishReason: rec.finishReason,
      answeredBy: rec.answeredBy,
    };
    this.slots[this.head] = slot;
    this.head = this.head + 1 === this.slots.length ? 0 : this.head + 1;
    if (this.listeners.size !== 0) {
      const view = viewOf(slot);
      for (const l of this.listeners) l(view);
    }
  }

  attempt(a: AttemptRecord): void {
    const id = `${a.provider}/${a.model}`;
    let t = this.targets.get(id);
    if (t === undefined) {
      if (this.targets.size >= MAX_TARGETS) this.targets.delete(this.targets.keys().next().value!);
      t = { provider: a.provider, model: a.model, requests: 0, errors: 0, latencies: new Float64Array(LATENCY_SAMPLES), filled: 0, next: 0 };
      this.targets.set(id, t);
    }
    t.requests++;
    if (a.errorKind !== undefined) t.errors++;
    t.latencies[t.next] = a.endedAt - a.startedAt;
    t.next = (t.next + 1) % LATENCY_SAMPLES;
    if (t.filled < LATENCY_SAMPLES) t.filled++;
  }

  /** Newest first, filtered, at most `limit`. */
  list(filter: RequestFilter): RequestView[] {
    const match = statusMatcher(filter.status);
    const out: RequestView[] = [];
    const n = this.slots.length;
    for (let i = 1; i <= n && out.length < filter.limit; i++) {
      const slot = this.slots[(this.head - i + n) % n];
      if (slot === undefined) break;
      if (filter.key !== undefined && slot.appKeyId !== filter.key) continue;
      if (filter.provider !== undefined && slot.provider !== filter.provider) continue;
      if (!match(slot.status)) continue;
      out.push(viewOf(slot));
    }
    return out;
  }

  /** Called with every request recorded from now on; returns the unsubscribe. */
  tail(listener: (view: RequestView) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get tails(): number {
    return this.listeners.size;
  }

  private newest(limit: number): Slot[] {
    const out: Slot[] = [];
    const n = this.slots.length;
    for (let i = 1; i <= n && out.length < limit; i++) {
      const slot = this.slots[(this.head - i + n) % n];
      if (slot === undefined) break;
      out.push(slot);
    }
    return out;
  }
}

/** The median of a target's latest attempt latencies, or null before its first attempt. */
export function medianLatency(t: TargetStats): number | null {
  if (t.filled === 0) return null;
  const sorted = t.latencies.slice(0, t.filled).sort();
  return round(sorted[(t.filled - 1) >> 1]!);
}

export function statusMatcher(status: string | undefined): (s: number) => boolean {
  if (status === undefined) return () => true;
  if (status === "error") return (s) => s >= 400;
  if (status === "ok") return (s) => s > 0 && s < 400;
  const cls = /^([1-5])xx$/i.exec(status);
  if (cls !== null) {
    const base = Number(cls[1]) * 100;
    return (s) => s >= base && s < base + 100;
  }
  const exact = Number(status);
  return (s) => s === exact;
}

function viewOf(s: Slot): RequestView {
  return {
    id: s.id,
    time: new Date(s.endedWall - s.latency).toISOString(),
    api: s.path.startsWith("/v1/") ? s.path.slice(4) : s.path,
    route: s.route ?? null,
    provider: s.provider ?? null,
    model: s.model ?? null,
    status: s.status,
    latency_ms: round(s.latency),
    attempts: s.attempts,
    prompt_tokens: s.promptTokens ?? null,
    completion_tokens: s.completionTokens ?? null,
    cost_usd: s.costPico === undefined ? null : Number(formatUsd(s.costPico)),
    cache: s.cache ?? null,
    app_key_id: s.appKeyId ?? null,
    error: s.error ?? null,
    stream: s.stream,
    requested_model: s.requestedModel ?? null,
    finish_reason: s.finishReason ?? null,
    answered_by: s.answeredBy ?? null,
    seq: s.seq,
  };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** The ring kept on a generation chain (`Generation.kept`), made on first use and resized to `capacity`. */
export function requestRingIn(kept: Map<string, unknown>, capacity: number): RequestRing {
  let ring = kept.get("request-ring") as RequestRing | undefined;
  if (ring === undefined) kept.set("request-ring", (ring = new RequestRing(capacity)));
  else ring.resize(capacity);
  return ring;
}
