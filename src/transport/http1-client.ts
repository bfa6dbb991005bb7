// A fetch-shaped HTTP/1.1 client on Bun.connect: keep-alive pools per origin, Content-Length,
// chunked and close-delimited bodies streamed as they arrive, TLS with the certificate verified,
// abort through the signal. No redirects are followed and nothing is decompressed (the caller's
// `redirect: "manual"` and `decompress: false` are what it always does). HTTP_PROXY, HTTPS_PROXY and
// NO_PROXY are honoured as Bun's fetch honours them (proxy-env.ts); a request through an https://
// proxy is handed to Bun's fetch. No HTTP/2.
import { Http1ConnectionError } from "./http1-errors.ts";
import type { Connection } from "./http1-connection.ts";
import { OriginPool, type PoolOptions } from "./http1-pool.ts";
import { chunkFrame, LAST_CHUNK, planBody, requestHead, type BodyPlan } from "./http1-request-writer.ts";
import { bareHost, processProxyRules, ProxyRules, type Proxy } from "./proxy-env.ts";

export interface Http1ClientOptions {
  /**
   * Idle connections kept per origin (default 4096). A burst of streams leaves as many connections
   * as it had in flight; with a cap below that, the next burst opens the rest again, a TLS handshake
   * each: with 1,000 streams at once against a TLS upstream and a cap of 256, a client's first chunk
   * came 3-4× later (README, Upstream client). Idle ones close after `idleTimeoutMs` anyway.
   */
  maxIdlePerOrigin?: number;
  /** How long an idle connection is kept (default 4 s, below the 5 s that many servers allow). */
  idleTimeoutMs?: number;
  /** Expired idle connections closed per event-loop turn (default 64); the rest in the turns after. */
  sweepSlice?: number;
  /** The response head's limit, status line and header fields together (default 64 KiB); chunked trailers get the same. */
  maxHeaderBytes?: number;
  /** CA certificates (PEM) trusted instead of the system's; only tests need it. */
  ca?: string | string[];
  /** Where HTTP_PROXY, HTTPS_PROXY and NO_PROXY are read (default the process environment). */
  env?: Record<string, string | undefined>;
}

export type Http1Fetch = (input: string | URL, init?: RequestInit) => Promise<Response>;

export class Http1Client {
  private readonly pools = new Map<string, OriginPool>();
  private readonly options: PoolOptions;
  readonly proxies: ProxyRules;

  constructor(options: Http1ClientOptions = {}) {
    this.proxies = options.env === undefined ? processProxyRules() : new ProxyRules(options.env);
    this.options = {
      maxIdle: options.maxIdlePerOrigin ?? 4096,
      idleTimeoutMs: options.idleTimeoutMs ?? 4000,
      sweepSlice: options.sweepSlice ?? 64,
      maxHeaderBytes: options.maxHeaderBytes ?? 64 * 1024,
      ca: options.ca,
    };
  }

  readonly fetch: Http1Fetch = async (input, init = {}) => {
    const url = typeof input === "string" ? new URL(input) : input;
    const tls = url.protocol === "https:";
    if (!tls && url.protocol !== "http:") throw new TypeError(`http1: unsupported protocol ${url.protocol}`);
    const signal = init.signal ?? undefined;
    signal?.throwIfAborted();
    const method = init.method === undefined ? "GET" : init.method.toUpperCase();
    const body = planBody(init.body);
    const proxy = this.proxies.for(url);
    // TLS to the proxy and TLS to the target inside it would need a TLS socket upgraded again, which
    // Bun's sockets do not do; Bun's fetch speaks to https:// proxies, so such a request goes through it.
    if (proxy?.tls === true) return fetch(url, init);
    const head = requestHead(method, url, init.headers, body, tls ? undefined : proxy);
    const pool = this.pool(url, tls, proxy);
    const idle = pool.take();
    try {
      return await exchange(idle ?? (await connect(pool, signal)), method, head, body, signal);
    } catch (err) {
      if (idle === undefined || !mayResend(err, method, body) || signal?.aborted) throw err;
      return exchange(await connect(pool, signal), method, head, body, signal);
    }
  };

  /** Closes every idle connection (those in use close when their response ends). */
  close(): void {
    for (const pool of this.pools.values()) pool.close();
    this.pools.clear();
  }

  /** Idle connections per origin key (`http://host:port`), for tests. */
  idleCount(origin: string): number {
    return this.pools.get(origin)?.idleCount ?? 0;
  }

  private pool(url: URL, tls: boolean, proxy: Proxy | undefined): OriginPool {
    const key = proxy === undefined ? url.origin : `${url.origin} via ${proxy.key}`;
    let pool = this.pools.get(key);
    if (pool === undefined) {
      const port = url.port === "" ? (tls ? 443 : 80) : Number(url.port);
      pool = new OriginPool({ hostname: bareHost(url.hostname), port, tls, proxy }, this.options);
      this.pools.set(key, pool);
    }
    return pool;
  }
}

/**
 * Whether a request that failed on a reused idle connection may go again on a fresh one. A server
 * closes idle connections when it likes, and the close can cross our request on the wire: the
 * request then meets a dead socket before any answer. Sending it again is safe only when the server
 * cannot have acted on it: nothing was written at all, or the method is one a server must treat as
 * safe to repeat (GET, HEAD). A POST whose bytes went out may have reached the server and started
 * a paid generation, so it is not sent again here; the error goes up, and whether to try again
 * (elsewhere) is the failover policy's call, made in the open. A streamed body cannot be replayed.
 */
function mayResend(err: unknown, method: string, body: BodyPlan): boolean {
  if (!(err instanceof Http1ConnectionError) || body.kind === "stream") return false;
  return !err.sent || method === "GET" || method === "HEAD";
}

/** A new connection; an abort while it opens rejects at once and closes the socket when it arrives. */
function connect(pool: OriginPool, signal: AbortSignal | undefined): Promise<Connection> {
  const opening = pool.open(signal);
  if (signal === undefined) return opening;
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      reject(signal.reason);
      opening.then((c) => c.destroy(), () => {});
    };
    signal.addEventListener("abort", onAbort, { once: true });
    opening.then(
      (connection) => {
        signal.removeEventListener("abort", onAbort);
        if (signal.aborted) connection.destroy();
        else resolve(connection);
      },
      (err) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}

async function exchange(connection: Connection, method: string, head: string, body: BodyPlan, signal: AbortSignal | undefined): Promise<Response> {
  const ex = connection.begin(method);
  if (signal !== undefined) {
    // The socket goes with the request: half a response left on it is no use to the next one.
    const onAbort = () => {
      ex.abort(signal.reason);
      connection.destroy();
    };
    signal.addEventListener("abort", onAbort, { once: true });
    ex.onDone = () => signal.removeEventListener("abort", onAbort);
  }
  try {
    if (body.kind === "stream") {
      connection.write(head);
      void pump(connection, ex, body.stream);
    } else {
      // One write, so head and body leave in one segment.
      const flushed = connection.write(body.kind === "text" ? head + body.text : body.kind === "bytes" ? Buffer.concat([Buffer.from(head, "latin1"), body.bytes]) : head);
      if (flushed) ex.requestComplete = true;
      else void connection.drain().then(() => (ex.requestComplete = !connection.isClosed));
    }
  } catch (err) {
    ex.fail(err);
    connection.destroy();
  }
  return ex.response;
}

/** Writes a streamed request body in chunked framing, waiting for the socket to drain between chunks. */
async function pump(connection: Connection, ex: ReturnType<Connection["begin"]>, stream: ReadableStream<Uint8Array>): Promise<void> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (ex.done) break;
      if (done) {
        if (connection.write(LAST_CHUNK)) ex.requestComplete = true;
        else {
          await connection.drain();
          ex.requestComplete = !connection.isClosed;
        }
        return;
      }
      if (value.byteLength === 0) continue;
      if (!connection.write(chunkFrame(value))) await connection.drain();
    }
    void reader.cancel().catch(() => {});
  } catch (err) {
    void reader.cancel().catch(() => {});
    ex.fail(err);
    connection.destroy();
  }
}

/** The process-wide client behind `server.upstream_client: http1`. */
export const http1 = new Http1Client();
