// The one place a request's telemetry record is filled: from arrival, the operation and model asked
// for, each upstream attempt, the engine's outcome (usage, finish), the stream's counts, the answer's
// status and cache result. The server creates it for /v1/* whenever the generation's telemetry bus
// has subscribers, with or without plugins; plugins read the record, they do not build it.
import type { GatewayError } from "../core/errors.ts";
import type { Usage } from "../core/openai-types.ts";
import type { AttemptObserver, Outcome, RequestContext } from "../engine/engine.ts";
import type { StreamStats } from "../engine/stream-shaper.ts";
import type { Cost } from "../cost/pricing.ts";
import type { Waited } from "../providers/types.ts";
import type { AttemptRecord, RequestRecord, Telemetry } from "./events.ts";

const RESPONDED = 1;
const STREAM_OPEN = 2;

export class RequestRecorder implements AttemptObserver {
  readonly record: RequestRecord;
  /** Called once the record is complete, subscribers or not (app-key counting). */
  onEnd: ((record: RequestRecord) => void) | undefined = undefined;
  private state = 0;
  private waited: Waited | undefined;

  constructor(private readonly telemetry: Telemetry, requestId: string, req: Request, path: string, clientIp: string | undefined) {
    this.record = newRecord(requestId, req.method, path, clientIp, req.headers.get("traceparent") ?? undefined);
    if (telemetry.requestStart.hasSubscribers) telemetry.requestStart.publish(this.record);
  }

  get captureBodies(): boolean {
    return this.telemetry.captureBodies;
  }

  /** The body was parsed: what the client asked for. */
  requested(operation: RequestRecord["operation"], request: { model: string; stream?: unknown }, route: boolean): void {
    const rec = this.record;
    rec.operation = operation;
    rec.requestedModel = request.model;
    rec.route = route ? request.model : undefined;
    rec.stream = request.stream === true;
    if (this.telemetry.captureBodies) rec.requestBody = request;
  }

  /** The engine call begins; the recorder observes its attempts through the request's context. */
  llmStarted(ctx: RequestContext): void {
    this.record.llmStartedAt = performance.now();
    ctx.attempts = this;
    this.waited = ctx.waited;
  }

  /** Who answered, after how many attempts; for a JSON answer also its usage and finish. */
  answered(outcome: Outcome<unknown>, body: { usage?: Usage | object | null; choices?: unknown } | undefined): void {
    const rec = this.record;
    rec.provider = outcome.provider;
    rec.model = outcome.model;
    rec.attempts = outcome.attempts;
    if (body === undefined) return;
    rec.llmEndedAt = performance.now();
    const usage = body.usage as { prompt_tokens?: number; completion_tokens?: number } | null | undefined;
    if (usage) {
      rec.promptTokens = usage.prompt_tokens;
      rec.completionTokens = usage.completion_tokens;
    }
    const choice = (body.choices as Array<{ finish_reason?: string | null }> | undefined)?.[0];
    if (choice?.finish_reason) rec.finishReason = choice.finish_reason;
    if (this.telemetry.captureBodies) rec.responseBody = body;
  }

  /** Answered from the response cache: who answered originally, and the usage it saved (no upstream call, so no LLM time). */
  cacheHit(answer: { provider: string; model: string; promptTokens: number | undefined; completionTokens: number | undefined; costPico?: string }): void {
    const rec = this.record;
    rec.cache = "hit";
    rec.provider = answer.provider;
    rec.model = answer.model;
    rec.attempts = 0;
    rec.promptTokens = answer.promptTokens;
    rec.completionTokens = answer.completionTokens;
    rec.costPico = 0n;
    if (answer.costPico !== undefined) rec.savedPico = BigInt(answer.costPico);
  }

  /** The answer's cost, priced by the model that answered. */
  priced(cost: Cost, estimated = false): void {
    this.record.costPico = cost.pico;
    if (!cost.priced) this.record.costUnpriced = true;
    if (estimated) this.record.costEstimated = true;
  }

  /** A cache is configured and did not answer (looked up in vain, skipped by the client, or not cacheable). */
  cacheMissed(): void {
    this.record.cache = "miss";
  }

  /** The engine gave up (or the client left). */
  llmFailed(): void {
    this.record.llmEndedAt = performance.now();
  }

  /**
   * AttemptObserver: an upstream attempt starts. Always counted (a failed request's log line says how
   * many attempts it took and where the last one went); attempt events are built only when someone
   * subscribes.
   */
  start(provider: string, model: string, attempt: number): ReturnType<AttemptObserver["start"]> {
    const rec = this.record;
    const t = this.telemetry;
    rec.attempts = attempt;
    rec.provider = provider;
    rec.model = model;
    if (!(t.attemptStart.hasSubscribers || t.attemptEnd.hasSubscribers)) return NO_ATTEMPT;
    const a: AttemptRecord = {
      request: rec, provider, model, attempt, startedAt: performance.now(),
      endedAt: 0, status: 0, errorKind: undefined, headers: {}, trace: undefined,
    };
    if (t.attemptStart.hasSubscribers) t.attemptStart.publish(a);
    for (const _ in a.headers) return { headers: a.headers, end: (err) => endAttempt(t, a, err) };
    return { headers: undefined, end: (err) => endAttempt(t, a, err) };
  }

  /** A plugin answered the request itself. */
  answeredBy(plugin: string, status: number, kind: string | undefined): void {
    this.record.answeredBy = plugin;
    if (status >= 400) this.record.errorKind ??= kind ?? "plugin_response";
  }

  /** An error answer is about to be sent (the first error named wins: a plugin's own kind, say). */
  failedWith(kind: string): void {
    this.record.errorKind ??= kind;
  }

  /** The SSE body ended (done, error or client gone). */
  streamEnded(stats: StreamStats, end: "done" | "error" | "cancelled"): void {
    const rec = this.record;
    rec.llmEndedAt = performance.now();
    rec.chunks = stats.chunks;
    if (stats.usage !== undefined) {
      rec.promptTokens = stats.usage.prompt_tokens;
      rec.completionTokens = stats.usage.completion_tokens;
    }
    if (stats.finishReason !== undefined) rec.finishReason = stats.finishReason;
    if (end === "error") rec.errorKind = stats.error?.kind ?? "stream_interrupted";
    else if (end === "cancelled") rec.errorKind = "client_closed";
    this.state &= ~STREAM_OPEN;
    if (this.state === RESPONDED) this.end();
  }

  /** The final response is handed to Bun; the record closes now, or at its stream's end. */
  responded(res: Response): void {
    const rec = this.record;
    rec.status = res.status;
    rec.ownMs = performance.now() - rec.startedAt - (this.waited?.ms ?? 0);
    if (rec.stream && res.status === 200 && rec.answeredBy === undefined && res.body !== null && rec.chunks === undefined) {
      this.state |= STREAM_OPEN;
    }
    this.state |= RESPONDED;
    if (this.state === RESPONDED) this.end();
  }

  private end(): void {
    const rec = this.record;
    rec.endedAt = performance.now();
    if (this.telemetry.requestEnd.hasSubscribers) this.telemetry.requestEnd.publish(rec);
    this.onEnd?.(rec);
  }
}

const NO_ATTEMPT = { headers: undefined, end() {} };

function endAttempt(t: Telemetry, a: AttemptRecord, err: GatewayError | undefined): void {
  a.endedAt = performance.now();
  a.status = err === undefined ? 200 : err.status;
  a.errorKind = err?.kind;
  if (t.attemptEnd.hasSubscribers) t.attemptEnd.publish(a);
}

function newRecord(requestId: string, method: string, path: string, clientIp: string | undefined, traceparent: string | undefined): RequestRecord {
  return {
    requestId, method, path, clientIp, traceparent, startedAt: performance.now(),
    operation: undefined, requestedModel: undefined, route: undefined, provider: undefined, model: undefined, attempts: 0,
    stream: false, status: 0, errorKind: undefined, answeredBy: undefined, promptTokens: undefined, completionTokens: undefined,
    costPico: undefined, cache: undefined, appKeyId: undefined, finishReason: undefined, chunks: undefined, llmStartedAt: undefined, llmEndedAt: undefined, endedAt: 0,
    requestBody: undefined, responseBody: undefined, trace: undefined,
  };
}
