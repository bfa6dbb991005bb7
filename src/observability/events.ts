// What the telemetry bus carries: plain records the server and engine fill as a request goes.
// Subscribers (logging, metrics, tracing) read them; only tracing writes, into `trace` slots.
import type { Channel } from "./bus.ts";

/** One `/v1/*` request, from arrival to the last byte (stream end for streams). */
export interface RequestRecord {
  readonly requestId: string;
  readonly method: string;
  /** URL path, e.g. `/v1/chat/completions`. */
  readonly path: string;
  /** The socket's address (or the trusted proxy's X-Forwarded-For client); undefined when unknown. */
  clientIp: string | undefined;
  /** The client's W3C `traceparent` header, when it sent one. */
  readonly traceparent: string | undefined;
  /** performance.now() at arrival. */
  readonly startedAt: number;
  /** `chat` | `embeddings` once the body was read; undefined for other paths. */
  operation: "chat" | "embeddings" | "count_tokens" | undefined;
  /** The model the client asked for (a route name or `provider/model`). */
  requestedModel: string | undefined;
  /** The route name when `requestedModel` named a configured route. */
  route: string | undefined;
  /** The provider block that answered, and the model as that provider knows it. */
  provider: string | undefined;
  model: string | undefined;
  attempts: number;
  stream: boolean;
  status: number;
  /** Catalog error kind (`upstream_timeout`, `rate_limited`, ...), when the request failed. */
  errorKind: string | undefined;
  /** The plugin that answered the request itself (short-circuit), if any. */
  answeredBy: string | undefined;
  promptTokens: number | undefined;
  completionTokens: number | undefined;
  /** What the answer cost, picodollars (USD 1e-12); 0 on a cache hit; undefined when no usage was reported. */
  costPico?: bigint;
  /** True when the cost is an estimate (a stream cancelled before the provider reported usage). */
  costEstimated?: boolean;
  /** True when the answer had usage but its model no known price (its cost is then 0). */
  costUnpriced?: boolean;
  /** On a cache hit: what the cached answer cost when it was first made, picodollars (what the hit saved). */
  savedPico?: bigint;
  /** `hit` | `miss` when a cache is configured (as `x-butter-cache` says). On a hit the tokens are the cached answer's: saved, not used. */
  cache: string | undefined;
  /** The id of the app key the request presented (never the key). */
  appKeyId?: string;
  finishReason: string | undefined;
  /** Stream chunks sent to the client. */
  chunks: number | undefined;
  /** performance.now() when the LLM call began and when its answer (or stream) ended. */
  llmStartedAt: number | undefined;
  llmEndedAt: number | undefined;
  /** performance.now() at the end; latency_ms = endedAt - startedAt. */
  endedAt: number;
  /** The gateway's own processing, ms: arrival to the response handed to the server (a stream's start), less the time spent waiting on upstreams. */
  ownMs?: number;
  /** Only filled when a subscriber asked for bodies (`log_bodies: true`). */
  requestBody: unknown;
  responseBody: unknown;
  /** Tracing's per-request state (the server span); opaque to everything else. */
  trace: unknown;
}

/** One upstream attempt of a request. */
export interface AttemptRecord {
  readonly request: RequestRecord;
  readonly provider: string;
  readonly model: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly startedAt: number;
  endedAt: number;
  /** 200 on success, else the error's status. */
  status: number;
  errorKind: string | undefined;
  /** Headers to send upstream with this attempt; tracing puts `traceparent` here. */
  readonly headers: Record<string, string>;
  trace: unknown;
}

export interface PluginFailureEvent {
  readonly request: RequestRecord | undefined;
  readonly plugin: string;
  readonly hook: string;
  /** `error` (threw) or `timeout` (exceeded its budget). */
  readonly reason: "error" | "timeout";
}

/** The channels of one compiled plugin set. */
export interface Telemetry {
  readonly requestStart: Channel<RequestRecord>;
  readonly requestEnd: Channel<RequestRecord>;
  readonly attemptStart: Channel<AttemptRecord>;
  readonly attemptEnd: Channel<AttemptRecord>;
  readonly pluginFailure: Channel<PluginFailureEvent>;
  /** Set by subscribers that need `requestBody`/`responseBody` captured. */
  captureBodies: boolean;
}
