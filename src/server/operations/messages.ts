import type { ChatCompletion, ChatCompletionRequest } from "../../core/openai-types.ts";
import { CHAT } from "../../engine/operations.ts";
import { shapeStream } from "../../engine/stream-shaper.ts";
import { anthropicIngress, parseMessagesRequest, toAnthropicMessage } from "../ingress/anthropic/index.ts";
import type { Operation } from "../operation.ts";
import { validateChat } from "../validate.ts";

/**
 * `POST /v1/messages`: Anthropic's Messages API, translated to the internal chat request and served
 * by the same engine CHAT operation (routing, failover, plugins, telemetry), answered in Anthropic's
 * message shape and stream events.
 */
export const messages: Operation<ChatCompletionRequest, ChatCompletion> = {
  ingress: anthropicIngress,
  engine: CHAT,
  // The translated request goes through the chat check too: translators downstream rely on its guarantees.
  parse: (body) => validateChat(parseMessagesRequest(body) as unknown as Record<string, unknown>),
  // Usage always travels to the encoder, which puts it in message_delta.
  shapeStream: (events, _request, stats) => shapeStream(events, true, stats),
  encodeJson: (body, request) => JSON.stringify(toAnthropicMessage(body, request.model)),
};
