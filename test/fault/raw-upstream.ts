// A misbehaving upstream at the byte level (Bun.listen on 127.0.0.1:0): it reads one HTTP/1.1 request
// per connection and then does whatever the test's behaviour says — headers and nothing more, a body
// that never ends, a reset — and records when the gateway closed the connection.
import type { Socket, TCPSocketListener } from "bun";

export interface RawRequest {
  method: string;
  /** Path and query. */
  path: string;
  /** Lower-cased names. */
  headers: Record<string, string>;
  body: string;
}

/** One connection's exchange, for the behaviour to answer. */
export class RawExchange {
  /** Resolves when the connection is closed by either side. */
  readonly closed: Promise<void>;
  /** Bytes written to the socket (headers included). */
  sent = 0;
  /** performance.now() when the peer (the gateway) closed or reset the connection; undefined if we did or it is open. */
  peerClosedAt: number | undefined;
  private open = true;
  private closedByUs = false;
  private pending: Uint8Array | undefined;
  private closeWhenSent = false;
  private source: (() => Uint8Array | undefined) | undefined;
  private resolveClosed!: () => void;

  constructor(readonly request: RawRequest, private readonly socket: Socket<unknown>) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
  }

  get isOpen(): boolean {
    return this.open;
  }

  write(data: string | Uint8Array): void {
    if (!this.open) return;
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    if (this.pending !== undefined) {
      this.pending = concat(this.pending, bytes);
      return;
    }
    const n = this.socket.write(bytes);
    const written = n < 0 ? 0 : n;
    this.sent += written;
    if (written < bytes.byteLength) this.pending = bytes.subarray(written);
  }

  /** Status line and headers; `chunked: true` adds Transfer-Encoding: chunked (then use `chunk`). */
  head(status: number, headers: Record<string, string>, opts: { chunked?: boolean } = {}): void {
    const lines = [`HTTP/1.1 ${status} ${REASONS[status] ?? "Status"}`];
    for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
    if (opts.chunked) lines.push("transfer-encoding: chunked", "connection: close");
    this.write(lines.join("\r\n") + "\r\n\r\n");
  }

  /** A whole response with Content-Length; the connection then closes (one exchange per connection). */
  respond(status: number, headers: Record<string, string>, body: string | Uint8Array): void {
    const bytes = typeof body === "string" ? encoder.encode(body) : body;
    this.head(status, { ...headers, "content-length": String(bytes.byteLength), connection: "close" });
    this.write(bytes);
    this.closeWhenSent = true;
    if (this.pending === undefined) this.end();
  }

  json(status: number, body: unknown, headers: Record<string, string> = {}): void {
    this.respond(status, { "content-type": "application/json", ...headers }, JSON.stringify(body));
  }

  /** One chunk of a chunked body. */
  chunk(data: string | Uint8Array): void {
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    if (bytes.byteLength === 0) return;
    this.write(`${bytes.byteLength.toString(16)}\r\n`);
    this.write(bytes);
    this.write("\r\n");
  }

  /** Chunked-body chunks from `next` for as long as the peer reads them (undefined ends the body). */
  pour(next: () => Uint8Array | undefined): void {
    this.source = next;
    this.drain();
  }

  /** Called by the listener when the socket can take more. */
  drain(): void {
    if (this.pending !== undefined) {
      const pending = this.pending;
      this.pending = undefined;
      this.write(pending);
      if (this.pending !== undefined) return;
      if (this.closeWhenSent) return this.end();
    }
    while (this.source !== undefined && this.open && this.pending === undefined) {
      const data = this.source();
      if (data === undefined) {
        this.source = undefined;
        this.write("0\r\n\r\n");
        return;
      }
      this.chunk(data);
    }
  }

  /** Graceful close (FIN). */
  end(): void {
    this.closedByUs = true;
    this.socket.end();
  }

  /** Abrupt close. */
  reset(): void {
    this.closedByUs = true;
    this.socket.terminate();
  }

  onClose(): void {
    if (!this.open) return;
    this.open = false;
    this.source = undefined;
    if (!this.closedByUs) this.peerClosedAt = performance.now();
    this.resolveClosed();
  }
}

export type Behaviour = (ex: RawExchange) => void;

export interface RawUpstream {
  readonly url: string;
  /** Every exchange, in arrival order. */
  readonly exchanges: RawExchange[];
  /** The behaviour for paths starting with `prefix` (longest prefix wins). */
  on(prefix: string, behaviour: Behaviour): void;
  reset(): void;
  stop(): void;
}

interface Conn { buffer: Uint8Array; exchange: RawExchange | undefined }

export function startRawUpstream(): RawUpstream {
  const behaviours = new Map<string, Behaviour>();
  const exchanges: RawExchange[] = [];
  const sockets = new Set<Socket<Conn>>();
  const listener: TCPSocketListener<Conn> = Bun.listen<Conn>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(socket) {
        socket.data = { buffer: new Uint8Array(0), exchange: undefined };
        sockets.add(socket);
      },
      data(socket, data) {
        const conn = socket.data;
        if (conn.exchange !== undefined) return; // one request per connection; later bytes are ignored
        conn.buffer = concat(conn.buffer, data);
        const request = parseRequest(conn.buffer);
        if (request === undefined) return;
        const exchange = new RawExchange(request, socket as Socket<unknown>);
        conn.exchange = exchange;
        exchanges.push(exchange);
        const behaviour = pick(behaviours, request.path);
        if (behaviour === undefined) exchange.json(404, { error: { message: `raw-upstream: no behaviour for ${request.path}` } });
        else behaviour(exchange);
      },
      drain(socket) {
        socket.data.exchange?.drain();
      },
      close(socket) {
        sockets.delete(socket);
        socket.data.exchange?.onClose();
      },
      error(socket) {
        sockets.delete(socket);
        socket.data.exchange?.onClose();
      },
    },
  });
  return {
    url: `http://127.0.0.1:${listener.port}`,
    exchanges,
    on(prefix, behaviour) {
      behaviours.set(prefix, behaviour);
    },
    reset() {
      behaviours.clear();
      exchanges.length = 0;
      for (const s of sockets) s.terminate();
    },
    stop() {
      for (const s of sockets) s.terminate();
      listener.stop(true);
    },
  };
}

function pick(behaviours: Map<string, Behaviour>, path: string): Behaviour | undefined {
  let best: string | undefined;
  for (const prefix of behaviours.keys()) if (path.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
  return best === undefined ? undefined : behaviours.get(best);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function parseRequest(buffer: Uint8Array): RawRequest | undefined {
  const text = decoder.decode(buffer);
  const end = text.indexOf("\r\n\r\n");
  if (end === -1) return undefined;
  const [line, ...rest] = text.slice(0, end).split("\r\n");
  const [method = "", path = ""] = line!.split(" ");
  const headers: Record<string, string> = {};
  for (const h of rest) {
    const colon = h.indexOf(":");
    if (colon > 0) headers[h.slice(0, colon).trim().toLowerCase()] = h.slice(colon + 1).trim();
  }
  const length = Number(headers["content-length"] ?? 0);
  const bodyStart = encoder.encode(text.slice(0, end + 4)).byteLength;
  if (buffer.byteLength - bodyStart < length) return undefined;
  return { method, path, headers, body: decoder.decode(buffer.subarray(bodyStart, bodyStart + length)) };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.byteLength === 0) return b;
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}

const REASONS: Record<number, string> = {
  200: "OK", 301: "Moved Permanently", 302: "Found", 307: "Temporary Redirect", 308: "Permanent Redirect",
  400: "Bad Request", 401: "Unauthorized", 429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable",
};
