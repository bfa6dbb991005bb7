import type { Server } from "bun";
import type { CacheStep } from "../cache/types.ts";
import type { AttemptObserver, RequestContext } from "../engine/engine.ts";
import type { AnswerEncoder, RequestPipeline } from "../plugins/pipeline.ts";
import type { RequestRecorder } from "../observability/recorder.ts";
import type { Generation } from "../runtime/generation.ts";
import type { Waited } from "../providers/types.ts";
import type { Ingress } from "./ingress.ts";
import { releaseConnection } from "./keep-alive.ts";

export type { Generation };

/** Per request: the id every response carries, and an abort signal that fires when the client leaves. */
export interface Exchange {
  /** The config generation this request uses from arrival to its last byte (read once, on arrival). */
  gen: Generation;
  req: Request;
  requestId: string;
  /** Response headers every answer to this request carries. */
  headers: Record<string, string>;
  /** Bun aborts the request's own signal when the client disconnects, also mid-stream. */
  signal: AbortSignal;
  /** The client API the request speaks, which encodes its errors; OpenAI's until an operation says otherwise. */
  ingress: Ingress;
  /** The operation serving the request, set by its handler: a plugin's own answer to it is encoded as its answers are. */
  operation?: AnswerEncoder;
  /** Fills this request's telemetry record; present on /v1/* when anybody observes requests. */
  recorder: RequestRecorder | undefined;
  /** This request's trip through the plugin chain and telemetry; only on /v1/* with plugins enabled. */
  pipeline?: RequestPipeline;
  /** The listener and the request as Bun delivered it (hooks may replace `req`); no server in the in-process benches. */
  server: Server<undefined> | undefined;
  incoming: Request;
  /** The path the client asked for (query aside), as routed. */
  path: string;
  /** The answer is a stream: the connection is released when it ends (keep-alive.ts), not when it starts. */
  streaming: boolean;
  /** Bun matched the raw request target to a route (see server.ts `dispatch`). */
  routed: boolean;
  /** The body has been read to its end (or there was none); an answer sent before that closes the connection. */
  bodyRead: boolean;
  /** The body's size in bytes once read: what a cancelled stream's input is estimated from. */
  bodyBytes?: number;
  /** The app key's scope (its id) when one authenticated the request: cached answers are never shared across scopes. */
  appKeyScope?: string;
  /** The response cache's word on this request (a hit to answer, or a key to store the answer under); only with a cache configured. */
  cache?: CacheStep;
  /** performance.now() on arrival. */
  arrivedAt: number;
  /** Time this request waited on upstreams (set once its engine call begins): own processing is the rest. */
  waited?: Waited;
}

/**
 * The answer is complete (a JSON body handed to Bun, or a stream's last byte): the connection's idle
 * timer runs again and the generation may close once its last exchange has ended.
 */
export function endExchange(ex: Exchange): void {
  releaseConnection(ex, ex.gen.config.server.idle_timeout);
  ex.gen.leave();
}

const PASSTHROUGH = ["authorization", "x-api-key", "api-key", "x-goog-api-key"] as const;

/** Headers of a proxied answer: the exchange's own (request id, plugin headers) plus who answered, in how many attempts. */
export function proxiedHeaders(ex: Exchange, outcome: { provider: string; attempts: number }, contentType: string): Record<string, string> {
  const headers: Record<string, string> = {
    "content-type": contentType,
    "x-butter-provider": outcome.provider,
    "x-butter-attempts": String(outcome.attempts),
  };
  for (const name in ex.headers) headers[name] = ex.headers[name]!;
  if (ex.gen.config.server.server_timing) headers["server-timing"] = serverTiming(ex);
  return headers;
}

/**
 * W3C Server-Timing: the gateway's own processing so far (arrival to now, less the upstream waits)
 * and the upstream waits, in ms. Browsers' dev tools show it; the bench reads it.
 */
function serverTiming(ex: Exchange): string {
  const waited = ex.waited?.ms ?? 0;
  const own = performance.now() - ex.arrivedAt - waited;
  return `gateway;dur=${own.toFixed(3)}, upstream;dur=${waited.toFixed(3)}`;
}

/** The engine's view of the client call; the passthrough headers are read only if a passthrough provider asks. */
export function requestContext(ex: Exchange): RequestContext {
  return new ExchangeContext(ex);
}

// A class rather than an object literal with a getter: a literal's getter is a new function (and
// accessor) on every request.
class ExchangeContext implements RequestContext {
  readonly requestId: string;
  readonly signal: AbortSignal;
  readonly waited: Waited;
  attempts: AttemptObserver | undefined = undefined;
  private headers: Record<string, string> | undefined = undefined;

  constructor(private readonly ex: Exchange) {
    this.requestId = ex.requestId;
    this.signal = ex.signal;
    this.waited = ex.waited = { ms: 0 };
  }

  get passthroughHeaders(): Record<string, string> {
    return (this.headers ??= passthroughHeaders(this.ex.req.headers));
  }
}

/**
 * The client's provider auth headers, forwarded only to `credential_mode: passthrough` providers.
 * An app key (`btr_...`) is the gateway's, never a provider's: it is not passed on, whichever header carries it.
 */
export function passthroughHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PASSTHROUGH) {
    const value = headers.get(name);
    if (value !== null && !isAppKeyValue(value)) out[name] = value;
  }
  return out;
}

function isAppKeyValue(value: string): boolean {
  const v = value.trimStart();
  return v.startsWith("btr_") || /^bearer\s+btr_/i.test(v);
}

const CLIENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFrom(headers: Headers, generate: () => string): string {
  const given = headers.get("x-request-id");
  return given !== null && CLIENT_ID.test(given) ? given : generate();
}
