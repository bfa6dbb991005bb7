// Upstream bodies are asked for uncompressed (no Accept-Encoding is sent), so decoding is the
// exception: an upstream that compresses anyway gets its body decoded here, through a stream that
// stops inflating as soon as its reader cancels. Bun's built-in decoding kept inflating the bytes
// it had already received after a cancel (a gzip bomb cost ~250 ms of CPU past the size limit).
import { errors } from "../core/errors.ts";

type Format = ConstructorParameters<typeof DecompressionStream>[0];

// Bun's DecompressionStream also takes "brotli" and "zstd".
const FORMATS: Readonly<Record<string, Format>> = {
  gzip: "gzip", "x-gzip": "gzip", deflate: "deflate", br: "brotli" as Format, zstd: "zstd" as Format,
};

/** The response with its body decoded per `content-encoding` (layers undone last-applied first); as it is when there is none. */
export function decodeContent(response: Response, provider: string): Response {
  const header = response.headers.get("content-encoding");
  if (header === null || response.body === null) return response;
  const codings = header.split(",").map((c) => c.trim().toLowerCase()).filter((c) => c !== "" && c !== "identity");
  if (codings.length === 0) return response;
  let body: ReadableStream<Uint8Array> = response.body;
  for (let i = codings.length - 1; i >= 0; i--) {
    const format = FORMATS[codings[i]!];
    if (format === undefined) {
      void response.body.cancel().catch(() => {});
      throw errors.upstreamBadResponse(provider, `the body uses an unknown content-encoding '${codings[i]!.slice(0, 40)}'`);
    }
    body = body.pipeThrough(new DecompressionStream(format) as unknown as ReadableWritablePair<Uint8Array, Uint8Array>);
  }
  const headers = new Headers(response.headers);
  headers.delete("content-encoding");
  headers.delete("content-length");
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}
