import type { ChatCompletionRequest } from "../../core/openai-types.ts";
import { COUNT_TOKENS, type TokenCount } from "../../engine/operations.ts";
import { anthropicIngress, parseMessagesRequest } from "../ingress/anthropic/index.ts";
import type { Operation } from "../operation.ts";
import { validateChat } from "../validate.ts";

/** What a count does not depend on: sampling, stop, stream and output settings. */
const NOT_COUNTED = ["max_tokens", "stream", "stream_options", "temperature", "top_p", "top_k", "stop", "user"] as const;

/**
 * `POST /v1/messages/count_tokens`: a Messages request (checked as /v1/messages checks it, except
 * that max_tokens is optional) routed like any operation; the target's provider counts when it can,
 * else a local tokenizer estimates. Answers `{"input_tokens": N}`; errors in Anthropic's envelope.
 */
export const countTokens: Operation<ChatCompletionRequest, TokenCount> = {
  ingress: anthropicIngress,
  engine: COUNT_TOKENS,
  parse: (body) => {
    const request = validateChat(parseMessagesRequest(body, { maxTokens: "optional" }) as unknown as Record<string, unknown>);
    for (const field of NOT_COUNTED) delete request[field];
    return request;
  },
  encodeJson: (body) => JSON.stringify({ input_tokens: body.input_tokens }),
};
