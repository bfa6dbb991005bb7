import { describe, expect, test } from "bun:test";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../../src/server/json-depth.ts";

const arrays = (n: number) => "[".repeat(n) + "]".repeat(n);
const objects = (n: number) => '{"a":'.repeat(n) + "1" + "}".repeat(n);

/** The depth JSON.parse sees, for comparison. */
function depthOf(value: unknown): number {
  if (value === null || typeof value !== "object") return 0;
  let inner = 0;
  for (const v of Object.values(value)) inner = Math.max(inner, depthOf(v));
  return 1 + inner;
}

describe("nestsDeeperThan", () => {
  test("exactly at the limit passes, one deeper does not (arrays, objects, mixed)", () => {
    expect(nestsDeeperThan(arrays(10), 10)).toBe(false);
    expect(nestsDeeperThan(arrays(11), 10)).toBe(true);
    expect(nestsDeeperThan(objects(10), 10)).toBe(false);
    expect(nestsDeeperThan(objects(11), 10)).toBe(true);
    const mixed = '{"a":[{"b":[' + "1" + "]}]}";
    expect(depthOf(JSON.parse(mixed))).toBe(4);
    expect(nestsDeeperThan(mixed, 3)).toBe(true);
    expect(nestsDeeperThan(mixed, 4)).toBe(false);
  });

  test("many brackets side by side are not depth", () => {
    const wide = "[" + Array.from({ length: 5000 }, () => '[{"a":[]}]').join(",") + "]";
    expect(nestsDeeperThan(wide, 4)).toBe(false);
    expect(nestsDeeperThan(wide, 3)).toBe(true);
  });

  test("brackets inside strings, escaped quotes and backslashes do not count", () => {
    const inString = JSON.stringify({ a: "[".repeat(500) + '\\"' + "{".repeat(500), b: ['"', "\\", '\\"[[[['] });
    expect(depthOf(JSON.parse(inString))).toBe(2);
    expect(nestsDeeperThan(inString, 2)).toBe(false);
    expect(nestsDeeperThan(inString, 1)).toBe(true);
    // a string ending in an escaped backslash closes; the brackets after it are structure
    const afterBackslash = '["\\\\",' + arrays(5) + "]";
    expect(depthOf(JSON.parse(afterBackslash))).toBe(6);
    expect(nestsDeeperThan(afterBackslash, 5)).toBe(true);
  });

  test("not JSON at all: an unterminated string or stray closers do not throw", () => {
    expect(nestsDeeperThan('["' + "[".repeat(300), 100)).toBe(false);
    expect(nestsDeeperThan("]]]]" + arrays(50), 40)).toBe(true);
  });

  test("agrees with JSON.parse on generated bodies", () => {
    let seed = 7;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const gen = (depth: number): unknown => {
      if (depth === 0 || rand(4) === 0) return ["s[{\"", 1, null, "\\", "]}"][rand(5)];
      return rand(2) === 0 ? Array.from({ length: rand(3) + 1 }, () => gen(depth - 1)) : { k: gen(depth - 1), "[": gen(depth - 1) };
    };
    for (let i = 0; i < 300; i++) {
      const value = gen(rand(30));
      const text = JSON.stringify(value);
      const depth = depthOf(value);
      expect(nestsDeeperThan(text, depth)).toBe(false);
      if (depth > 0) expect(nestsDeeperThan(text, depth - 1)).toBe(true);
    }
  });

  test("the limit leaves room for real tool schemas, and 30k levels are refused at once (the scan stops at the limit)", () => {
    expect(MAX_JSON_DEPTH).toBe(64);
    const started = performance.now();
    for (let i = 0; i < 10; i++) expect(nestsDeeperThan(arrays(30_000), MAX_JSON_DEPTH)).toBe(true);
    expect((performance.now() - started) / 10).toBeLessThan(5);
  });
});
