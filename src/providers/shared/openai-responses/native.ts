// A Responses answer relayed as it came (native pass-through of /v1/responses to targets that
// speak OpenAI's Responses API): the JSON text untouched, and the stream event by event as SSE
// text. The gateway reads only what telemetry, failover and the response store need: usage, how
// the response ended, and the error events.
import { errors } from "../../../core/errors.ts";
import type { ChatCompletion, FinishReason, Usage } from "../../../core/openai-types.ts";
import type { StreamEvent } from "../../../core/stream-event.ts";
import type { UpstreamReads } from "../../types.ts";
import { decodeSse } from "../sse-decoder.ts";
import { sseText, summaryChunk, summaryCompletion } from "../relay-summary.ts";
import { safeJson } from "../upstream-error.ts";

interface ResponsesUsage {
  input_tokens?: number;
  output_tokens?: number;
  total_tokens?: number;
  input_tokens_details?: { cached_tokens?: number };
  output_tokens_details?: { reasoning_tokens?: number };
}

interface ResponsePayload {
  id?: unknown;
  model?: unknown;
  status?: unknown;
  usage?: ResponsesUsage | null;
  output?: unknown;
  incomplete_details?: { reason?: unknown } | null;
}

const count = (n: unknown): number => (typeof n === "number" && Number.isFinite(n) && n >= 0 ? n : 0);

/** Responses usage → the internal (Chat Completions) usage telemetry and cost read. */
export function fromResponsesUsage(usage: ResponsesUsage | null | undefined): Usage | undefined {
  if (usage == null || typeof usage !== "object") return undefined;
  const input = count(usage.input_tokens);
  const output = count(usage.output_tokens);
  const out: Usage = { prompt_tokens: input, completion_tokens: output, total_tokens: count(usage.total_tokens) || input + output };
  const cached = usage.input_tokens_details?.cached_tokens;
  if (typeof cached === "number") out.prompt_tokens_details = { cached_tokens: count(cached) };
  const reasoning = usage.output_tokens_details?.reasoning_tokens;
  if (typeof reasoning === "number") out.completion_tokens_details = { reasoning_tokens: count(reasoning) };
  return out;
}

/** How a Responses object ended, as a chat finish reason. */
function finishOf(response: ResponsePayload): FinishReason {
  if (response.status === "incomplete") return response.incomplete_details?.reason === "content_filter" ? "content_filter" : "length";
  const output = Array.isArray(response.output) ? response.output : [];
  return output.some((item) => (item as { type?: unknown } | null)?.type === "function_call") ? "tool_calls" : "stop";
}

/** A Responses JSON answer → the internal completion the engine and telemetry read (usage, finish); content is not translated. */
export function responsesSummary(json: unknown, model: string): ChatCompletion {
  const p = (json && typeof json === "object" ? json : {}) as ResponsePayload;
  return summaryCompletion(p.id, typeof p.model === "string" ? p.model : model, finishOf(p), fromResponsesUsage(p.usage));
}

/** Whether a JSON body is a Responses object at all (what the relay and the store rely on). */
export function isResponseObject(json: unknown): json is Record<string, unknown> {
  return json !== null && typeof json === "object" && !Array.isArray(json)
    && typeof (json as ResponsePayload).id === "string" && Array.isArray((json as ResponsePayload).output);
}

/** The events that end a Responses stream; each carries the whole response. */
const TERMINAL = new Set(["response.completed", "response.incomplete", "response.failed"]);

/**
 * A Responses stream → events that each carry the upstream event's SSE text (`sse`) and a summary
 * chunk (the usage and finish once the terminal event names them). An `error` event becomes an
 * error (before the first event: a failed attempt); a stream that ends without a terminal event was
 * cut short.
 */
export async function* nativeResponsesStream(body: ReadableStream<Uint8Array>, model: string, reads: UpstreamReads): AsyncGenerator<StreamEvent> {
  for await (const msg of decodeSse(body, reads)) {
    if (msg.data === "[DONE]") break;
    const payload = safeJson(msg.data) as { type?: unknown; response?: ResponsePayload; code?: unknown; message?: unknown } | undefined;
    // Relayed as it came, an event the client cannot parse would break its SDK instead of ending the stream cleanly.
    if (payload === null || typeof payload !== "object" || Array.isArray(payload)) throw errors.upstreamBadResponse(reads.provider, "a stream event that is not a JSON object");
    const type = msg.event ?? (typeof payload?.type === "string" ? payload.type : undefined);
    if (type === "error") {
      const message = typeof payload?.message === "string" ? payload.message : "the upstream stream reported an error";
      yield { type: "error", error: errors.upstream(reads.provider, 502, message, { code: typeof payload?.code === "string" ? payload.code : null }) };
      return;
    }
    const sse = sseText(msg.event, msg.data);
    if (type !== undefined && TERMINAL.has(type)) {
      const response = payload?.response ?? {};
      yield { type: "chunk", chunk: summaryChunk(model, fromResponsesUsage(response.usage), finishOf(response)), sse };
      return;
    }
    yield { type: "chunk", chunk: summaryChunk(model, undefined, null), sse };
  }
  throw errors.streamInterrupted(reads.provider, "the stream ended before response.completed");
}
