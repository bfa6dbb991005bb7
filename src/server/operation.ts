// One handler for every LLM operation: read the body, parse it into the operation's request, call
// the engine (through the plugin pipeline when one runs), and encode the answer in the ingress's
// format. What differs between chat and embeddings (and later Messages and Responses) lives in
// their descriptors under operations/.
import { usageOf } from "../cache/response-cache.ts";
import type { CachedAnswer, CacheStep } from "../cache/types.ts";
import { errors } from "../core/errors.ts";
import { answerCost } from "../cost/answer-cost.ts";
import { estimateUsage } from "../cost/estimate.ts";
import { formatUsd } from "../cost/money.ts";
import type { StreamEvent } from "../core/stream-event.ts";
import type { Outcome } from "../engine/engine.ts";
import type { EngineOperation } from "../engine/operations.ts";
import type { LlmResult } from "../providers/types.ts";
import type { StreamStats } from "../engine/stream-shaper.ts";
import { logger } from "../observability/logger.ts";
import type { Exchange, Generation } from "./context.ts";
import { endExchange, proxiedHeaders, requestContext } from "./context.ts";
import type { Ingress } from "./ingress.ts";
import { readJsonObject } from "./request-body.ts";
import { firstEventRead, type SseHooks } from "./sse.ts";
import type { Handler } from "./routes.ts";

export interface Operation<Req extends { model: string }, B> {
  readonly ingress: Ingress;
  readonly engine: EngineOperation<Req, B>;
  /**
   * Validates the client's JSON (and, where the API has some, its headers) into the internal
   * request; throws a 400 naming the field. A promise only where parsing reads stored state
   * (Responses' previous_response_id).
   */
  parse(body: Record<string, unknown>, headers: Headers, ex: Exchange): Req | Promise<Req>;
  /**
   * The client-facing event stream, applying the operation's stream rules (chat: role on the first
   * delta, usage only when asked for) and filling `stats`; undefined when the operation never streams.
   */
  shapeStream?(events: AsyncIterable<StreamEvent>, request: Req, stats: StreamStats): AsyncIterable<StreamEvent>;
  /**
   * The JSON answer's text in this API's shape; undefined: the internal (OpenAI) body as it is, the
   * upstream's own text when it came in that shape.
   */
  encodeJson?(body: B, request: Req, ex: Exchange): string | Promise<string>;
  /**
   * Whether the answer to `request` may come from (and go into) the response cache
   * (cache/policy.ts has the shared rules); undefined: never cached.
   */
  cacheable?(request: Req): boolean;
  /**
   * Headers this operation puts on an answer as it encodes it (Responses: `x-butter-dropped-tools`):
   * stored with a cached answer, so that a hit, which is not encoded again, carries them too.
   */
  answerHeaders?: readonly string[];
  /** The stream's body in this API's events, where an encoder needs the request (Responses); undefined: the ingress's encoder. */
  encodeStream?(events: AsyncIterable<StreamEvent>, request: Req, hooks: SseHooks, ex: Exchange): ReadableStream<Uint8Array>;
}

export function operationHandler<Req extends { model: string }, B>(op: Operation<Req, B>): Handler {
  return async (gen: Generation, ex: Exchange): Promise<Response> => {
    ex.ingress = op.ingress;
    ex.operation = op;
    const parsed = op.parse(await readJsonObject(ex, gen.config.server), ex.req.headers, ex);
    const request = parsed instanceof Promise ? await parsed : parsed;
    const ctx = requestContext(ex);
    const recorder = ex.recorder;
    // With a cache, the engine the pipeline calls looks up first (after the pre-LLM hooks) and says
    // on `ex.cache` whether the answer was a hit or is to be stored.
    const engine = gen.cache === undefined ? gen.engine : gen.cache.engine(gen.engine, ex, `${op.ingress.name}:${op.engine.name}`, op.cacheable);
    let outcome: Outcome<LlmResult<B>>;
    if (recorder === undefined) {
      outcome = ex.pipeline === undefined ? await engine.call(op.engine, request, ctx) : await ex.pipeline.call(op.engine, request, ctx, engine);
    } else {
      recorder.requested(op.engine.name, request, gen.snapshot.routes.has(request.model));
      recorder.llmStarted(ctx);
      try {
        outcome = ex.pipeline === undefined ? await engine.call(op.engine, request, ctx) : await ex.pipeline.call(op.engine, request, ctx, engine);
      } catch (err) {
        recorder.llmFailed();
        throw err;
      }
      // A hit's usage and provider were recorded by the cache, without reading its body.
      if (ex.cache?.hit === undefined) recorder.answered(outcome, outcome.value.type === "json" ? (outcome.value.body as object) : undefined);
    }
    const result = outcome.value;
    if (result.type === "json") {
      const cached = ex.cache;
      // A hit no post-LLM hook replaced goes out as the bytes first sent: no parse, no encoding. (As
      // for a natively relayed miss, a hook that changes the body must return it, not edit it in place.)
      if (cached?.hit !== undefined && (cached.value === result || result.body === cached.parsed())) {
        return new Response(cached.hit.client, { headers: costHeader(replayed(op, cached.hit, proxiedHeaders(ex, outcome, "application/json")), 0n) });
      }
      // A hit costs nothing, whatever its stored answer cost when it was made.
      const cost = cached?.hit !== undefined ? undefined : answerCost(gen.snapshot, outcome, (result.body as { usage?: unknown } | null)?.usage);
      if (cost !== undefined) ex.recorder?.priced(cost);
      const encoded = op.encodeJson !== undefined ? op.encodeJson(result.body, request, ex) : result.raw ?? JSON.stringify(result.body);
      const text = typeof encoded === "string" ? encoded : await encoded;
      if (cached !== undefined && cached.hit === undefined) keep(cached, op, ex, outcome, result, text, cost?.pico);
      const headers = proxiedHeaders(ex, outcome, "application/json");
      if (cached?.hit !== undefined) return new Response(text, { headers: costHeader(replayed(op, cached.hit, headers), 0n) });
      return new Response(text, { headers: costHeader(headers, cost?.pico) });
    }
    return streamAnswer(op, gen, ex, request, outcome as Outcome<Extract<LlmResult<B>, { type: "stream" }>>);
  };
}

/**
 * A stream's answer. Its own function, not part of the async handler: the closures that live as long
 * as the stream (the end hook) would hold every variable of the handler, the parsed request included
 * (a 100 KB prompt held by each of 1,000 streams is 100 MB; measured with a heap snapshot), for the
 * stream's whole life; here they hold only what they use.
 */
function streamAnswer<Req extends { model: string }, B>(op: Operation<Req, B>, gen: Generation, ex: Exchange, request: Req, outcome: Outcome<Extract<LlmResult<B>, { type: "stream" }>>): Response | Promise<Response> {
  if (op.shapeStream === undefined) throw errors.internal(new Error(`${op.engine.name} answered with a stream`));
  const stats: StreamStats = { chunks: 0 };
  const recorder = ex.recorder;
  const hooks: SseHooks = {
    onEnd: (end) => {
      if (end === "error" && stats.error) {
        logger.warn("stream ended with an error", { request_id: ex.requestId, provider: outcome.provider, error_kind: stats.error.kind, error: stats.error.message });
      }
      // Priced from the usage the provider reported (a cancelled stream's too, when it came);
      // a stream cancelled before any usage, from an estimate.
      if (recorder !== undefined) {
        if (stats.usage !== undefined) {
          const cost = answerCost(gen.snapshot, outcome, stats.usage);
          if (cost !== undefined) recorder.priced(cost);
        } else if (end === "cancelled") {
          const cost = answerCost(gen.snapshot, outcome, estimateUsage(ex.bodyBytes ?? 0, stats.chunks));
          if (cost !== undefined) recorder.priced(cost, true);
        }
      }
      recorder?.streamEnded(stats, end);
      endExchange(ex);
    },
  };
  const events = op.shapeStream(outcome.value.events, request, stats);
  const body = op.encodeStream !== undefined ? op.encodeStream(events, request, hooks, ex) : op.ingress.encodeStream(events, hooks, { model: request.model, requestId: ex.requestId });
  ex.streaming = true;
  const headers = proxiedHeaders(ex, outcome, op.ingress.streamHeaders["content-type"]!);
  for (const name in op.ingress.streamHeaders) headers[name] = op.ingress.streamHeaders[name]!;
  const response = new Response(body, { headers });
  const ready = firstEventRead(body);
  return ready === undefined ? response : ready.then(() => response);
}

function costHeader(headers: Record<string, string>, pico: bigint | undefined): Record<string, string> {
  if (pico !== undefined) headers["x-butter-cost-usd"] = formatUsd(pico);
  return headers;
}

/**
 * A hit's headers with the answer headers its first answer was encoded with. Only the operation's
 * own names: an entry read back from Redis cannot set any other header.
 */
function replayed(op: { answerHeaders?: readonly string[] }, hit: CachedAnswer, headers: Record<string, string>): Record<string, string> {
  for (const name of op.answerHeaders ?? []) {
    const value = hit.headers?.[name];
    if (value !== undefined) headers[name] = value;
  }
  return headers;
}

/** Stores a miss's answer: the client's bytes, and the internal body's text where it differs (what post-LLM hooks read on a hit). */
function keep<B>(step: Extract<CacheStep, { hit: undefined }>, op: { encodeJson?: unknown; answerHeaders?: readonly string[] }, ex: Exchange, outcome: Outcome<unknown>, result: { body: B; raw?: string }, client: string, costPico: bigint | undefined): void {
  let internal = step.internal ?? (op.encodeJson === undefined ? undefined : result.raw ?? JSON.stringify(result.body));
  if (internal === client) internal = undefined;
  const answer: CachedAnswer = { client, internal, provider: outcome.provider, model: outcome.model, ...usageOf(result.body) };
  if (costPico !== undefined) answer.costPico = costPico.toString();
  for (const name of op.answerHeaders ?? []) {
    const value = ex.headers[name];
    if (value !== undefined) (answer.headers ??= {})[name] = value;
  }
  step.store(step.key, answer);
}
