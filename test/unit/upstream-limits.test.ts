import { describe, expect, test } from "bun:test";
import { gzipSync } from "node:zlib";
import { GatewayError } from "../../src/core/errors.ts";
import { readBody, readJson } from "../../src/providers/shared/http.ts";
import { decodeSse } from "../../src/providers/shared/sse-decoder.ts";
import { EventStreamDecoder, EventStreamTooLarge } from "../../src/providers/bedrock/event-stream.ts";
import { testReads } from "../support/reads.ts";
import { eventStreamPrelude } from "../fault/payloads.ts";

const enc = new TextEncoder();
const streamOf = (parts: Array<string | Uint8Array>, onCancel?: () => void) =>
  new ReadableStream<Uint8Array>({
    pull(c) {
      const p = parts.shift();
      if (p === undefined) return c.close();
      c.enqueue(typeof p === "string" ? enc.encode(p) : p);
    },
    cancel: onCancel,
  });

async function rejection(p: Promise<unknown>): Promise<GatewayError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(GatewayError);
  return err as GatewayError;
}

describe("readBody / readJson", () => {
  test("within the limit: the whole text, declared length or not, compressed or not", async () => {
    const json = JSON.stringify({ a: "x".repeat(500) });
    expect(await readJson(new Response(json, { headers: { "content-length": String(json.length) } }), testReads("p", 1000))).toEqual(JSON.parse(json));
    expect(await readBody(new Response(streamOf([json.slice(0, 10), json.slice(10)])), testReads("p", 1000))).toBe(json);
  });

  test("over the limit: a declared length is refused before reading; a chunked body is cancelled at the limit", async () => {
    const declared = await rejection(readBody(new Response("x".repeat(2000), { headers: { "content-length": "2000" } }), testReads("p", 1000)));
    expect(declared).toMatchObject({ kind: "upstream_bad_response", status: 502, code: "bad_upstream_response", retryable: true });
    let cancelled = false;
    const parts = Array.from({ length: 100 }, () => "y".repeat(300));
    const err = await rejection(readBody(new Response(streamOf(parts, () => (cancelled = true))), testReads("p", 1000)));
    expect(err.message).toContain("max_upstream_bytes (1000 bytes)");
    expect(cancelled).toBe(true);
    expect(parts.length).toBeGreaterThan(90);
  });

  test("the limit counts decompressed bytes (a compressed body's declared length is not trusted)", async () => {
    const gz = gzipSync(enc.encode("z".repeat(100_000)));
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response(gz, { headers: { "content-encoding": "gzip" } }) });
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/`);
      expect(Number(res.headers.get("content-length"))).toBeLessThan(10_000);
      await rejection(readBody(res, testReads("p", 10_000)));
    } finally {
      server.stop(true);
    }
  });
});

describe("decodeSse limit (one event)", () => {
  const collect = async (parts: string[], limit: number) => {
    const out: string[] = [];
    for await (const m of decodeSse(streamOf(parts), testReads("p", limit))) out.push(m.data);
    return out;
  };

  test("many small events add up to any size; one event over the limit is a 502", async () => {
    const events = Array.from({ length: 200 }, (_, i) => `data: ${"e".repeat(50)}${i}\n\n`);
    expect((await collect(events, 200)).length).toBe(200);
    await rejection(collect(["data: ", "a".repeat(150), "a".repeat(150), "\n\n"], 200));
    // A multi-line event counts all its lines.
    await rejection(collect(["data: aaaaaaaaaa\n".repeat(30), "\n"], 200));
  });

  test("a line that never ends is refused at the limit, and the body is cancelled", async () => {
    let cancelled = false;
    const parts = Array.from({ length: 1000 }, () => "n".repeat(1000));
    const body = streamOf(["data: ", ...parts], () => (cancelled = true));
    await rejection((async () => { for await (const _ of decodeSse(body, testReads("p", 10_000))) { /* none */ } })());
    expect(cancelled).toBe(true);
    expect(parts.length).toBeGreaterThan(980);
  });

  test("a consumer that stops after the first event cancels the body; one that reads to the end does not", async () => {
    let cancelled = false;
    const body = streamOf(["data: one\n\n", "data: two\n\n"], () => (cancelled = true));
    for await (const m of decodeSse(body, testReads())) {
      expect(m.data).toBe("one");
      break;
    }
    expect(cancelled).toBe(true);
    cancelled = false;
    expect(await collect(["data: one\n\n", "data: two\n\n"], 1000)).toEqual(["one", "two"]);
    const whole = streamOf(["data: one\n\n"], () => (cancelled = true));
    for await (const _ of decodeSse(whole, testReads())) { /* all */ }
    expect(cancelled).toBe(false);
  });

  test("a long event split over many reads is scanned once (linear, not quadratic)", async () => {
    const reads = Array.from({ length: 4000 }, () => "q".repeat(256));
    const started = performance.now();
    const out = await collect(["data: ", ...reads, "\n\n"], 2 * 1024 * 1024);
    expect(out[0]!.length).toBe(4000 * 256);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

test("one large read of many events, LF-only or CR-only, is decoded in linear time", async () => {
  for (const eol of ["\n", "\r"]) {
    const text = `data: ${"v".repeat(40)}${eol}${eol}`.repeat(20_000);
    const started = performance.now();
    let n = 0;
    for await (const _ of decodeSse(streamOf([text]), testReads())) n++;
    expect(n).toBe(20_000);
    expect(performance.now() - started).toBeLessThan(1000);
  }
});

describe("event-stream limit (one message)", () => {
  test("a prelude announcing a message over the limit throws EventStreamTooLarge at once", () => {
    const d = new EventStreamDecoder(1024);
    expect(() => d.push(eventStreamPrelude(4096))).toThrow(EventStreamTooLarge);
  });

  test("a message arriving in many small reads is assembled once", () => {
    const d = new EventStreamDecoder();
    const total = 8 * 1024 * 1024;
    const prelude = eventStreamPrelude(total);
    expect(d.push(prelude)).toEqual([]);
    const piece = new Uint8Array(1024);
    const n = 8000;
    const started = performance.now();
    for (let i = 0; i < n; i++) expect(d.push(piece).length).toBe(0);
    expect(d.pending).toBe(12 + n * 1024);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
