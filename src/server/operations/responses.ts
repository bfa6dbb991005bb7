import { GatewayError } from "../../core/errors.ts";
import type { ChatCompletion } from "../../core/openai-types.ts";
import type { StreamEvent } from "../../core/stream-event.ts";
import { nativeResponse, RESPONSES, RESPONSES_SIDE, type ResponsesRequest } from "../../engine/operations.ts";
import { shapeRelayed } from "../../engine/stream-shaper.ts";
import { errorFields, logger } from "../../observability/logger.ts";
import type { StoredResponse } from "../../store/types.ts";
import type { Exchange } from "../context.ts";
import { conversationItems, inputItems, loadConversation } from "../conversation.ts";
import { itemsToMessages, parseResponsesRequest, withHistory, type ParsedResponses } from "../ingress/responses/request.ts";
import { responseId, toResponse, type ResponseContext } from "../ingress/responses/response.ts";
import { ResponsesStreamEncoder } from "../ingress/responses/stream.ts";
import { responsesIngress } from "../ingress/responses/index.ts";
import type { Operation } from "../operation.ts";
import { sseStream, type SseEncoder, type SseHooks } from "../sse.ts";
import { validateChat } from "../validate.ts";
import { deterministic } from "../../cache/policy.ts";

/** What a Responses request keeps for its answer: how to encode it and what to store. */
interface Turn {
  ctx: ResponseContext;
  /** This turn's input items, as stored. */
  input: unknown[];
  /** The stored turns this one continues: their TTL restarts when this one is stored. */
  earlier: string[];
  /** Hosted tools a translated target cannot run (ParsedResponses `dropped`). */
  dropped: string[];
}

/** By exchange, not by request: a plugin's rewrite replaces the request object, never the exchange. */
const turns = new WeakMap<Exchange, Turn>();

/**
 * The client's body as a Responses request: earlier turns (previous_response_id) loaded from the
 * store; translated to the internal chat request (checked as /v1/chat checks it) for targets that
 * need translation, and kept as a body with the conversation in `input` for targets that speak
 * Responses natively. A body that cannot be translated (built-in tools...) is still served by
 * native targets; a translating attempt answers its 400.
 */
async function parse(body: Record<string, unknown>, _headers: Headers, ex: Exchange): Promise<ResponsesRequest> {
  let parsed: ParsedResponses | undefined;
  let untranslatable: GatewayError | undefined;
  try {
    parsed = parseResponsesRequest(body);
  } catch (err) {
    if (!(err instanceof GatewayError) || err.status !== 400 || typeof body.model !== "string" || body.model === "") throw err;
    untranslatable = err;
  }
  const previousResponseId = typeof body.previous_response_id === "string" ? body.previous_response_id : undefined;
  const earlier = previousResponseId === undefined ? [] : await loadConversation(ex.gen.store.responses, previousResponseId, ex.appKeyScope);
  const input = parsed?.input ?? inputItems(body.input);

  const native: Record<string, unknown> = { ...body };
  delete native.previous_response_id;
  if (earlier.length > 0) native.input = [...conversationItems(earlier, true), ...input];

  let request: ResponsesRequest;
  if (parsed !== undefined) {
    const chat = earlier.length > 0 ? withHistory(parsed, itemsToMessages(conversationItems(earlier, false) as never)) : parsed.chat;
    request = validateChat(chat as unknown as Record<string, unknown>) as ResponsesRequest;
  } else {
    request = { model: body.model as string, messages: [{ role: "user", content: "" }] };
    if (body.stream === true) request.stream = true;
  }
  request[RESPONSES_SIDE] = untranslatable === undefined ? { native: { body: native } } : { native: { body: native }, untranslatable };
  const echo = parsed?.echo ?? ({} as ParsedResponses["echo"]);
  const store = parsed?.store ?? body.store !== false;
  turns.set(ex, {
    // Kept until the answer ends only to be stored with it: a turn not stored keeps none of it.
    input: store ? input : [],
    earlier: earlier.map((t) => t.id),
    dropped: parsed?.dropped ?? [],
    ctx: {
      id: responseId(), createdAt: Math.floor(Date.now() / 1000), model: request.model, echo, previousResponseId,
      store, instructions: parsed?.instructions ?? (typeof body.instructions === "string" ? body.instructions : undefined),
    },
  });
  return request;
}

/** Keeps a finished response, when the client asked for it; a store that fails costs the continuation, not the answer. */
async function keep(ex: Exchange, turn: Turn, response: Record<string, unknown>, translated: boolean): Promise<void> {
  if (!turn.ctx.store || typeof response.id !== "string") return;
  const record: StoredResponse = {
    id: response.id, response, input: turn.input, previousResponseId: turn.ctx.previousResponseId, createdAt: turn.ctx.createdAt, translated,
  };
  if (ex.appKeyScope !== undefined) record.scope = ex.appKeyScope;
  try {
    const store = ex.gen.store.responses;
    await Promise.all([store.put(record), turn.earlier.length > 0 ? store.touch(turn.earlier) : undefined]);
  } catch (err) {
    logger.warn("storing a response failed; previous_response_id cannot continue from it", { request_id: ex.requestId, response_id: response.id, ...errorFields(err) });
  }
}

/** The upstream's Response object as the client should see it: its `previous_response_id` is the client's, not the expanded one's. */
function asAnswered(response: Record<string, unknown>, turn: Turn): Record<string, unknown> {
  return turn.ctx.previousResponseId === undefined ? response : { ...response, previous_response_id: turn.ctx.previousResponseId };
}

/** A translated answer says which hosted tools its model was not offered. */
function announceDropped(ex: Exchange, turn: Turn, request: ResponsesRequest): void {
  if (turn.dropped.length > 0 && request[RESPONSES_SIDE]?.translated === true) ex.headers["x-butter-dropped-tools"] = turn.dropped.map(headerSafe).join(", ");
}

/** A tool type is the client's text: one a header cannot carry (non-ASCII, control characters) goes percent-encoded rather than failing the answer. */
const headerSafe = (text: string): string => (/^[\x20-\x7e]*$/.test(text) ? text : encodeURIComponent(text));

async function encodeJson(body: ChatCompletion, request: ResponsesRequest, ex: Exchange): Promise<string> {
  const turn = turns.get(ex)!;
  const native = nativeResponse.get(body);
  if (native !== undefined) {
    const response = asAnswered(native.response, turn);
    await keep(ex, turn, response, false);
    return response === native.response ? native.text : JSON.stringify(response);
  }
  announceDropped(ex, turn, request);
  const response = toResponse(body, turn.ctx) as unknown as Record<string, unknown>;
  await keep(ex, turn, response, true);
  return JSON.stringify(response);
}

const TERMINAL = /^event: (response\.completed|response\.incomplete)\n/;

/**
 * Responses' stream: translated chunks become its typed events (ResponsesStreamEncoder); a native
 * stream's events go out as the upstream wrote them. Either way the finished response is stored
 * before the client sees the event that ends the stream, so a next turn can name it at once.
 */
class StoringEncoder implements SseEncoder {
  private held: { text: string; response: Record<string, unknown> } | undefined;
  /** What a relayed native stream said so far: a failure after it continues that response and its numbering. */
  private relayed: { response: Record<string, unknown> | undefined; seq: number } | undefined;

  constructor(private readonly inner: ResponsesStreamEncoder, private readonly ex: Exchange, private readonly turn: Turn) {}

  chunk(event: Extract<StreamEvent, { type: "chunk" }>): string {
    const sse = event.sse;
    if (sse === undefined) return this.inner.chunk(event);
    this.relayed ??= { response: undefined, seq: -1 };
    const seq = /"sequence_number":\s*(\d+)/.exec(sse);
    if (seq !== null) this.relayed.seq = Math.max(this.relayed.seq, Number(seq[1]));
    if (this.relayed.response === undefined && sse.startsWith("event: response.created\n")) {
      const created = safeParse(sse.slice(sse.indexOf("\ndata: ") + 7).replace(/\ndata: /g, "\n")) as { response?: unknown } | undefined;
      if (created?.response !== null && typeof created?.response === "object") this.relayed.response = created.response as Record<string, unknown>;
    }
    if (!TERMINAL.test(sse)) return sse;
    const data = sse.slice(sse.indexOf("\ndata: ") + 7).replace(/\ndata: /g, "\n");
    const parsed = safeParse(data) as { response?: Record<string, unknown> } | undefined;
    if (parsed?.response === undefined || typeof parsed.response !== "object") return sse;
    const response = asAnswered(parsed.response, this.turn);
    const text = response === parsed.response ? sse : sse.slice(0, sse.indexOf("\ndata: ") + 7) + JSON.stringify({ ...parsed, response }) + "\n\n";
    this.held = { text, response };
    return "";
  }

  /** A relayed native stream that breaks ends as its own response failed (one response.created, numbering continued); nothing is stored. */
  error(err: GatewayError): string {
    if (this.relayed === undefined) return this.inner.error(err);
    const code = err.status === 429 ? "rate_limit_exceeded" : err.status >= 500 || err.type === "timeout" ? "server_error" : (err.code ?? err.kind);
    const response = { ...asAnswered(this.relayed.response ?? {}, this.turn), status: "failed", error: { code, message: err.message } };
    return `event: response.failed\ndata: ${JSON.stringify({ type: "response.failed", sequence_number: this.relayed.seq + 1, response })}\n\n`;
  }

  end(outcome: "done" | "error"): string | Promise<string> {
    if (this.held !== undefined) {
      const held = this.held;
      return keep(this.ex, this.turn, held.response, false).then(() => held.text);
    }
    const tail = this.inner.end(outcome);
    const final = outcome === "done" ? this.inner.final : undefined;
    if (final === undefined) return tail;
    return (async () => {
      await keep(this.ex, this.turn, final as unknown as Record<string, unknown>, true);
      return typeof tail === "string" ? tail : await tail;
    })();
  }
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function encodeStream(events: AsyncIterable<StreamEvent>, request: ResponsesRequest, hooks: SseHooks, ex: Exchange): ReadableStream<Uint8Array> {
  const turn = turns.get(ex)!;
  announceDropped(ex, turn, request);
  return sseStream(events, hooks, new StoringEncoder(new ResponsesStreamEncoder(turn.ctx), ex, turn));
}

/**
 * Only `store: false` requests are cached: a stored response has an id a client may continue or
 * delete, and a hit would hand two clients the same id. The client's own body decides (a native
 * target gets it; an untranslatable one has no internal temperature).
 */
function cacheable(request: ResponsesRequest): boolean {
  const body = request[RESPONSES_SIDE]?.native.body;
  return body !== undefined && body.store === false && body.temperature === 0 && deterministic(request);
}

/**
 * `POST /v1/responses`: OpenAI's Responses API. Targets that speak it natively (openai; azure on
 * an api-version that has it) get the client's body apart from `model`, with earlier turns expanded
 * into `input`; others get it translated to the internal chat request and answered in Responses'
 * shape and events. `store` (default true) keeps the answer in the durable store.
 */
export const responses: Operation<ResponsesRequest, ChatCompletion> = {
  ingress: responsesIngress,
  engine: RESPONSES,
  parse,
  cacheable,
  answerHeaders: ["x-butter-dropped-tools"],
  shapeStream: (events, _request, stats) => shapeRelayed(events, stats),
  encodeJson,
  encodeStream,
};
