// The pieces under the cache, alone: LRU bounds, the canonical key (and its cost on huge bodies),
// Cache-Control parsing and the Redis entry format.
import { describe, expect, test } from "bun:test";
import { cacheKey, canonicalJson } from "../../src/cache/cache-key.ts";
import { MemoryCache } from "../../src/cache/memory-cache.ts";
import { directives } from "../../src/cache/policy.ts";
import { chatCompletions } from "../../src/server/operations/chat.ts";
import { countTokens } from "../../src/server/operations/count-tokens.ts";
import { embeddings } from "../../src/server/operations/embeddings.ts";
import { messages } from "../../src/server/operations/messages.ts";
import { responses } from "../../src/server/operations/responses.ts";
import { decode, encode } from "../../src/cache/redis-cache.ts";
import type { CachedAnswer } from "../../src/cache/types.ts";
import { RESPONSES_SIDE } from "../../src/engine/operations.ts";

const answer = (client: string, internal?: string): CachedAnswer => ({ client, internal, provider: "openai", model: "m", promptTokens: 1, completionTokens: 2 });

describe("memory cache (lru-cache)", () => {
  test("evicts the least recently used beyond max_entries", () => {
    const c = new MemoryCache({ ttlMs: 60_000, maxEntries: 3, maxBytes: 1_000_000 });
    for (const k of ["a", "b", "c"]) c.set(k, answer(k));
    expect(c.get("a")?.client).toBe("a"); // a is now the most recent
    c.set("d", answer("d"));
    expect(c.get("b")).toBeUndefined();
    expect(["a", "c", "d"].map((k) => c.get(k)?.client)).toEqual(["a", "c", "d"]);
    expect(c.size.entries).toBe(3);
  });

  test("evicts by bytes: client and internal texts (UTF-8) plus a fixed overhead; one answer over a tenth of max_bytes is not kept", () => {
    const c = new MemoryCache({ ttlMs: 60_000, maxEntries: 1000, maxBytes: 10_000 });
    const kb = "x".repeat(700);
    for (let i = 0; i < 10; i++) c.set(`k${i}`, answer(kb));
    // 10 × (700 + 256) = 9560 bytes fit; the 11th pushes out the oldest.
    expect(c.size.bytes).toBe(9560);
    c.set("k10", answer(kb));
    expect(c.get("k0")).toBeUndefined();
    expect(c.get("k10")?.client).toBe(kb);
    expect(c.size.bytes).toBeLessThanOrEqual(10_000);
    // Multi-byte text counts its UTF-8 bytes, and internal text counts too.
    const d = new MemoryCache({ ttlMs: 60_000, maxEntries: 10, maxBytes: 100_000 });
    d.set("e", answer("é".repeat(100), "{}"));
    expect(d.size.bytes).toBe(200 + 2 + 256);
    // Larger than max_bytes / 10: refused, and nothing else evicted for it.
    c.set("huge", answer("y".repeat(1200)));
    expect(c.get("huge")).toBeUndefined();
    expect(c.get("k10")?.client).toBe(kb);
  });

  test("entries expire after ttl on the injected clock", () => {
    let now = 1000;
    const c = new MemoryCache({ ttlMs: 5000, maxEntries: 10, maxBytes: 100_000, now: () => now });
    c.set("k", answer("v"));
    now += 4999;
    expect(c.get("k")?.client).toBe("v");
    now += 2;
    expect(c.get("k")).toBeUndefined();
  });
});

describe("canonical key", () => {
  test("key order and whitespace do not matter; values, array order and symbol-kept side channels do", () => {
    const a = JSON.parse('{"b":1,"a":{"y":[1,2,{"q":null,"p":"x"}],"x":true}}');
    const b = JSON.parse('{ "a" : { "x" : true , "y" : [ 1 , 2 , { "p" : "x" , "q" : null } ] } , "b" : 1.0 }');
    expect(canonicalJson(a)).toBe('{"a":{"x":true,"y":[1,2,{"p":"x","q":null}]},"b":1}');
    expect(cacheKey(a)).toBe(cacheKey(b));
    expect(cacheKey({ a: [1, 2] })).not.toBe(cacheKey({ a: [2, 1] }));
    expect(cacheKey({ a: "1" })).not.toBe(cacheKey({ a: 1 }));
    expect(cacheKey({ a: undefined, b: 1 })).toBe(cacheKey({ b: 1 }));
    // A key that looks like a canonical fragment cannot collide with structure.
    expect(cacheKey({ 'a":1,"b': 2 })).not.toBe(cacheKey({ a: 1, b: 2 }));
    const withSide = (body: object) => Object.assign({ model: "m", temperature: 0 }, { [RESPONSES_SIDE]: { native: { body } } });
    expect(cacheKey(withSide({ input: "x" }))).not.toBe(cacheKey(withSide({ input: "y" })));
    expect(cacheKey(withSide({ input: "x" }))).toBe(cacheKey(withSide({ input: "x" })));
    expect(cacheKey(withSide({ input: "x" }))).not.toBe(cacheKey({ model: "m", temperature: 0 }));
    expect(cacheKey(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  test("a 1 MB request's key costs milliseconds (measured: canonical JSON + SHA-256 vs wyhash)", () => {
    const big = { model: "openai/gpt-4o-mini", temperature: 0, messages: Array.from({ length: 1000 }, (_, i) => ({ role: i % 2 ? "assistant" : "user", content: `${i} `.padEnd(1000, "lorem ipsum ") })) };
    expect(JSON.stringify(big).length).toBeGreaterThan(1_000_000);
    const time = (fn: () => unknown) => {
      fn();
      const t = performance.now();
      for (let i = 0; i < 10; i++) fn();
      return (performance.now() - t) / 10;
    };
    const sha = time(() => cacheKey(big));
    const canonical = time(() => canonicalJson(big));
    const wy = time(() => Bun.hash.wyhash(canonicalJson(big)).toString(16));
    console.log(`key for a 1 MB request: ${sha.toFixed(2)} ms (canonical JSON ${canonical.toFixed(2)} ms; with wyhash instead of SHA-256 ${wy.toFixed(2)} ms)`);
    expect(sha).toBeLessThan(100);
    // Deep nesting is bounded by the body parser's own limits; a wide flat object is sorted once.
    const wide = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${(i * 7919) % 50_000}`, i]));
    expect(time(() => cacheKey(wide))).toBeLessThan(200);
  });
});

describe("policy", () => {
  test("what is cacheable", () => {
    const chat = chatCompletions.cacheable!;
    expect(chat({ temperature: 0 } as never)).toBe(true);
    expect(chat({ temperature: 0, stream: true } as never)).toBe(false);
    expect(chat({} as never)).toBe(false);
    expect(chat({ temperature: 0.2 } as never)).toBe(false);
    expect(chat({ temperature: "0" } as never)).toBe(false);
    expect(messages.cacheable!({ temperature: 0 } as never)).toBe(true);
    expect(embeddings.cacheable!({} as never)).toBe(true);
    expect(countTokens.cacheable).toBeUndefined();
    const req = (body: object) => Object.assign({ temperature: 0 }, { [RESPONSES_SIDE]: { native: { body } } }) as never;
    expect(responses.cacheable!(req({ store: false, temperature: 0 }))).toBe(true);
    expect(responses.cacheable!(req({ temperature: 0 }))).toBe(false);
    expect(responses.cacheable!(req({ store: false }))).toBe(false);
  });

  test("Cache-Control request directives", () => {
    expect(directives(null)).toEqual({ lookup: true, store: true });
    expect(directives("no-cache")).toEqual({ lookup: false, store: true });
    expect(directives("No-Store")).toEqual({ lookup: true, store: false });
    expect(directives("no-cache,no-store")).toEqual({ lookup: false, store: false });
    expect(directives("max-age=0")).toEqual({ lookup: false, store: true });
    expect(directives('max-age="0"')).toEqual({ lookup: false, store: true });
    for (const odd of ["", ",,,", "max-age=abc", "no-cachex", "x=no-cache", "max-age=00x", "\u00ff\u0000"]) expect(directives(odd)).toEqual({ lookup: true, store: true });
  });
});

describe("redis entry format", () => {
  test("round-trips client and internal text without escaping either; anything else reads as a miss", () => {
    for (const a of [answer('{"a":"é\\n\u2028"}'), answer("ab\ncd", '{"x":1}'), answer("", ""), { ...answer("x"), promptTokens: undefined, completionTokens: undefined }]) {
      expect(decode(encode(a))).toEqual(a);
    }
    const withHeaders = { ...answer("x"), headers: { "x-butter-dropped-tools": "web_search, mcp" } };
    expect(decode(encode(withHeaders))).toEqual(withHeaders);
    // Stored headers reach clients: a value with a line break, a bad name or a non-string is not a header, and reads as a miss.
    for (const h of [{ "x-a": "line\r\nbreak" }, { "Bad Name": "v" }, { "x-a": 5 }, ["x"], "text"]) {
      expect(decode(encode({ ...answer("x"), headers: h as never }))).toBeUndefined();
    }
    expect(encode(answer("BODY"))).toContain("\nBODY");
    for (const junk of ["", "no newline", "{not json}\nx", '{"p":"a","m":"b","c":99}\nshort', '{"p":1,"m":"b","c":1}\nx', "null\nx"]) expect(decode(junk)).toBeUndefined();
  });
});
