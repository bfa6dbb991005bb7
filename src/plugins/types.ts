// The plugin contract. Every payload is plain JSON-serialisable data and every answer is plain data
// too, so a sandboxed WASM plugin (a later issue, Extism) implements exactly the same hooks by
// reading JSON in and writing JSON out. Built-ins are just plugins that happen to be TypeScript.
import type {
  ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, EmbeddingRequest, EmbeddingResponse,
} from "../core/openai-types.ts";
import type { Telemetry } from "../observability/events.ts";

/** The API the client speaks, from its path; WASM plugins read it to tell requests apart. */
export type ClientApi = "chat_completions" | "messages" | "responses" | "embeddings";

/** Before the body is read: method, path, headers (lower-cased names). */
export interface HttpRequestPayload {
  request_id: string;
  api?: ClientApi;
  method: string;
  path: string;
  headers: Record<string, string>;
  /** The socket's address; undefined when Bun cannot tell. */
  client_ip: string | undefined;
}

export type LlmOperation = "chat" | "embeddings" | "count_tokens";

/** After the body was parsed and validated, before routing. */
export interface LlmRequestPayload {
  request_id: string;
  api?: ClientApi;
  operation: LlmOperation;
  client_ip: string | undefined;
  body: ChatCompletionRequest | EmbeddingRequest;
}

/** What the engine answered (or the error it ended with). */
export interface LlmResponsePayload {
  request_id: string;
  api?: ClientApi;
  operation: LlmOperation;
  provider: string | undefined;
  model: string | undefined;
  attempts: number;
  stream: boolean;
  /** The JSON answer; absent for streams (see onStreamChunk) and errors. */
  body?: ChatCompletion | EmbeddingResponse;
  error?: ErrorInfo;
}

export interface ErrorInfo {
  status: number;
  kind: string;
  message: string;
  type: string;
  code: string | null;
}

/** The response about to be sent: status and headers (bodies are seen by postLlm). */
export interface HttpResponsePayload {
  request_id: string;
  api?: ClientApi;
  status: number;
  headers: Record<string, string>;
}

export interface StreamChunkPayload {
  request_id: string;
  api?: ClientApi;
  /** Ordinal of this chunk in the upstream stream, from 0. */
  index: number;
  chunk: ChatCompletionChunk;
}

/**
 * A plugin's own answer: status, headers and a JSON body, or an `error` that the gateway writes in
 * the envelope of the API the client speaks (OpenAI's, Anthropic's...), so its SDK raises its typed error.
 */
export interface PluginResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  error?: { message: string; type?: string; code?: string | null };
  /** Error kind for telemetry (`rate_limited`); defaults to `plugin_response` for statuses ≥ 400. */
  kind?: string;
}

/** What a hook returns. Nothing (undefined, or `{}`) means continue unchanged. */
export interface HookResult<P> {
  /** The payload to continue with: a rewritten request body, response body, chunk, status/headers. */
  modify?: P;
  /** Answer the request now (pre hooks and postLlm); the rest of the pre chain and the LLM call are skipped. */
  respond?: PluginResponse;
  /** Headers to add to the response the client eventually receives (e.g. rate-limit counters). */
  headers?: Record<string, string>;
  /** onStreamChunk only: leave this chunk out. */
  drop?: boolean;
}

export type HookReturn<P> = HookResult<P> | undefined | void;
export type Hook<P> = (payload: P) => HookReturn<P> | Promise<HookReturn<P>>;

export interface Hooks {
  preHttp?: Hook<HttpRequestPayload>;
  preLlm?: Hook<LlmRequestPayload>;
  postLlm?: Hook<LlmResponsePayload>;
  postHttp?: Hook<HttpResponsePayload>;
  onStreamChunk?: Hook<StreamChunkPayload>;
}

export const HOOK_NAMES = ["preHttp", "preLlm", "postLlm", "postHttp", "onStreamChunk"] as const;
export type HookName = (typeof HOOK_NAMES)[number];

export interface Plugin extends Hooks {
  readonly name: string;
  /**
   * Whether this plugin reads the client's address (`client_ip`). Asking Bun for it costs several
   * µs per request, so it is looked up only when some enabled plugin says so.
   */
  readonly usesClientIp?: boolean;
  /** Prometheus text for `GET /metrics` (the metrics plugin). */
  scrape?(): Promise<string>;
  /** Flush and release (exporters, timers, connections) when the config goes away or on shutdown. */
  close?(): Promise<void>;
  /**
   * What must outlive a config reload (metric counters, rate-limit buckets): handed to the factory
   * of the same plugin in the next generation as `env.inherited`.
   */
  readonly carry?: unknown;
}

/** What a factory gets besides its own `config`. */
export interface PluginEnv {
  /** Where this plugin sits in the config, e.g. `plugins[0]`, for error messages. */
  path: string;
  telemetry: Telemetry;
  /** `redis.url` from the config. */
  redisUrl: string;
  /** The `carry` of this plugin's instance in the generation being replaced, on a reload. */
  inherited?: unknown;
}

export interface PluginFactory {
  readonly name: string;
  /** Validates `config` and builds the plugin; throws PluginConfigError naming the failing path. */
  create(config: Record<string, unknown>, env: PluginEnv): Plugin | Promise<Plugin>;
}
