import type { ChatCompletionChunk } from "./openai-types.ts";
import type { GatewayError } from "./errors.ts";

// What adapters yield while streaming. server/sse.ts is the only place these become bytes.
export type StreamEvent =
  /**
   * `raw`: the upstream's own JSON text of `chunk` when it is exactly that chunk in OpenAI's shape,
   * so the SSE writer can send it as it came. Whatever changes the chunk must drop it.
   *
   * `sse`: a natively relayed event (an Anthropic Messages stream passed through to /v1/messages):
   * the upstream event's own SSE text, which the Anthropic ingress writes as it is; `chunk` then only
   * summarises it (usage so far, the finish) for telemetry.
   */
  | { type: "chunk"; chunk: ChatCompletionChunk; raw?: string; sse?: string }
  | { type: "error"; error: GatewayError };
