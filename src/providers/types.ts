import type {
  ChatCompletion, ChatCompletionRequest, EmbeddingRequest, EmbeddingResponse,
} from "../core/openai-types.ts";
import type { StreamEvent } from "../core/stream-event.ts";
import type { GatewayError } from "../core/errors.ts";
import type { ProviderBlock, ProviderConfigSchema, StoredKey } from "../config/provider-block.ts";
import type { ParameterRules } from "./shared/parameters.ts";
import type { ToolCallIdFormat } from "./shared/tool-call-ids.ts";

export type { ProviderBlock, StoredKey };

/**
 * How one upstream call authenticates: a stored key from config, or the client's own headers. `K` is
 * the kind's own key fields (AWS keys for bedrock, OAuth for vertex); the engine sees only the shared ones.
 */
export type Auth<K = {}> =
  | { mode: "stored"; key: StoredKey<K>; keyIndex: number }
  | { mode: "passthrough"; headers: Record<string, string> };

export interface UpstreamRequest {
  url: string;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

/** Sends one upstream request; the engine supplies it with timeouts and abort wired in. */
export type Send = (request: UpstreamRequest) => Promise<Response>;

export interface CallContext<K = {}> {
  /** The model id as the provider knows it (the part after `provider/`). */
  model: string;
  auth: Auth<K>;
  send: Send;
  signal: AbortSignal;
  /** How much of the answer may be read; one per attempt. */
  reads: UpstreamReads;
}

/**
 * The bound on what an upstream answer may make the gateway hold, and the stamp a stream's idle
 * check reads. Every reader of an upstream body (providers/shared/http.ts, the SSE and event-stream
 * decoders) takes it.
 */
export interface UpstreamReads {
  /** The provider block answering (error messages name it). */
  readonly provider: string;
  /** `server.max_upstream_bytes`: a non-streamed body, an error body, one SSE event or one event-stream message, decompressed. */
  readonly maxBytes: number;
  /** performance.now() of the last read from a streamed body (keep-alive comments count). */
  lastReadAt: number;
  /** Where time spent waiting for the upstream is added (the request's own processing is the rest). */
  readonly waited: Waited;
}

/** Milliseconds a request spent waiting on upstreams (answers, first stream events, backoff): everything but its own processing. */
export interface Waited {
  ms: number;
}

/** What an LLM call answers: a whole JSON body, or a stream of events. */
export type LlmResult<B> =
  | {
      type: "json";
      body: B;
      /**
       * The upstream's own bytes when they already are `body` in OpenAI's shape, so the server need
       * not serialise it again. Whatever changes `body` must drop it.
       */
      raw?: string;
    }
  | { type: "stream"; events: AsyncIterable<StreamEvent> };

export type ChatResult = LlmResult<ChatCompletion>;

/**
 * One configured provider block. `K` is its kind's key fields; the engine holds adapters as
 * `ProviderAdapter` and passes each only keys its own factory parsed (config/snapshot.ts).
 */
export interface ProviderAdapter<K = {}> {
  /** The config block name (`openai-eu`); what `x-butter-provider` reports. */
  readonly name: string;
  readonly kind: string;
  readonly credentialMode: "stored" | "passthrough";
  readonly keys: readonly StoredKey<K>[];
  readonly supportsEmbeddings: boolean;
  /** Models listed when the provider has no listing endpoint or it fails. */
  readonly staticModels: readonly string[];
  /**
   * Why this provider cannot take `model` beyond the generic model-id rule (core/model-id.ts), or
   * undefined: e.g. no `/` where the id is one URL path segment. Checked before any upstream call.
   */
  modelProblem?(model: string): string | undefined;
  /**
   * The kind's parameter table (providers/shared/parameters.ts), compiled once. The engine fits every
   * chat request to it before the attempt; none: OpenAI's ranges.
   */
  readonly parameters?: ParameterRules;
  /** The tool-call ids the provider accepts; the engine rewrites others (providers/shared/tool-call-ids.ts). */
  readonly toolCallIds?: ToolCallIdFormat;
  chat(request: ChatCompletionRequest, ctx: CallContext<K>): Promise<ChatResult>;
  embeddings(request: EmbeddingRequest, ctx: CallContext<K>): Promise<EmbeddingResponse>;
  /**
   * The request's input tokens as the provider counts them; absent: the provider has no counting
   * endpoint and count_tokens answers a local estimate (providers/shared/token-estimate.ts).
   * `native`: the client's own Messages body, given to an adapter that has `messages`; counted
   * instead of `request`, which is then only its translation.
   */
  countTokens?(request: ChatCompletionRequest, ctx: CallContext<K>, native?: NativeMessagesCall): Promise<number>;
  listModels(ctx: CallContext<K>): Promise<string[]>;
  /**
   * Native Messages: the target speaks Anthropic's Messages API, so /v1/messages sends it the
   * client's own body (only `model` replaced) and relays its answer untranslated. Absent: the
   * request is translated and served by `chat`.
   */
  messages?(call: NativeMessagesCall, ctx: CallContext<K>): Promise<NativeMessagesResult>;
  /**
   * Whether `messages` serves this model (Claude on Vertex or Bedrock, not Gemini or Nova); false:
   * the request is translated for it as for an adapter without `messages`. Absent: every model.
   */
  messagesNative?(model: string): boolean;
  /**
   * Native Responses: the target speaks OpenAI's Responses API, so /v1/responses sends it the
   * client's body (only `model` replaced, earlier turns already in `input`) and relays its answer
   * untranslated. Absent: the request is translated and served by `chat`.
   */
  responses?(call: NativeResponsesCall, ctx: CallContext<K>): Promise<NativeResponsesResult>;
}

/** A /v1/responses request for a native target: the body to send, apart from `model`. */
export interface NativeResponsesCall {
  body: Record<string, unknown>;
}

/**
 * A native answer: the JSON text as the upstream sent it, the Response object it holds (what the
 * store keeps) and `body` summarising it (usage, finish); or stream events each carrying the
 * upstream event's SSE text (StreamEvent `sse`).
 */
export type NativeResponsesResult =
  | { type: "json"; body: ChatCompletion; text: string; response: Record<string, unknown> }
  | { type: "stream"; events: AsyncIterable<StreamEvent> };

/** A /v1/messages request as the client sent it. */
export interface NativeMessagesCall {
  /**
   * The client's JSON body; the adapter replaces `model` and adds only what its platform's wire
   * format requires (Vertex's and Bedrock's `anthropic_version`, Bedrock's `anthropic_beta`).
   */
  body: Record<string, unknown>;
  /** `anthropic-version` and `anthropic-beta` from the client, when it sent them. */
  headers: Record<string, string>;
}

/**
 * A native answer: the JSON text as the upstream sent it with `body` summarising it (usage, finish),
 * or stream events each carrying the upstream event's SSE text (StreamEvent `sse`).
 */
export type NativeMessagesResult =
  | { type: "json"; body: ChatCompletion; text: string }
  | { type: "stream"; events: AsyncIterable<StreamEvent> };

/**
 * A provider kind: its config fields (`S` for the block, `K` for keys, declared as valibot schemas and
 * checked once when a snapshot is built) and how to make an adapter from a block they parsed.
 */
export interface ProviderFactory<S = {}, K = {}> extends ProviderConfigSchema<S, K> {
  /** Whether a key is usable at all (a key whose credentials are empty is skipped, per the config contract). */
  keyUsable(key: StoredKey<K>): boolean;
  create(name: string, block: ProviderBlock<S, K>): ProviderAdapter<K>;
}

export type ErrorMapper = (status: number, bodyText: string, headers: Headers) => GatewayError;
