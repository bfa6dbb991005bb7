// A byte-level HTTP/1.x client on a raw socket, for what fetch cannot send: partial or stalled bodies,
// HTTP/1.0 without Host, request targets spelled exactly as given (`/v1/%2e%2e/metrics`).
import net from "node:net";

export interface RawResponse {
  /** 0 when the connection closed without a status line. */
  status: number;
  /** Lower-cased names. */
  headers: Record<string, string>;
  body: string;
  /** ms from connect to the end of the response (or to the close, when there was none). */
  elapsed: number;
}

export interface RawConnection {
  write(data: string | Uint8Array): void;
  /** The first complete response (Content-Length or close-delimited); rejects after `timeoutMs`. */
  response(timeoutMs?: number): Promise<RawResponse>;
  /** Resolves when the server closed the connection; rejects after `timeoutMs`. */
  closed(timeoutMs?: number): Promise<void>;
  readonly isClosed: boolean;
  destroy(): void;
}

export function rawConnect(port: number, host = "127.0.0.1"): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = net.connect(port, host);
    let buffer = Buffer.alloc(0);
    let isClosed = false;
    const waiters = new Set<() => void>();
    const notify = () => {
      for (const w of [...waiters]) w();
    };
    socket.on("data", (d: Buffer) => {
      buffer = Buffer.concat([buffer, d]);
      notify();
    });
    socket.on("close", () => {
      isClosed = true;
      notify();
    });
    socket.on("error", () => {});
    socket.once("connect", () => {
      const wait = <T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
        new Promise((ok, fail) => {
          const tryNow = () => {
            const v = check();
            if (v === undefined) return false;
            clearTimeout(timer);
            waiters.delete(onChange);
            ok(v);
            return true;
          };
          const onChange = () => void tryNow();
          const timer = setTimeout(() => {
            waiters.delete(onChange);
            fail(new Error(`raw-http: no ${what} within ${timeoutMs} ms; received ${JSON.stringify(buffer.toString("latin1").slice(0, 300))}`));
          }, timeoutMs);
          if (!tryNow()) waiters.add(onChange);
        });
      resolve({
        write: (data) => void socket.write(data),
        response: (timeoutMs = 5000) => wait(() => parseResponse(buffer, isClosed, started), timeoutMs, "response"),
        closed: (timeoutMs = 5000) => wait(() => (isClosed ? true : undefined), timeoutMs, "close").then(() => {}),
        get isClosed() {
          return isClosed;
        },
        destroy: () => socket.destroy(),
      });
    });
    socket.once("error", reject);
  });
}

function parseResponse(buffer: Buffer, closed: boolean, started: number): RawResponse | undefined {
  const end = buffer.indexOf("\r\n\r\n");
  if (end < 0) return closed ? { status: 0, headers: {}, body: buffer.toString("latin1"), elapsed: performance.now() - started } : undefined;
  const [statusLine, ...lines] = buffer.subarray(0, end).toString("latin1").split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(":");
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const rest = buffer.subarray(end + 4);
  const length = headers["content-length"];
  if (headers["transfer-encoding"]?.toLowerCase() === "chunked") {
    const body = dechunk(rest);
    if (body === undefined) return closed ? { status: Number(statusLine!.split(" ")[1]), headers, body: rest.toString("utf8"), elapsed: performance.now() - started } : undefined;
    return { status: Number(statusLine!.split(" ")[1]), headers, body, elapsed: performance.now() - started };
  }
  if (length !== undefined) {
    if (rest.length < Number(length)) return undefined;
    return { status: Number(statusLine!.split(" ")[1]), headers, body: rest.subarray(0, Number(length)).toString("utf8"), elapsed: performance.now() - started };
  }
  if (!closed) return undefined;
  return { status: Number(statusLine!.split(" ")[1]), headers, body: rest.toString("utf8"), elapsed: performance.now() - started };
}

/** One request written at once; the response, and whether the server then closed the connection. */
export async function rawRequest(port: number, text: string, timeoutMs = 5000): Promise<RawResponse & { connection: RawConnection }> {
  const connection = await rawConnect(port);
  connection.write(text);
  const res = await connection.response(timeoutMs);
  return { ...res, connection };
}

/** The body of a complete chunked message, or undefined while its last chunk has not arrived. */
function dechunk(data: Buffer): string | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = data.indexOf("\r\n", at);
    if (eol < 0) return undefined;
    const size = parseInt(data.subarray(at, eol).toString("latin1"), 16);
    if (Number.isNaN(size)) return undefined;
    if (size === 0) return Buffer.concat(parts).toString("utf8");
    if (data.length < eol + 2 + size + 2) return undefined;
    parts.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}
