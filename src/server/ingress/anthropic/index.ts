// Anthropic's Messages API as a client API: its error envelope, stream events and stream headers.
import type { Ingress } from "../../ingress.ts";
import { SSE_HEADERS, sseStream } from "../../sse.ts";
import { anthropicErrorResponse } from "./errors.ts";
import { AnthropicStreamEncoder } from "./stream.ts";

export const anthropicIngress: Ingress = {
  name: "anthropic",
  encodeError: anthropicErrorResponse,
  encodeStream: (events, hooks, info) => sseStream(events, hooks, new AnthropicStreamEncoder(info.model, info.requestId)),
  streamHeaders: SSE_HEADERS,
};

export { parseMessagesRequest } from "./request.ts";
export { toAnthropicMessage } from "./response.ts";
