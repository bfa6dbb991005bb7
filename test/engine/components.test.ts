import { describe, expect, test } from "bun:test";
import { buildAlias, drawAlias } from "../../src/engine/alias.ts";
import { backoffDelay, retryAfterMs } from "../../src/engine/backoff.ts";
import { Circuits } from "../../src/engine/circuit.ts";
import { KEY_HEALTH, KeyPool } from "../../src/engine/keys.ts";
import { smoothRotation } from "../../src/engine/plan.ts";
import type { KeyConfig } from "../../src/config/schema.ts";
import { seeded } from "./harness.ts";

const key = (value: string, weight = 1, models?: string[]): KeyConfig =>
  ({ value, weight, models, access_key_id: "", secret_access_key: "", session_token: "", credentials_file: "", access_token: "" });

function histogram(n: number, draw: () => number): Map<number, number> {
  const h = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const k = draw();
    h.set(k, (h.get(k) ?? 0) + 1);
  }
  return h;
}

describe("alias table", () => {
  test("draws each index in proportion to its weight (seeded, N=200k, within 1.5% of the total)", () => {
    const weights = [1, 2, 3, 4, 0.5];
    const table = buildAlias(weights);
    const random = seeded(7);
    const N = 200_000;
    const h = histogram(N, () => drawAlias(table, random()));
    const sum = weights.reduce((a, b) => a + b, 0);
    weights.forEach((w, i) => expect(Math.abs((h.get(i) ?? 0) / N - w / sum)).toBeLessThan(0.015));
  });

  test("a single entry and equal weights", () => {
    expect(drawAlias(buildAlias([5]), 0.99)).toBe(0);
    const t = buildAlias([1, 1, 1, 1]);
    expect([0, 0.3, 0.6, 0.9].map((u) => drawAlias(t, u))).toEqual([0, 1, 2, 3]);
  });
});

describe("round-robin rotation", () => {
  test("equal weights alternate", () => {
    expect([...smoothRotation([1, 1, 1])]).toEqual([0, 1, 2]);
  });

  test("weights give exact shares per cycle, spread out", () => {
    const r = [...smoothRotation([5, 1, 1])];
    expect(r.length).toBe(7);
    expect(r.filter((i) => i === 0).length).toBe(5);
    expect(r).toEqual([0, 0, 1, 0, 2, 0, 0]);
    expect([...smoothRotation([2, 4])]).toEqual([1, 0, 1]); // gcd reduced
  });

  test("fractional weights and huge ratios stay bounded", () => {
    const r = [...smoothRotation([0.5, 1.5])];
    expect(r.filter((i) => i === 1).length / r.length).toBeCloseTo(0.75, 5);
    const big = smoothRotation([1, 100_000]);
    expect(big.length).toBeLessThanOrEqual(1001);
    expect(big.includes(0)).toBe(true);
  });
});

describe("backoff", () => {
  const policy = { initial: 100, max: 2000, multiplier: 2 };
  test("exponential with equal jitter: each wait in [base/2, base], capped at max", () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(policy, n, () => 0))).toEqual([50, 100, 200, 400, 800, 1000]);
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(policy, n, () => 0.999999))).toEqual([100, 200, 400, 800, 1600, 2000]);
    const random = seeded(1);
    for (let n = 1; n <= 10; n++) {
      const base = Math.min(100 * 2 ** (n - 1), 2000);
      for (let i = 0; i < 100; i++) {
        const d = backoffDelay(policy, n, random);
        expect(d).toBeGreaterThanOrEqual(base / 2);
        expect(d).toBeLessThanOrEqual(base);
      }
    }
  });

  test("Retry-After as seconds, HTTP date or retry-after-ms", () => {
    const now = Date.UTC(2030, 0, 1, 12, 0, 0);
    expect(retryAfterMs({ "retry-after": "3" }, now)).toBe(3000);
    expect(retryAfterMs({ "retry-after": "0.5" }, now)).toBe(500);
    expect(retryAfterMs({ "retry-after": new Date(now + 7000).toUTCString() }, now)).toBe(7000);
    expect(retryAfterMs({ "retry-after": new Date(now - 7000).toUTCString() }, now)).toBe(0);
    expect(retryAfterMs({ "retry-after-ms": "250", "retry-after": "9" }, now)).toBe(250);
    expect(retryAfterMs({ "retry-after": "soon" }, now)).toBeUndefined();
    expect(retryAfterMs({ "retry-after": "-1" }, now)).toBeUndefined();
    expect(retryAfterMs({}, now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});

describe("key pool", () => {
  test("weighted choice within bounds (seeded, N=100k)", () => {
    const pool = new KeyPool([key("a", 1), key("b", 3), key("c", 6)].map((k, index) => ({ key: k, index })));
    const cls = pool.classFor("any");
    const random = seeded(3);
    const N = 100_000;
    const h = histogram(N, () => cls.pick(0, random)!.index);
    expect(Math.abs(h.get(0)! / N - 0.1)).toBeLessThan(0.01);
    expect(Math.abs(h.get(1)! / N - 0.3)).toBeLessThan(0.01);
    expect(Math.abs(h.get(2)! / N - 0.6)).toBeLessThan(0.01);
  });

  test("allowlists: a key serves only the models it lists; keys without a list serve all", () => {
    const pool = new KeyPool([key("a", 1, ["m1"]), key("b", 1, ["m1", "m2"]), key("c", 1)].map((k, index) => ({ key: k, index })));
    expect(pool.classFor("m1").members.map((e) => e.key.value)).toEqual(["a", "b", "c"]);
    expect(pool.classFor("m2").members.map((e) => e.key.value)).toEqual(["b", "c"]);
    expect(pool.classFor("other").members.map((e) => e.key.value)).toEqual(["c"]);
    const only = new KeyPool([{ key: key("a", 1, ["m1"]), index: 0 }]);
    expect(only.classFor("m2").size).toBe(0);
  });

  test("skip set: a key that failed this request is avoided while another is left", () => {
    const pool = new KeyPool([key("a"), key("b")].map((k, index) => ({ key: k, index })));
    const cls = pool.classFor("m");
    const a = pool.entries[0]!;
    const random = seeded(9);
    for (let i = 0; i < 200; i++) expect(cls.pick(0, random, new Set([a]))!.key.value).toBe("b");
    expect(cls.pick(0, random, new Set(pool.entries))).toBeUndefined();
    expect(cls.pickAny(0, random)).toBeDefined();
  });

  test("a key that keeps failing cools down, doubling, and comes back; success resets", () => {
    const pool = new KeyPool([key("a"), key("b")].map((k, index) => ({ key: k, index })));
    const cls = pool.classFor("m");
    const [a] = pool.entries;
    const random = seeded(5);
    expect(a!.failed(0)).toBe(0);
    expect(a!.failed(0)).toBe(0);
    expect(a!.failed(0)).toBe(KEY_HEALTH.cooldownMs);
    for (let i = 0; i < 500; i++) expect(cls.pick(10, random)!.key.value).toBe("b");
    // Back after the cool-down.
    const t = KEY_HEALTH.cooldownMs + 1;
    const seen = histogram(500, () => cls.pick(t, random)!.index);
    expect(seen.get(0)).toBeGreaterThan(150);
    // One more failure right away: cooled again, twice as long.
    expect(a!.failed(t)).toBe(2 * KEY_HEALTH.cooldownMs);
    expect(a!.failed(t + 10)).toBe(Math.min(4 * KEY_HEALTH.cooldownMs, KEY_HEALTH.maxCooldownMs));
    a!.succeeded();
    expect(a!.failed(t + 20)).toBe(0);
  });

  test("every key cooling: still served rather than failing", () => {
    const pool = new KeyPool([{ key: key("a"), index: 0 }]);
    const [a] = pool.entries;
    for (let i = 0; i < KEY_HEALTH.failures; i++) a!.failed(0);
    expect(pool.classFor("m").pick(1, seeded(1))!.key.value).toBe("a");
  });
});

describe("circuits", () => {
  const policy = { failures: 3, cooldownMs: 1000 };
  test("opens after N consecutive failures, half-opens after the cool-down with one probe", () => {
    const c = new Circuits();
    expect(c.status("t", 0)).toBe("closed");
    expect(c.failure("t", 0, policy)).toBe(false);
    expect(c.failure("t", 1, policy)).toBe(false);
    expect(c.status("t", 2)).toBe("closed");
    expect(c.failure("t", 2, policy)).toBe(true);
    expect(c.status("t", 3)).toBe("open");
    expect(c.status("t", 1001)).toBe("open");
    expect(c.status("t", 1002)).toBe("probe");
    c.claim("t");
    expect(c.status("t", 1003)).toBe("open"); // one probe at a time
    // The probe fails: open again for a full cool-down.
    expect(c.failure("t", 1010, policy)).toBe(false);
    expect(c.status("t", 2009)).toBe("open");
    expect(c.status("t", 2010)).toBe("probe");
    c.claim("t");
    c.success("t");
    expect(c.status("t", 2011)).toBe("closed");
    expect(c.size).toBe(0);
  });

  test("a success in between resets the count; a released probe frees the slot", () => {
    const c = new Circuits();
    c.failure("t", 0, policy);
    c.failure("t", 0, policy);
    c.success("t");
    expect(c.failure("t", 0, policy)).toBe(false);
    c.failure("t", 0, policy);
    c.failure("t", 0, policy);
    c.claim("t");
    c.release("t");
    expect(c.status("t", 5000)).toBe("probe");
  });
});
