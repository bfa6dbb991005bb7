// A programmable upstream provider on 127.0.0.1:<random port> that records what it receives.
import type { Reply, StreamOptions } from "./replies.ts";

export type { Reply } from "./replies.ts";

export interface RecordedRequest {
  /** Arrival order at this mock, from 0. */
  index: number;
  method: string;
  /** Pathname plus query string, e.g. "/openai/deployments/x/chat/completions?api-version=2024-10-21". */
  path: string;
  url: string;
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: unknown;
  /** performance.now() at arrival. */
  receivedAt: number;
  /** The client's source port: the same port on two requests means a reused keep-alive connection. */
  remotePort: number | undefined;
  /** "METHOD pattern" of the route that answered; undefined when the fallback did. */
  route: string | undefined;
  /** performance.now() when the client went away before the response was complete (e.g. it aborted a hang). */
  abortedAt?: number;
  /** performance.now() when the mock itself reset the connection (`reset`, `failAfterChunks`, `truncated.abort`). */
  resetAt?: number;
}

/** `nth` counts the requests this route has answered before, from 0 (handy for "429, 429, then 200"). */
export type ReplyFn = (req: RecordedRequest, nth: number) => Reply | Promise<Reply>;
export type ReplySpec = Reply | ReplyFn;

export interface Route {
  readonly method: string;
  readonly pattern: string | RegExp;
  readonly requests: RecordedRequest[];
  /** The reply used whenever the once-queue is empty. */
  reply(spec: ReplySpec): Route;
  /** Replies used once each, in order, before the default. */
  replyOnce(...specs: ReplySpec[]): Route;
}

export interface MockUpstreamOptions {
  /** Answer for requests no route matches; default a 404 JSON error naming the request. */
  fallback?: ReplySpec;
}

export interface MockUpstream {
  readonly url: string;
  readonly port: number;
  /** Every request received, in arrival order (this array is cleared in place by reset()). */
  readonly requests: RecordedRequest[];
  /** How many requests the client abandoned before their response was complete. */
  readonly aborted: number;
  /**
   * The route for (method, pattern), created if new. Method "*" matches any method. A string pattern matches
   * the pathname exactly, `*` in it matching any run of characters ("/model/*\/converse-stream"); a RegExp is
   * tested against the pathname. Later routes win over earlier ones.
   */
  when(method: string, pattern: string | RegExp, spec?: ReplySpec): Route;
  /** An array is a once-queue whose last element also becomes the default. */
  setRoute(method: string, pattern: string | RegExp, spec: ReplySpec | readonly ReplySpec[]): Route;
  /** Resolves once predicate(requests) holds; re-checked on every arrival and abort. */
  waitFor(predicate: (requests: readonly RecordedRequest[]) => boolean, timeoutMs?: number): Promise<void>;
  waitForRequests(count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  /** Forgets routes and recorded requests. */
  reset(): void;
  clearRequests(): void;
  /** Ends hung replies and closes every connection. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const encoder = new TextEncoder();

function patternToTest(pattern: string | RegExp): (pathname: string) => boolean {
  if (pattern instanceof RegExp) return (p) => pattern.test(p);
  if (pattern === "*") return () => true;
  const source = pattern.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*");
  const re = new RegExp(`^${source}$`);
  return (p) => re.test(p);
}

const samePattern = (a: string | RegExp, b: string | RegExp) => String(a) === String(b) && typeof a === typeof b;

class RouteImpl implements Route {
  readonly requests: RecordedRequest[] = [];
  readonly matches: (pathname: string) => boolean;
  private once: ReplySpec[] = [];
  private fallback: ReplySpec | undefined;
  constructor(
    readonly method: string,
    readonly pattern: string | RegExp,
  ) {
    this.matches = patternToTest(pattern);
  }
  get label(): string {
    return `${this.method} ${String(this.pattern)}`;
  }
  reply(spec: ReplySpec): Route {
    this.fallback = spec;
    return this;
  }
  replyOnce(...specs: ReplySpec[]): Route {
    this.once.push(...specs);
    return this;
  }
  next(): ReplySpec | undefined {
    return this.once.shift() ?? this.fallback;
  }
}

const notFound: ReplyFn = (req) => ({
  kind: "json",
  status: 404,
  body: { error: { message: `mock-upstream: no route for ${req.method} ${req.path}`, type: "mock_no_route" } },
});

/** Resolves after ms, or early when the signal aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

function withContentType(headers: Record<string, string> | undefined, type: string): Record<string, string> {
  const h = { ...headers };
  if (!Object.keys(h).some((k) => k.toLowerCase() === "content-type")) h["content-type"] = type;
  return h;
}

/**
 * Erroring the response body stream makes Bun drop the connection with a TCP RST, which the client's fetch
 * reports as ECONNRESET. `error()` is called without a reason on purpose: with one, Bun prints it as an
 * unhandled error.
 */
function resetBody(onReset: () => void): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(c) {
      onReset();
      c.error();
    },
  });
}

function chunkBody(
  chunks: readonly Uint8Array[],
  opts: StreamOptions,
  signal: AbortSignal,
  onReset: () => void,
): ReadableStream<Uint8Array> {
  const gap = opts.chunkDelayMs ?? 0;
  const failAt = opts.failAfterChunks === undefined ? undefined : Math.min(opts.failAfterChunks, chunks.length);
  let i = 0;
  return new ReadableStream<Uint8Array>({
    async pull(c) {
      try {
        if (failAt !== undefined && i >= failAt) {
          // An RST discards bytes the peer has not read yet: give it time to read what was sent.
          await pause(opts.abortDelayMs ?? Math.max(gap, 20), signal);
          onReset();
          c.error();
          return;
        }
        if (i >= chunks.length) return c.close();
        if (i > 0) await pause(gap, signal);
        c.enqueue(chunks[i++]!);
      } catch {
        // The client went away meanwhile and the controller is closed: nothing left to send.
      }
    },
  });
}

async function render(reply: Reply, signal: AbortSignal, onReset: () => void): Promise<Response> {
  if ("delay" in reply && reply.delay) await pause(reply.delay, signal);
  const status = "status" in reply && reply.status !== undefined ? reply.status : 200;
  switch (reply.kind) {
    case "json":
      return new Response(JSON.stringify(reply.body), {
        status,
        headers: withContentType(reply.headers, "application/json"),
      });
    case "bytes":
      return new Response(reply.body, {
        status,
        headers: withContentType(reply.headers, reply.contentType ?? "application/octet-stream"),
      });
    case "stream": {
      const chunks = reply.chunks.map((c) => (typeof c === "string" ? encoder.encode(c) : c));
      const headers = withContentType(reply.headers, reply.contentType);
      return new Response(chunkBody(chunks, reply, signal, onReset), { status, headers });
    }
    case "reset":
      return new Response(resetBody(onReset));
    case "hang":
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        else signal.addEventListener("abort", () => resolve(), { once: true });
      });
      // Nobody is listening any more; Bun discards this.
      return new Response(null, { status: 499 });
    case "garbage":
      return new Response(reply.body ?? "<html><body>upstream says hi</body></html> {not json", {
        status,
        headers: withContentType(reply.headers, "application/json"),
      });
    case "truncated": {
      const text = JSON.stringify(reply.body);
      const half = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
      const headers = withContentType(reply.headers, "application/json");
      if (!reply.abort) return new Response(half, { status, headers });
      return new Response(chunkBody([encoder.encode(half)], { failAfterChunks: 1 }, signal, onReset), {
        status,
        headers,
      });
    }
  }
}

export async function startMockUpstream(options: MockUpstreamOptions = {}): Promise<MockUpstream> {
  const routes: RouteImpl[] = [];
  const requests: RecordedRequest[] = [];
  const waiters = new Set<() => void>();
  const stopping = new AbortController();
  const changed = () => {
    for (const w of [...waiters]) w();
  };

  const record = async (req: Request, ip: { port: number } | null): Promise<RecordedRequest> => {
    const receivedAt = performance.now();
    const url = new URL(req.url);
    const headers: Record<string, string> = {};
    req.headers.forEach((value, name) => {
      const key = name.toLowerCase();
      headers[key] = key in headers ? `${headers[key]}, ${value}` : value;
    });
    const body = await req.text();
    let json: unknown;
    try {
      json = body === "" ? undefined : JSON.parse(body);
    } catch {
      json = undefined;
    }
    return {
      index: -1,
      method: req.method,
      path: url.pathname + url.search,
      url: req.url,
      headers,
      body,
      json,
      receivedAt,
      remotePort: ip?.port,
      route: undefined,
    };
  };

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    development: false,
    // 0 disables Bun's idle timeout (10 s by default), which would otherwise cut `hang` replies short.
    idleTimeout: 0,
    async fetch(req, srv) {
      const rec = await record(req, srv.requestIP(req));
      const pathname = new URL(req.url).pathname;
      const route = routes.find((r) => (r.method === "*" || r.method === req.method) && r.matches(pathname));
      rec.index = requests.length;
      rec.route = route?.label;
      requests.push(rec);
      const nth = route ? route.requests.length : 0;
      route?.requests.push(rec);
      const onAbort = () => {
        // A reset of our own also aborts the request signal; only the client's departure counts as an abort.
        if (rec.resetAt !== undefined) return;
        rec.abortedAt = performance.now();
        changed();
      };
      if (req.signal.aborted) onAbort();
      else req.signal.addEventListener("abort", onAbort, { once: true });
      changed();
      const spec = route?.next() ?? options.fallback ?? notFound;
      const onReset = () => {
        rec.resetAt = performance.now();
      };
      try {
        const reply = typeof spec === "function" ? await spec(rec, nth) : spec;
        return await render(reply, AbortSignal.any([req.signal, stopping.signal]), onReset);
      } catch (err) {
        const message = `mock-upstream: reply for ${req.method} ${rec.path} failed: ${String(err)}`;
        return Response.json({ error: { message, type: "mock_error" } }, { status: 500 });
      }
    },
  });
  const port = server.port;
  if (port === undefined) throw new Error("mock-upstream: server has no port");

  const mock: MockUpstream = {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    get aborted() {
      return requests.filter((r) => r.abortedAt !== undefined).length;
    },
    when(method, pattern, spec) {
      const m = method.toUpperCase();
      let route = routes.find((r) => r.method === m && samePattern(r.pattern, pattern));
      if (!route) {
        route = new RouteImpl(m, pattern);
        routes.unshift(route);
      }
      if (spec !== undefined) route.reply(spec);
      return route;
    },
    setRoute(method, pattern, spec) {
      const route = mock.when(method, pattern);
      if (!Array.isArray(spec)) return route.reply(spec as ReplySpec);
      const list = spec as readonly ReplySpec[];
      const last = list[list.length - 1];
      route.replyOnce(...list.slice(0, -1));
      return last === undefined ? route : route.reply(last);
    },
    waitFor(predicate, timeoutMs = 2000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(requests)) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          const seen = requests.map((r) => `${r.method} ${r.path}${r.abortedAt ? " (aborted)" : ""}`);
          reject(new Error(`mock-upstream: condition not met in ${timeoutMs} ms; requests: ${JSON.stringify(seen)}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async waitForRequests(count, timeoutMs) {
      await mock.waitFor((r) => r.length >= count, timeoutMs);
      return requests.slice(0, count);
    },
    reset() {
      routes.length = 0;
      requests.length = 0;
    },
    clearRequests() {
      requests.length = 0;
      for (const r of routes) r.requests.length = 0;
    },
    async stop() {
      stopping.abort();
      await server.stop(true);
    },
    [Symbol.asyncDispose]() {
      return mock.stop();
    },
  };
  return mock;
}
