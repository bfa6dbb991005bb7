// Upstream bodies compressed although no Accept-Encoding was sent: decoded by the gateway's own
// streams (which stop inflating when the reader cancels), and refused when the coding is unknown.
import { describe, expect, test } from "bun:test";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { GatewayError } from "../../src/core/errors.ts";
import { decodeContent } from "../../src/transport/content-decoding.ts";
import { makeSend } from "../../src/transport/upstream-fetch.ts";

const TEXT = JSON.stringify({ hello: "world", n: Array.from({ length: 500 }, (_, i) => i) });
const compressed = (encoding: string, body: Uint8Array) => new Response(body, { headers: { "content-encoding": encoding, "content-length": String(body.byteLength), "content-type": "application/json" } });

describe("decodeContent", () => {
  const cases: Array<[string, Uint8Array]> = [
    ["gzip", gzipSync(TEXT)],
    ["x-gzip", gzipSync(TEXT)],
    ["deflate", deflateSync(TEXT)],
    ["br", brotliCompressSync(TEXT)],
    ["zstd", Bun.zstdCompressSync(TEXT)],
    ["gzip, br", brotliCompressSync(gzipSync(TEXT))],
    ["identity", new TextEncoder().encode(TEXT)],
  ];
  for (const [encoding, body] of cases) {
    test(`${encoding}: decoded, without content-encoding or content-length`, async () => {
      const decoded = decodeContent(compressed(encoding, body), "p");
      expect(await decoded.text()).toBe(TEXT);
      if (encoding !== "identity") {
        expect(decoded.headers.get("content-encoding")).toBeNull();
        expect(decoded.headers.get("content-length")).toBeNull();
      }
      expect(decoded.headers.get("content-type")).toBe("application/json");
    });
  }

  test("an unknown coding is a bad upstream response naming it", () => {
    let err: unknown;
    try {
      decodeContent(compressed("snappy", new Uint8Array([1, 2, 3])), "p");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).kind).toBe("upstream_bad_response");
    expect((err as GatewayError).message).toContain("snappy");
  });

  test("a corrupt body fails when read", async () => {
    const decoded = decodeContent(compressed("gzip", new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7])), "p");
    expect(decoded.text()).rejects.toThrow();
  });
});

describe("makeSend", () => {
  test("asks for an uncompressed body and decodes one compressed anyway", async () => {
    let accept: string | null = "unset";
    const server = Bun.serve({
      port: 0, hostname: "127.0.0.1",
      fetch: (req) => {
        accept = req.headers.get("accept-encoding");
        return new Response(gzipSync(TEXT), { headers: { "content-encoding": "gzip" } });
      },
    });
    try {
      const send = makeSend({ provider: "p", signal: new AbortController().signal });
      const res = await send({ url: `http://127.0.0.1:${server.port}/`, method: "GET", headers: {} });
      expect(await res.text()).toBe(TEXT);
      expect(accept).toBeNull();
    } finally {
      server.stop(true);
    }
  });
});
