import { describe, expect, test } from "bun:test";
import { decodeSse, type SseMessage } from "../../src/providers/shared/sse-decoder.ts";
import { testReads } from "../support/reads.ts";

function streamOf(parts: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(c) {
      for (const p of parts) c.enqueue(enc.encode(p));
      c.close();
    },
  });
}

async function collect(parts: string[]): Promise<SseMessage[]> {
  const out: SseMessage[] = [];
  for await (const m of decodeSse(streamOf(parts), testReads())) out.push(m);
  return out;
}

describe("SSE decoder", () => {
  test("LF, CRLF and CR separators give the same events", async () => {
    const expected = [{ event: undefined, data: "a" }, { event: "x", data: "b" }];
    expect(await collect(["data: a\n\nevent: x\ndata: b\n\n"])).toEqual(expected);
    expect(await collect(["data: a\r\n\r\nevent: x\r\ndata: b\r\n\r\n"])).toEqual(expected);
    expect(await collect(["data: a\r\revent: x\rdata: b\r\r"])).toEqual(expected);
  });

  test("events split at any byte, including between CR and LF", async () => {
    const text = "data: {\"a\":1}\r\n\r\n: keep-alive\r\n\r\ndata: two\r\ndata: lines\r\n\r\n";
    for (let cut = 1; cut < text.length; cut++) {
      expect(await collect([text.slice(0, cut), text.slice(cut)])).toEqual([
        { event: undefined, data: "{\"a\":1}" },
        { event: undefined, data: "two\nlines" },
      ]);
    }
  });

  test("comments are ignored and a final event without a blank line is delivered", async () => {
    expect(await collect([": OPENROUTER PROCESSING\n\ndata: last"])).toEqual([{ event: undefined, data: "last" }]);
  });

  test("multi-byte UTF-8 split across reads", async () => {
    const bytes = new TextEncoder().encode("data: héllo ✓\n\n");
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (const b of bytes) c.enqueue(new Uint8Array([b]));
        c.close();
      },
    });
    const out: SseMessage[] = [];
    for await (const m of decodeSse(stream, testReads())) out.push(m);
    expect(out).toEqual([{ event: undefined, data: "héllo ✓" }]);
  });
});
