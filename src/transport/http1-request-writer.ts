// The request head as bytes on the wire. The framing headers are ours (Host unless given,
// Content-Length or Transfer-Encoding: chunked); the caller's are checked so that no name or value
// can end a line early and smuggle a header or a second request.
import type { Proxy } from "./proxy-env.ts";

/** A body of a known length, one streamed chunk by chunk, or none. */
export type BodyPlan =
  | { kind: "none" }
  /** Written with the head in one string: the socket encodes it once, no copy in between. */
  | { kind: "text"; text: string; length: number }
  | { kind: "bytes"; bytes: Uint8Array }
  | { kind: "stream"; stream: ReadableStream<Uint8Array> };

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[\x00\r\n]/;
// Framing and connection management belong to the client (RFC 9110 §7.6.1).
const OWNED = new Set(["content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer", "proxy-authorization"]);
const encoder = new TextEncoder();

export function planBody(body: unknown): BodyPlan {
  if (body === undefined || body === null) return { kind: "none" };
  if (typeof body === "string") return { kind: "text", text: body, length: Buffer.byteLength(body) };
  if (body instanceof Uint8Array) return { kind: "bytes", bytes: body };
  if (body instanceof ArrayBuffer) return { kind: "bytes", bytes: new Uint8Array(body) };
  if (body instanceof ReadableStream) return { kind: "stream", stream: body as ReadableStream<Uint8Array> };
  throw new TypeError("http1: a request body must be a string, bytes or a ReadableStream");
}

/**
 * The head of a request to `url` with `body`; throws TypeError for a header that is not valid HTTP.
 * Sent to a forward proxy (`via`), the target is the absolute URL and the proxy's credentials go along.
 */
export function requestHead(method: string, url: URL, headers: RequestInit["headers"], body: BodyPlan, via?: Proxy): string {
  if (!TOKEN.test(method)) throw new TypeError("http1: the method is not a token");
  let head = via === undefined ? `${method} ${url.pathname}${url.search} HTTP/1.1\r\n` : `${method} ${url.origin}${url.pathname}${url.search} HTTP/1.1\r\n`;
  if (via?.authorization !== undefined) head += `Proxy-Authorization: ${via.authorization}\r\n`;
  let host = false;
  let accept = false;
  let agent = false;
  const add = (name: string, value: string) => {
    if (!TOKEN.test(name)) throw new TypeError(`http1: invalid header name ${JSON.stringify(name.slice(0, 40))}`);
    if (BAD_VALUE.test(value)) throw new TypeError(`http1: invalid value for header ${name}`);
    const lower = name.toLowerCase();
    if (OWNED.has(lower)) return;
    if (lower === "host") host = true;
    else if (lower === "accept") accept = true;
    else if (lower === "user-agent") agent = true;
    head += `${name}: ${value}\r\n`;
  };
  if (headers !== undefined) {
    if (headers instanceof Headers || Array.isArray(headers)) for (const [name, value] of headers as Iterable<[string, string]>) add(name, value);
    else for (const name in headers) add(name, (headers as Record<string, string>)[name]!);
  }
  if (!host) head += `Host: ${url.host}\r\n`;
  // What fetch sends too: some servers refuse a request without them.
  if (!accept) head += "Accept: */*\r\n";
  if (!agent) head += "User-Agent: butter\r\n";
  if (body.kind === "text") head += `Content-Length: ${body.length}\r\n`;
  else if (body.kind === "bytes") head += `Content-Length: ${body.bytes.byteLength}\r\n`;
  else if (body.kind === "stream") head += "Transfer-Encoding: chunked\r\n";
  else if (method === "POST" || method === "PUT" || method === "PATCH") head += "Content-Length: 0\r\n";
  return head + "\r\n";
}

/** A streamed body's chunk in chunked framing. */
export function chunkFrame(data: Uint8Array): Uint8Array {
  const size = `${data.byteLength.toString(16)}\r\n`;
  const out = new Uint8Array(size.length + data.byteLength + 2);
  encoder.encodeInto(size, out);
  out.set(data, size.length);
  out[out.length - 2] = 13;
  out[out.length - 1] = 10;
  return out;
}

export const LAST_CHUNK = encoder.encode("0\r\n\r\n");
