// GET /admin/requests?limit=&key=&provider=&status= and GET /admin/requests/stream (DESIGN "Dashboard
// and admin views"): the request ring, newest first, and its live tail as SSE.
import { errors } from "../../core/errors.ts";
import { requestRingIn, statusMatcher, type RequestFilter, type RequestRing, type RequestView } from "../../observability/request-ring.ts";
import type { Exchange, Generation } from "../context.ts";
import { releaseConnection } from "../keep-alive.ts";
import { SSE_HEADERS } from "../sse.ts";
import { requireAdmin } from "./admin-auth.ts";

export const ADMIN_REQUESTS = "/admin/requests";
export const ADMIN_REQUESTS_STREAM = "/admin/requests/stream";

/** Events a slow tail reader may fall behind by; older ones are dropped (and counted in a `dropped` event). */
export const TAIL_BUFFER = 256;
/** Bytes written but not yet taken by the socket, per client, before the tail holds back (then drops). */
export const TAIL_BYTES = 1 << 20;
const HEARTBEAT_MS = 15_000;

/** The tails open in this process, ended when it shuts down. */
const tails = new Set<() => void>();
let hooked = false;

/**
 * A tail never ends by itself, and the server's graceful stop would wait for it until its timeout.
 * Hooked only where the process already handles these signals (main.ts), so a test or an embedding
 * that does not keeps the default behaviour.
 */
function endTailsOnShutdown(): void {
  if (hooked) return;
  hooked = true;
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    if (process.listenerCount(signal) > 0) process.on(signal, () => [...tails].forEach((end) => end()));
  }
}

function ringOf(gen: Generation): RequestRing {
  return requestRingIn(gen.kept, gen.config.admin.request_log_size);
}

export function requestsHandler(gen: Generation, ex: Exchange): Response {
  requireAdmin(ex);
  const filter = filterOf(new URL(ex.req.url).searchParams, gen.config.admin.request_log_size);
  const body = { object: "list", data: ringOf(gen).list(filter) };
  return new Response(JSON.stringify(body), { headers: { ...ex.headers, "content-type": "application/json", "cache-control": "no-store" } });
}

export function filterOf(query: URLSearchParams, max: number): RequestFilter {
  const rawLimit = query.get("limit");
  let limit = Math.min(100, max);
  if (rawLimit !== null && rawLimit !== "") {
    if (!/^\d{1,9}$/.test(rawLimit) || Number(rawLimit) < 1) throw errors.invalidRequest("limit must be a positive integer.", "limit");
    limit = Math.min(Number(rawLimit), max);
  }
  const text = (name: string): string | undefined => {
    const v = query.get(name);
    if (v === null || v === "") return undefined;
    if (v.length > 256) throw errors.invalidRequest(`${name} is too long.`, name);
    return v;
  };
  const status = text("status");
  if (status !== undefined && !/^(\d{3}|[1-5]xx|error|ok)$/i.test(status)) {
    throw errors.invalidRequest("status must be a status code (429), a class (4xx), \"error\" or \"ok\".", "status");
  }
  return { limit, key: text("key"), provider: text("provider"), status };
}

/**
 * The tail: every request recorded from now on as an SSE `request` event, a comment line as a
 * heartbeat (proxies and the idle timer see traffic), and a bounded buffer per client: a reader that
 * falls behind loses the oldest events, not the gateway's memory. Ends when the client goes away.
 */
export function requestsStreamHandler(gen: Generation, ex: Exchange): Response {
  requireAdmin(ex);
  const ring = ringOf(gen);
  const filter = filterOf(new URL(ex.req.url).searchParams, gen.config.admin.request_log_size);
  const match = statusMatcher(filter.status);
  const heartbeatMs = Math.max(1000, Math.min(HEARTBEAT_MS, Math.floor(gen.config.server.idle_timeout / 3)));
  const encoder = new TextEncoder();
  const queue: RequestView[] = [];
  let dropped = 0;
  let scheduled = false;
  let closed = false;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const room = () => (controller.desiredSize ?? 1) > 0;
  const flush = () => {
    scheduled = false;
    if (closed || !room()) return;
    let text = dropped > 0 ? `event: dropped\ndata: {"dropped":${dropped}}\n\n` : "";
    dropped = 0;
    for (const view of queue) text += `id: ${view.seq}\nevent: request\ndata: ${JSON.stringify(view)}\n\n`;
    queue.length = 0;
    if (text !== "") controller.enqueue(encoder.encode(text));
  };
  const untail = ring.tail((view) => {
    if ((filter.key !== undefined && view.app_key_id !== filter.key) || (filter.provider !== undefined && view.provider !== filter.provider) || !match(view.status)) return;
    if (queue.length >= TAIL_BUFFER) {
      queue.shift();
      dropped++;
    }
    queue.push(view);
    // Sent in a batch after the requests ending in this turn, off their path.
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(flush);
    }
  });
  const heartbeat = setInterval(() => {
    if (room()) controller.enqueue(encoder.encode(": heartbeat\n\n"));
  }, heartbeatMs);
  // Bun's idle timer would cut the tail after server.idle_timeout however often it writes: the
  // connection stays held, as for an LLM stream, until the tail ends. A config reload need not wait
  // for a tail to end, though: it leaves its generation now (the ring outlives generations).
  ex.streaming = true;
  ex.gen.leave();
  const stop = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    untail();
    tails.delete(end);
    ex.signal.removeEventListener("abort", stop);
    releaseConnection(ex, gen.config.server.idle_timeout);
  };
  /** The gateway shuts down: the tail ends its response rather than hold the shutdown. */
  const end = () => {
    stop();
    try {
      controller.close();
    } catch {
      // Already closed or cancelled.
    }
  };
  tails.add(end);
  endTailsOnShutdown();
  ex.signal.addEventListener("abort", stop, { once: true });
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      c.enqueue(encoder.encode(`retry: 2000\n: tail of the last ${ring.capacity} requests\n\n`));
    },
    // The reader caught up: what was held back while it was slow goes now.
    pull() {
      if (queue.length > 0 || dropped > 0) flush();
    },
    cancel: stop,
  }, { highWaterMark: TAIL_BYTES, size: (chunk) => chunk?.byteLength ?? 0 });
  return new Response(body, { headers: { ...ex.headers, ...SSE_HEADERS } });
}
