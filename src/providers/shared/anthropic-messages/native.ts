// A Messages answer relayed as it came (native pass-through of /v1/messages): the JSON text
// untouched, and the stream event by event as SSE text. The gateway reads only what telemetry and
// failover need: usage and stop reason, and the error events.
import { errors } from "../../../core/errors.ts";
import type { ChatCompletion } from "../../../core/openai-types.ts";
import type { StreamEvent } from "../../../core/stream-event.ts";
import type { UpstreamReads } from "../../types.ts";
import { decodeSse } from "../sse-decoder.ts";
import { sseText, summaryChunk, summaryCompletion } from "../relay-summary.ts";
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
  return summaryCompletion(p.id, typeof p.model === "string" ? p.model : model, finishReason(p.stop_reason) ?? "stop", toOpenAIUsage(p.usage));
}

/**
 * One native stream's reading for telemetry and failover, whatever framing carried it (SSE, or
 * Bedrock's event-stream): usage so far, the finish once message_delta names it, the end at
 * message_stop, and `error` events as errors (before the first event: a failed attempt).
 */
export class NativeStreamReader {
  private readonly usage: AnthropicUsage = {};
  /** message_stop was seen: nothing after it is read. */
  stopped = false;

  constructor(private readonly model: string, private readonly provider: string) {}

  /** One upstream event (its type, parsed payload and SSE text for the client) → the event to yield. */
  event(type: string | undefined, payload: unknown, sse: string): StreamEvent {
    const p = (payload && typeof payload === "object" ? payload : undefined) as Payload | undefined;
    if (type === "error") return { type: "error", error: anthropicStreamError(this.provider, p) };
    let finish: string | null = null;
    if (type === "message_start") mergeUsage(this.usage, p?.message?.usage);
    else if (type === "message_delta") {
      mergeUsage(this.usage, p?.usage);
      finish = finishReason(p?.delta?.stop_reason) ?? null;
    } else if (type === "message_stop") this.stopped = true;
    return { type: "chunk", chunk: summaryChunk(this.model, toOpenAIUsage(this.usage), finish), sse };
  }

  /** The input ended: without message_stop the stream was interrupted. */
  end(): void {
    if (!this.stopped) throw errors.streamInterrupted(this.provider, "the stream ended before message_stop");
  }
}

/** A Messages SSE stream → events that each carry the upstream event's SSE text (`sse`) and a summary chunk (NativeStreamReader). */
export async function* nativeStream(body: ReadableStream<Uint8Array>, model: string, reads: UpstreamReads): AsyncGenerator<StreamEvent> {
  const reader = new NativeStreamReader(model, reads.provider);
  for await (const msg of decodeSse(body, reads)) {
    const payload = safeJson(msg.data) as Payload | undefined;
    const event = reader.event(msg.event ?? payload?.type, payload, sseText(msg.event, msg.data));
    yield event;
    if (event.type === "error" || reader.stopped) return;
  }
  reader.end();
}
