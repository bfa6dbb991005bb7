import { COUNT_TOKENS, type MessagesRequest, type TokenCount } from "../../engine/operations.ts";
import { anthropicIngress } from "../ingress/anthropic/index.ts";
import type { Operation } from "../operation.ts";
import { parseMessages } from "./messages.ts";

/** What a count does not depend on: sampling, stop, stream and output settings. */
const NOT_COUNTED = ["max_tokens", "stream", "stream_options", "temperature", "top_p", "top_k", "stop", "user"] as const;

/**
 * `POST /v1/messages/count_tokens`: a Messages request (read as /v1/messages reads it, except that
 * max_tokens is optional) routed like any operation. A target that speaks Messages natively counts
 * the client's own body; another target's provider counts the translation when it can, else a local
 * tokenizer estimates it. Answers `{"input_tokens": N}`; errors in Anthropic's envelope.
 */
export const countTokens: Operation<MessagesRequest, TokenCount> = {
  ingress: anthropicIngress,
  engine: COUNT_TOKENS,
  parse: (body, headers) => {
    const request = parseMessages(body, headers, { maxTokens: "optional" });
    for (const field of NOT_COUNTED) delete request[field];
    return request;
  },
  encodeJson: (body) => JSON.stringify({ input_tokens: body.input_tokens }),
};
