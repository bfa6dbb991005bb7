// The response head (status line and header fields, RFC 9112 §4–5) and the body framing it implies
// (§6.3). Strict where leniency lets a response be read two ways: no obsolete line folding, no
// conflicting lengths, and a response framed by both Transfer-Encoding and Content-Length is read
// by the former and its connection not reused.
import { Http1ProtocolError } from "./http1-errors.ts";

export type Framing =
  | { kind: "none" }
  | { kind: "length"; length: number }
  | { kind: "chunked" }
  /** Ends when the server closes the connection. */
  | { kind: "close" };

export interface ResponseHead {
  status: number;
  statusText: string;
  headers: Headers;
  framing: Framing;
  /** The connection may carry another request after this response. */
  reusable: boolean;
  /** The server's `Keep-Alive: timeout=` hint, in ms; undefined when it gave none. */
  idleHintMs?: number;
}

const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: ([^\x00-\x08\x0a-\x1f\x7f]*))?$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
const DIGITS = /^\d{1,15}$/;

/** Where the head ends (the index after its empty line), or -1; `from` skips bytes already searched. */
export function findHeadEnd(buffer: Uint8Array, from: number): number {
  for (let i = Math.max(from, 3); i < buffer.length; i++) {
    if (buffer[i] === 10 && buffer[i - 1] === 13 && buffer[i - 2] === 10 && buffer[i - 3] === 13) return i + 1;
  }
  return -1;
}

/** Parses the head in `bytes` (up to `end`, past its empty line) of the answer to a `method` request. */
export function parseHead(bytes: Uint8Array, end: number, method: string): ResponseHead {
  const lines = latin1(bytes, end - 4).split("\r\n");
  const match = STATUS_LINE.exec(lines[0]!);
  if (match === null) throw new Http1ProtocolError(`the status line is not HTTP/1.x: ${JSON.stringify(lines[0]!.slice(0, 60))}`);
  const minor = match[1];
  const status = Number(match[2]);
  if (status < 100) throw new Http1ProtocolError(`HTTP status ${status}`);
  const headers = new Headers();
  let lengths: string | undefined;
  let transferEncoding: string | undefined;
  let connection: string | undefined;
  let keepAlive: string | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(":");
    if (colon <= 0) throw new Http1ProtocolError("a header line has no name");
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) throw new Http1ProtocolError("a header name is not a token");
    const value = line.slice(colon + 1).trim();
    if (BAD_VALUE.test(value)) throw new Http1ProtocolError("a header value holds control characters");
    headers.append(name, value);
    switch (name.length) {
      case 10:
        if (name.toLowerCase() === "connection") connection = connection === undefined ? value : `${connection},${value}`;
        else if (name.toLowerCase() === "keep-alive") keepAlive = value;
        break;
      case 14:
        if (name.toLowerCase() === "content-length") lengths = lengths === undefined ? value : `${lengths},${value}`;
        break;
      case 17:
        if (name.toLowerCase() === "transfer-encoding") transferEncoding = transferEncoding === undefined ? value : `${transferEncoding},${value}`;
        break;
    }
  }
  const closing = connection !== undefined && hasToken(connection, "close");
  let reusable = minor === "1" ? !closing : connection !== undefined && hasToken(connection, "keep-alive") && !closing;
  let framing: Framing;
  if (status < 200 || status === 204 || status === 205 || status === 304 || method === "HEAD") framing = { kind: "none" };
  else if (transferEncoding !== undefined) {
    const codings = transferEncoding.toLowerCase().split(",");
    framing = codings[codings.length - 1]!.trim() === "chunked" ? { kind: "chunked" } : { kind: "close" };
    // Both framings on one response is how requests get smuggled: read it one way, never reuse the connection.
    if (lengths !== undefined || framing.kind === "close") reusable = false;
  } else if (lengths !== undefined) {
    framing = { kind: "length", length: contentLength(lengths) };
  } else framing = { kind: "close" };
  if (framing.kind === "close") reusable = false;
  const idle = keepAlive === undefined ? undefined : /(?:^|[,\s])timeout=(\d{1,6})/i.exec(keepAlive)?.[1];
  return { status, statusText: match[3] ?? "", headers, framing, reusable, idleHintMs: idle === undefined ? undefined : Number(idle) * 1000 };
}

function latin1(bytes: Uint8Array, end: number): string {
  return (bytes instanceof Buffer ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)).toString("latin1", 0, end);
}

/** One length, however often repeated; differing ones are an error (RFC 9112 §6.3 item 5). */
function contentLength(values: string): number {
  let length = -1;
  for (const part of values.split(",")) {
    const text = part.trim();
    if (!DIGITS.test(text)) throw new Http1ProtocolError("the Content-Length is not a number");
    const n = Number(text);
    if (length !== -1 && n !== length) throw new Http1ProtocolError("the Content-Length values differ");
    length = n;
  }
  return length;
}

function hasToken(list: string, token: string): boolean {
  for (const part of list.split(",")) if (part.trim().toLowerCase() === token) return true;
  return false;
}
