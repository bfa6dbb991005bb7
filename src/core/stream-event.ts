import type { ChatCompletionChunk } from "./openai-types.ts";
import type { GatewayError } from "./errors.ts";

// What adapters yield while streaming. server/sse.ts is the only place these become bytes.
export type StreamEvent =
  | { type: "chunk"; chunk: ChatCompletionChunk }
  | { type: "error"; error: GatewayError };
