// A client API's edges: how its errors and stream events become bytes. The OpenAI ingress is the
// one every /v1/chat and /v1/embeddings request uses; Anthropic Messages and OpenAI Responses add
// their own beside it.
import type { GatewayError } from "../core/errors.ts";
import type { StreamEvent } from "../core/stream-event.ts";
import { errorResponse } from "./error-response.ts";
import { sseBody, SSE_HEADERS, type SseHooks } from "./sse.ts";

/** What a stream encoder may need to know about its request. */
export interface StreamInfo {
  /** The model the client asked for. */
  model: string;
  requestId: string;
}

export interface Ingress {
  readonly name: string;
  /** The error answer in this API's envelope, with `headers` (request id, plugin headers) added. */
  encodeError(err: GatewayError, headers: Record<string, string>): Response;
  /** A stream's body in this API's event format; `hooks.onEnd` is told once how it ended. */
  encodeStream(events: AsyncIterable<StreamEvent>, hooks: SseHooks, info: StreamInfo): ReadableStream<Uint8Array>;
  readonly streamHeaders: Readonly<Record<string, string>>;
}

export const openaiIngress: Ingress = {
  name: "openai",
  encodeError: errorResponse,
  encodeStream: sseBody,
  streamHeaders: SSE_HEADERS,
};
