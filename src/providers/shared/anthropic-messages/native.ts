// A Messages answer relayed as it came (native pass-through of /v1/messages): the JSON text
// untouched, and the stream event by event as SSE text. The gateway reads only what telemetry and
// failover need: usage and stop reason, and the error events.
import { errors } from "../../../core/errors.ts";
import type { ChatCompletion, ChatCompletionChunk, Usage } from "../../../core/openai-types.ts";
import type { StreamEvent } from "../../../core/stream-event.ts";
import type { UpstreamReads } from "../../types.ts";
import { decodeSse } from "../sse-decoder.ts";
import { safeJson } from "../upstream-error.ts";
import { anthropicStreamError } from "./errors.ts";
import { finishReason, mergeUsage, toOpenAIUsage } from "./usage.ts";
import type { AnthropicUsage } from "./wire-types.ts";

interface Payload {
  type?: string;
  id?: string;
  model?: string;
  stop_reason?: string | null;
  usage?: AnthropicUsage;
  message?: { id?: string; model?: string; usage?: AnthropicUsage };
  delta?: { stop_reason?: string | null };
}

/** A Messages JSON answer → the internal completion the engine and telemetry read (usage, finish); content is not translated. */
export function nativeSummary(json: unknown, model: string): ChatCompletion {
  const p = (json && typeof json === "object" ? json : {}) as Payload;
  return {
    id: typeof p.id === "string" ? p.id : "",
    object: "chat.completion",
    created: 0,
    model: typeof p.model === "string" ? p.model : model,
    choices: [{ index: 0, message: { role: "assistant", content: null }, finish_reason: finishReason(p.stop_reason) ?? "stop" }],
    usage: toOpenAIUsage(p.usage),
  } as ChatCompletion;
}

const summaryChunk = (model: string, usage: Usage | undefined, finish: string | null): ChatCompletionChunk => ({
  id: "", object: "chat.completion.chunk", created: 0, model,
  choices: finish === null ? [] : [{ index: 0, delta: {}, finish_reason: finish }],
  usage,
} as ChatCompletionChunk);

/**
 * A Messages stream → events that each carry the upstream event's SSE text (`sse`) and a summary
 * chunk (usage so far, the finish once message_delta names it). An `error` event becomes an error
 * (before the first event: a failed attempt); a stream that ends without message_stop is interrupted.
 */
export async function* nativeStream(body: ReadableStream<Uint8Array>, model: string, reads: UpstreamReads): AsyncGenerator<StreamEvent> {
  const usage: AnthropicUsage = {};
  let stopped = false;
  for await (const msg of decodeSse(body, reads)) {
    const payload = safeJson(msg.data) as Payload | undefined;
    const type = msg.event ?? payload?.type;
    if (type === "error") {
      yield { type: "error", error: anthropicStreamError(reads.provider, payload) };
      return;
    }
    let finish: string | null = null;
    if (type === "message_start") mergeUsage(usage, payload?.message?.usage);
    else if (type === "message_delta") {
      mergeUsage(usage, payload?.usage);
      finish = finishReason(payload?.delta?.stop_reason) ?? null;
    } else if (type === "message_stop") stopped = true;
    const sse = (msg.event !== undefined ? `event: ${msg.event}\n` : "") + `data: ${msg.data.replace(/\n/g, "\ndata: ")}\n\n`;
    yield { type: "chunk", chunk: summaryChunk(model, toOpenAIUsage(usage), finish), sse };
    if (stopped) return;
  }
  if (!stopped) throw errors.streamInterrupted(reads.provider, "the stream ended before message_stop");
}
