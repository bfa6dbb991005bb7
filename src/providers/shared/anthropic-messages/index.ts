// The OpenAI ⇄ Anthropic Messages translation, shared by the anthropic provider and Anthropic on
// Vertex (rawPredict / streamRawPredict). Pure functions: no URLs, headers or config here.
export { toAnthropicRequest, DEFAULT_MAX_TOKENS, JSON_TOOL_NAME, type AnthropicCall, type AnthropicRequestOptions } from "./request.ts";
export { fromAnthropicResponse, completionId, type AnthropicResponseOptions } from "./response.ts";
export { anthropicStream, AnthropicStreamMapper, type AnthropicStreamOptions } from "./stream.ts";
export { anthropicError, anthropicStreamError } from "./errors.ts";
export { fromAnthropicModels } from "./models.ts";
export { toOpenAIUsage, finishReason } from "./usage.ts";
export type * from "./wire-types.ts";
