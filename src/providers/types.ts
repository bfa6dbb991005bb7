import type {
  ChatCompletion, ChatCompletionRequest, EmbeddingRequest, EmbeddingResponse,
} from "../core/openai-types.ts";
import type { StreamEvent } from "../core/stream-event.ts";
import type { GatewayError } from "../core/errors.ts";
import type { ProviderConfig, KeyConfig } from "../config/schema.ts";

/** How one upstream call authenticates: a stored key from config, or the client's own headers. */
export type Auth =
  | { mode: "stored"; key: KeyConfig; keyIndex: number }
  | { mode: "passthrough"; headers: Record<string, string> };

export interface UpstreamRequest {
  url: string;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

/** Sends one upstream request; the engine supplies it with timeouts and abort wired in. */
export type Send = (request: UpstreamRequest) => Promise<Response>;

export interface CallContext {
  /** The model id as the provider knows it (the part after `provider/`). */
  model: string;
  auth: Auth;
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
}

export type ChatResult =
  | {
      type: "json";
      body: ChatCompletion;
      /**
       * The upstream's own bytes when they already are `body` in OpenAI's shape, so the server need
       * not serialise it again. Whatever changes `body` must drop it.
       */
      raw?: string;
    }
  | { type: "stream"; events: AsyncIterable<StreamEvent> };

export interface ProviderAdapter {
  /** The config block name (`openai-eu`); what `x-butter-provider` reports. */
  readonly name: string;
  readonly kind: string;
  readonly credentialMode: "stored" | "passthrough";
  readonly keys: readonly KeyConfig[];
  readonly supportsEmbeddings: boolean;
  /** Models listed when the provider has no listing endpoint or it fails. */
  readonly staticModels: readonly string[];
  /**
   * Why this provider cannot take `model` beyond the generic model-id rule (core/model-id.ts), or
   * undefined: e.g. no `/` where the id is one URL path segment. Checked before any upstream call.
   */
  modelProblem?(model: string): string | undefined;
  chat(request: ChatCompletionRequest, ctx: CallContext): Promise<ChatResult>;
  embeddings(request: EmbeddingRequest, ctx: CallContext): Promise<EmbeddingResponse>;
  listModels(ctx: CallContext): Promise<string[]>;
}

/** Whether a key is usable at all (a key with an empty value is skipped, per the config contract). */
export type KeyUsable = (key: KeyConfig) => boolean;

export interface ProviderFactory {
  readonly kind: string;
  readonly keyUsable: KeyUsable;
  /** Returns the problem with this block's settings, or undefined. */
  validate?(name: string, config: ProviderConfig): string | undefined;
  create(name: string, config: ProviderConfig): ProviderAdapter;
}

export type ErrorMapper = (status: number, bodyText: string, headers: Headers) => GatewayError;
