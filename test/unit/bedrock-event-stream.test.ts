import { describe, expect, test } from "bun:test";
import { crc32 } from "node:zlib";
import { decodeEventStream, EventStreamDecoder, EventStreamError, type EventStreamMessage } from "../../src/providers/bedrock/event-stream.ts";
import { concatBytes, encodeEventStreamMessage } from "../support/event-stream-encoder.ts";
import { loadBytes, loadJson } from "../support/index.ts";
import { testReads } from "../support/reads.ts";

const hex = (s: string) => Uint8Array.from(s.trim().split(/\s+/).map((b) => parseInt(b, 16)));
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const FOO = new TextEncoder().encode('{"foo": "bar"}');

// The published test vector (providers README §3.5).
const VECTOR_PLAIN = concatBytes([hex("00 00 00 1e 00 00 00 00 ba f2 f6 8a"), FOO, hex("ae 72 58 e4")]);
const VECTOR_HEADER = concatBytes([
  hex("00 00 00 3e 00 00 00 20 40 5d f9 46"),
  Uint8Array.from([12, ...new TextEncoder().encode("content-type"), 7, 0, 16, ...new TextEncoder().encode("application/json")]),
  FOO,
  hex("6f a2 bf 3b"),
]);

function decodeAll(chunks: Uint8Array[]): EventStreamMessage[] {
  const d = new EventStreamDecoder();
  const out = chunks.flatMap((c) => d.push(c));
  d.end();
  return out;
}

async function* iterate(chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const c of chunks) yield c;
}

describe("event-stream decoder", () => {
  test("published vector without headers", () => {
    const [m] = decodeAll([VECTOR_PLAIN]);
    expect(m!.headers).toEqual({});
    expect(text(m!.payload)).toBe('{"foo": "bar"}');
    // The test encoder agrees byte for byte.
    expect(encodeEventStreamMessage({ headers: {}, payload: FOO })).toEqual(VECTOR_PLAIN);
  });

  test("published vector with one string header", () => {
    const [m] = decodeAll([VECTOR_HEADER]);
    expect(m!.headers).toEqual({ "content-type": "application/json" });
    expect(text(m!.payload)).toBe('{"foo": "bar"}');
    expect(encodeEventStreamMessage({ headers: { "content-type": "application/json" }, payload: FOO })).toEqual(VECTOR_HEADER);
  });

  for (const name of ["converse-stream", "converse-stream-tools", "converse-stream-exception"]) {
    test(`fixture ${name}.bin decodes to ${name}.decoded.json`, () => {
      const want = loadJson<Array<{ headers: Record<string, string>; payload: unknown }>>("bedrock", `${name}.decoded.json`).body;
      const got = decodeAll([loadBytes("bedrock", `${name}.bin`)]);
      expect(got.map((m) => ({ headers: m.headers, payload: JSON.parse(text(m.payload)) }))).toEqual(want);
    });
  }

  test("reads of any size: one byte at a time, and several messages in one read", () => {
    const bin = loadBytes("bedrock", "converse-stream-tools.bin");
    const whole = decodeAll([bin]);
    const bytewise = decodeAll(Array.from(bin, (b) => Uint8Array.of(b)));
    expect(bytewise.length).toBe(whole.length);
    expect(bytewise.map((m) => text(m.payload))).toEqual(whole.map((m) => text(m.payload)));
    // Uneven splits straddling message boundaries.
    const odd = [bin.subarray(0, 7), bin.subarray(7, 200), bin.subarray(200, 201), bin.subarray(201)];
    expect(decodeAll(odd).map((m) => text(m.payload))).toEqual(whole.map((m) => text(m.payload)));
  });

  test("every header type is decoded and skipped by its exact width", () => {
    const uuid = Uint8Array.from({ length: 16 }, (_, i) => i);
    const first = encodeEventStreamMessage({
      headers: {
        t: { type: "bool", value: true }, f: { type: "bool", value: false },
        b: { type: "byte", value: -2 }, s: { type: "short", value: 300 }, i: { type: "int", value: -70000 },
        l: { type: "long", value: 1n << 40n }, raw: { type: "bytes", value: Uint8Array.of(1, 2, 3) },
        ts: { type: "timestamp", value: 1_700_000_000_000n }, id: { type: "uuid", value: uuid },
        ":event-type": "messageStart",
      },
      payload: { role: "assistant" },
    });
    const second = encodeEventStreamMessage({ headers: { ":event-type": "messageStop" }, payload: { stopReason: "end_turn" } });
    const [a, b] = decodeAll([concatBytes([first, second])]);
    expect(a!.headers).toEqual({
      t: true, f: false, b: -2, s: 300, i: -70000, l: 1n << 40n, raw: Uint8Array.of(1, 2, 3),
      ts: new Date(1_700_000_000_000), id: uuid, ":event-type": "messageStart",
    });
    expect(JSON.parse(text(a!.payload))).toEqual({ role: "assistant" });
    expect(b!.headers).toEqual({ ":event-type": "messageStop" });
  });

  test("corrupt prelude CRC is rejected", () => {
    const bad = VECTOR_PLAIN.slice();
    bad[11]! ^= 0xff;
    expect(() => decodeAll([bad])).toThrow(EventStreamError);
  });

  test("messages before a corrupt one in the same read are still delivered; the next read throws", () => {
    const bad = VECTOR_PLAIN.slice();
    bad[20]! ^= 0x01;
    const d = new EventStreamDecoder();
    expect(d.push(concatBytes([VECTOR_HEADER, bad])).length).toBe(1);
    expect(() => d.push(VECTOR_PLAIN)).toThrow("message CRC mismatch");
    expect(() => d.end()).toThrow("message CRC mismatch");
  });

  test("corrupt message CRC (payload flipped) is rejected", () => {
    const bad = VECTOR_HEADER.slice();
    bad[bad.length - 6]! ^= 0x01;
    expect(() => decodeAll([bad])).toThrow("message CRC mismatch");
  });

  test("a length below the 16-byte overhead is rejected even with a valid prelude CRC", () => {
    const bad = new Uint8Array(16);
    const view = new DataView(bad.buffer);
    view.setUint32(0, 8);
    view.setUint32(8, crc32(bad.subarray(0, 8)));
    expect(() => decodeAll([bad])).toThrow("invalid message length");
  });

  test("a stream that ends inside a message is truncated, not silently complete", async () => {
    const bin = loadBytes("bedrock", "converse-stream.bin");
    const cut = bin.subarray(0, bin.length - 5);
    expect(() => decodeAll([cut])).toThrow("stream ended inside a message");
    const seen: EventStreamMessage[] = [];
    const run = async () => {
      for await (const m of decodeEventStream(iterate([cut]), testReads())) seen.push(m);
    };
    await expect(run()).rejects.toBeInstanceOf(EventStreamError);
    expect(seen.length).toBe(5); // every complete message before the cut still arrived
  });
});
