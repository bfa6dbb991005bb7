import { errors, GatewayError } from "../core/errors.ts";
import type { Send, UpstreamRequest, Waited } from "../providers/types.ts";
import { coarseTimeout } from "./coarse-timers.ts";
import { decodeContent } from "./content-decoding.ts";
import { http1 } from "./http1-client.ts";
import { Http1ProtocolError } from "./http1-errors.ts";

/** `server.upstream_client`: our HTTP/1.1 client (http1-client.ts), or Bun's fetch. */
export type UpstreamClient = "fetch" | "http1";

// Unset in config, the client is this one: http1, measured faster at c=1, at c=64 and under 1,000
// streams at once (README "Upstream client"). BUTTER_UPSTREAM_CLIENT=fetch lets the test suite and
// the bench run everything through fetch without editing every config they build.
export const DEFAULT_CLIENT: UpstreamClient = process.env.BUTTER_UPSTREAM_CLIENT === "fetch" ? "fetch" : "http1";

export interface SendOptions {
  provider: string;
  /** `server.upstream_client`; unset, the default (http1, or BUTTER_UPSTREAM_CLIENT). */
  client?: UpstreamClient;
  /** Aborted when the client goes away (a GatewayError reason is what the attempt throws). */
  signal: AbortSignal;
  /**
   * Until response headers arrive. The engine leaves it out: it bounds the whole attempt itself
   * (a JSON body until complete, a stream until its first event) through `handle`.
   */
  timeoutMs?: number;
  /** Added to the adapter's headers (telemetry: W3C `traceparent`); undefined in the common case. */
  headers?: Record<string, string>;
  /** Gets the attempt's controller, so the caller can abort the call in flight (timeouts, deadline, idle stream). */
  handle?: AttemptHandle;
  /** Gets the time until the response headers arrived (the request's upstream wait). */
  waited?: Waited;
}

/** The upstream call in flight, for a caller that must be able to abort it from outside. */
export interface AttemptHandle {
  controller?: AbortController;
  /** Set by the engine when the request's deadline passed. */
  expired?: GatewayError;
  /** Set by the engine when the current attempt's own timeout passed. */
  timedOut?: GatewayError;
  /** The headers of the last request sent: the credentials actually used (derived tokens too), for redaction. */
  sent?: Record<string, string>;
}

/**
 * One upstream call over the chosen client, keep-alive, never following a redirect (the request carries a key,
 * and the Location is the upstream's choice), and network failures mapped to catalog errors. A 3xx
 * (or a status outside HTTP's range) is a bad upstream response.
 */
export function makeSend(options: SendOptions): Send {
  const call = (options.client ?? DEFAULT_CLIENT) === "http1" ? http1.fetch : fetch;
  return async (request: UpstreamRequest) => {
    const handle = options.handle;
    if (handle !== undefined) {
      // The attempt ran out of time between two calls of one operation (a paged listing).
      const stop = handle.timedOut ?? handle.expired;
      if (stop !== undefined) throw stop;
    }
    const controller = new AbortController();
    if (handle !== undefined) handle.controller = controller;
    if (options.signal.aborted) throw abortError(options.signal);
    followAbort(options.signal, controller);
    const headers = options.headers === undefined ? request.headers : { ...request.headers, ...options.headers };
    if (handle !== undefined) handle.sent = headers;
    let timedOut = false;
    const start = performance.now();
    const timer = options.timeoutMs === undefined ? undefined : coarseTimeout(options.timeoutMs, () => {
      timedOut = true;
      controller.abort();
    });
    try {
      const response = await call(request.url, {
        method: request.method,
        headers,
        body: request.body,
        signal: controller.signal,
        redirect: "manual",
        // No Accept-Encoding goes out; a body compressed anyway is decoded by content-decoding.ts.
        decompress: false,
      } as RequestInit);
      const status = response.status;
      if ((status >= 300 && status < 400) || status > 599) {
        void response.body?.cancel().catch(() => {});
        throw status < 400 ? errors.upstreamRedirect(options.provider, status) : errors.upstreamBadResponse(options.provider, `HTTP status ${status}`);
      }
      return response.headers.get("content-encoding") === null ? response : decodeContent(response, options.provider);
    } catch (err) {
      if (err instanceof GatewayError) throw err;
      if (timedOut) throw errors.upstreamTimeout(options.provider, options.timeoutMs!);
      if (options.signal.aborted) throw abortError(options.signal);
      if (err instanceof Http1ProtocolError) throw errors.upstreamBadResponse(options.provider, err.message);
      throw errors.upstreamUnreachable(options.provider, err);
    } finally {
      timer?.cancel();
      if (options.waited !== undefined) options.waited.ms += performance.now() - start;
    }
  };
}

/**
 * The call is aborted with the client's request. Made outside the async function on purpose: a
 * closure made inside it holds the function's variables (the request and its body text) for as
 * long as the listener lives, which is the whole of a stream.
 */
function followAbort(signal: AbortSignal, controller: AbortController): void {
  signal.addEventListener("abort", () => controller.abort(signal.reason), { once: true });
}

/** Why the request was aborted: the engine's reason (client gone, deadline) or, by default, the client. */
function abortError(signal: AbortSignal): GatewayError {
  return signal.reason instanceof GatewayError ? signal.reason : errors.clientClosed();
}
