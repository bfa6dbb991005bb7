// The LLM operations the engine serves, as data: which targets can serve one (capability) and how
// one attempt calls the adapter. A new operation (Messages, Responses) is a new descriptor here
// and at the ingress, not a new method on every layer.
import type { ChatCompletion, ChatCompletionRequest, EmbeddingRequest, EmbeddingResponse } from "../core/openai-types.ts";
import type { GatewayError } from "../core/errors.ts";
import type { LlmResult, NativeMessagesCall, NativeResponsesCall, ProviderAdapter } from "../providers/types.ts";
import { fitChatRequest } from "../providers/shared/fit-request.ts";
import { estimateInputTokens } from "../providers/shared/token-estimate.ts";
import type { Attempt } from "./attempt.ts";
import { peekStream, type StreamOwner } from "./stream-peek.ts";

export type OperationName = "chat" | "embeddings" | "count_tokens";

/** Which targets can serve an operation at all (embeddings need a provider that has them). */
export interface Capability {
  name: string;
  test(adapter: ProviderAdapter): boolean;
}

export interface EngineOperation<Req extends { model: string }, B> {
  readonly name: OperationName;
  /** Undefined: every target can serve it. */
  readonly capability?: Capability;
  /**
   * One attempt. A stream must come back peeked (its first event read within the attempt), so a
   * stream that fails before it is retried like any other attempt.
   */
  call(adapter: ProviderAdapter, request: Req, attempt: Attempt, owner: StreamOwner): Promise<LlmResult<B>>;
}

export const CHAT: EngineOperation<ChatCompletionRequest, ChatCompletion> = {
  name: "chat",
  async call(adapter, request, attempt, owner) {
    // Parameter ranges and exclusions, tool-call ids, per the target's declarations: the one place they are applied.
    const fitted = fitChatRequest(adapter, request, attempt.model);
    const result = await adapter.chat(fitted, attempt);
    if (result.type !== "stream") return result;
    return { type: "stream", events: await peekStream(result.events, attempt, owner) };
  },
};

/**
 * What /v1/messages keeps beside its translated request: the client's own body and Anthropic
 * headers for targets that speak Messages natively, and, when the body could not be translated, the
 * 400 that a translating attempt answers.
 */
export interface NativeSide {
  call: NativeMessagesCall;
  untranslatable?: GatewayError;
}

/** The key a Messages request's NativeSide is kept under (a symbol: never serialised with the request). */
export const NATIVE: unique symbol = Symbol("native messages");

export type MessagesRequest = ChatCompletionRequest & { [NATIVE]?: NativeSide };

/** A native JSON answer's own text, by the summary body it came with. */
export const nativeText = new WeakMap<object, string>();

/**
 * `/v1/messages`: per attempt, a target whose adapter speaks Messages natively (for its model) gets the client's
 * body (only `model` replaced) and its answer is relayed untranslated; any other target is served
 * as CHAT with the translated request. A native stream is peeked like any other.
 */
export const MESSAGES: EngineOperation<MessagesRequest, ChatCompletion> = {
  name: "chat",
  async call(adapter, request, attempt, owner) {
    const native = request[NATIVE];
    if (native !== undefined && adapter.messages !== undefined && adapter.messagesNative?.(attempt.model) !== false) {
      const result = await adapter.messages(native.call, attempt);
      if (result.type === "json") {
        nativeText.set(result.body, result.text);
        return { type: "json", body: result.body };
      }
      return { type: "stream", events: await peekStream(result.events, attempt, owner) };
    }
    if (native?.untranslatable !== undefined) throw native.untranslatable;
    return CHAT.call(adapter, request, attempt, owner);
  },
};

/**
 * What /v1/responses keeps beside its translated request: the body a native target gets (earlier
 * turns already expanded into `input`), and, when the body could not be translated (built-in
 * tools...), the 400 that a translating attempt answers.
 */
export interface ResponsesSide {
  native: NativeResponsesCall;
  untranslatable?: GatewayError;
  /** Whether the last attempt (the one that answered) was translated; set per attempt. */
  translated?: boolean;
}

/** The key a Responses request's side is kept under (a symbol: never serialised with the request). */
export const RESPONSES_SIDE: unique symbol = Symbol("responses");

export type ResponsesRequest = ChatCompletionRequest & { [RESPONSES_SIDE]?: ResponsesSide };

/** A native Responses JSON answer's own text and Response object, by the summary body it came with. */
export const nativeResponse = new WeakMap<object, { text: string; response: Record<string, unknown> }>();

/**
 * `/v1/responses`: per attempt, a target whose adapter speaks Responses natively gets the client's
 * body (only `model` replaced) and its answer is relayed untranslated; any other target is served
 * as CHAT with the translated request. Telemetry names it `chat`, as GenAI semantic conventions do.
 */
export const RESPONSES: EngineOperation<ResponsesRequest, ChatCompletion> = {
  name: "chat",
  async call(adapter, request, attempt, owner) {
    const side = request[RESPONSES_SIDE];
    if (side !== undefined && adapter.responses !== undefined) {
      side.translated = false;
      const result = await adapter.responses(side.native, attempt);
      if (result.type === "json") {
        nativeResponse.set(result.body, { text: result.text, response: result.response });
        return { type: "json", body: result.body };
      }
      return { type: "stream", events: await peekStream(result.events, attempt, owner) };
    }
    if (side?.untranslatable !== undefined) throw side.untranslatable;
    if (side !== undefined) side.translated = true;
    return CHAT.call(adapter, request, attempt, owner);
  },
};

export const EMBEDDINGS: EngineOperation<EmbeddingRequest, EmbeddingResponse> = {
  name: "embeddings",
  capability: { name: "embeddings", test: (a) => a.supportsEmbeddings },
  async call(adapter, request, attempt) {
    return { type: "json", body: await adapter.embeddings(request, attempt) };
  },
};

/** What count_tokens answers, in Anthropic's shape. */
export interface TokenCount {
  input_tokens: number;
}

/**
 * Input tokens of a Messages request (sampling fields already dropped from its translation). A
 * target that speaks Messages natively and can count gets the client's own body, so what the
 * translation cannot express (server tools, citations, documents, cache_control) is counted too.
 * Another target whose adapter can count asks its provider with the translation; any other answers
 * a local tokenizer's estimate without an upstream call. A body that cannot be translated is
 * counted only natively; elsewhere it is the translation's 400, never an estimate that leaves part
 * of it out.
 */
export const COUNT_TOKENS: EngineOperation<MessagesRequest, TokenCount> = {
  name: "count_tokens",
  async call(adapter, request, attempt) {
    const native = request[NATIVE];
    if (native !== undefined && adapter.countTokens !== undefined && adapter.messages !== undefined && adapter.messagesNative?.(attempt.model) !== false) {
      return { type: "json", body: { input_tokens: await adapter.countTokens(request, attempt, native.call) } };
    }
    if (native?.untranslatable !== undefined) throw native.untranslatable;
    if (adapter.countTokens === undefined) return { type: "json", body: { input_tokens: await estimateInputTokens(request) } };
    const fitted = fitChatRequest(adapter, request, attempt.model);
    return { type: "json", body: { input_tokens: await adapter.countTokens(fitted, attempt) } };
  },
};
