import { errors, GatewayError } from "../core/errors.ts";
import type { Send, UpstreamRequest } from "../providers/types.ts";
import { coarseTimeout } from "./coarse-timers.ts";

export interface SendOptions {
  provider: string;
  /** Aborted when the client goes away (a GatewayError reason is what the attempt throws). */
  signal: AbortSignal;
  /** Until response headers arrive. */
  timeoutMs: number;
  /** Added to the adapter's headers (telemetry: W3C `traceparent`); undefined in the common case. */
  headers?: Record<string, string>;
  /** Gets the attempt's controller, so the caller can abort the call in flight (the request deadline). */
  handle?: AttemptHandle;
}

/** The upstream call in flight, for a caller that must be able to abort it from outside. */
export interface AttemptHandle {
  controller?: AbortController;
  /** Set by the engine when the request's deadline passed. */
  expired?: GatewayError;
}

/**
 * One upstream attempt: fetch with keep-alive, an attempt timeout that covers only the wait for
 * headers (a long stream must not be cut off), and network failures mapped to catalog errors.
 */
export function makeSend(options: SendOptions): Send {
  return async (request: UpstreamRequest) => {
    const controller = new AbortController();
    if (options.handle !== undefined) options.handle.controller = controller;
    const onAbort = () => controller.abort(options.signal.reason);
    if (options.signal.aborted) throw abortError(options.signal);
    options.signal.addEventListener("abort", onAbort, { once: true });
    let timedOut = false;
    const timer = coarseTimeout(options.timeoutMs, () => {
      timedOut = true;
      controller.abort();
    });
    try {
      return await fetch(request.url, {
        method: request.method,
        headers: options.headers === undefined ? request.headers : { ...request.headers, ...options.headers },
        body: request.body,
        signal: controller.signal,
        redirect: "manual",
        decompress: true,
      } as RequestInit);
    } catch (err) {
      if (err instanceof GatewayError) throw err;
      if (timedOut) throw errors.upstreamTimeout(options.provider, options.timeoutMs);
      if (options.signal.aborted) throw abortError(options.signal);
      throw errors.upstreamUnreachable(options.provider, err);
    } finally {
      timer.cancel();
    }
  };
}

/** Why the request was aborted: the engine's reason (client gone, deadline) or, by default, the client. */
function abortError(signal: AbortSignal): GatewayError {
  return signal.reason instanceof GatewayError ? signal.reason : errors.clientClosed();
}
