// Token-bucket math with an injected clock, the memory stores' bounds, client IPs, config errors.
import * as v from "valibot";
import { describe, expect, test } from "bun:test";
import { ConfigError } from "../../src/config/load.ts";
import { fullBucket, take } from "../../src/plugins/builtin/ratelimit/bucket.ts";
import { clientKey } from "../../src/plugins/builtin/ratelimit/client-ip.ts";
import { createRatelimit, factory, ratelimitConfig } from "../../src/plugins/builtin/ratelimit/index.ts";
import { GlobalStore, MemoryStore } from "../../src/plugins/builtin/ratelimit/memory-store.ts";
import { createTelemetry } from "../../src/observability/telemetry.ts";
import type { HookResult, HttpRequestPayload, PluginResponse } from "../../src/plugins/types.ts";

const limits = { rate: 2, burst: 3 };

describe("token bucket", () => {
  test("a full bucket allows `burst` requests at once, then refuses until a token refills", () => {
    const s = fullBucket(limits, 0);
    expect([1, 2, 3].map(() => take(s, 0, limits).allowed)).toEqual([true, true, true]);
    const refused = take(s, 0, limits);
    expect(refused).toEqual({ allowed: false, remaining: 0, retryAfterMs: 500, resetMs: 1500 });
    expect(take(s, 499, limits).allowed).toBe(false);
    expect(take(s, 500, limits).allowed).toBe(true);
  });

  test("refill is proportional to elapsed time and capped at burst; fractional rates work", () => {
    const slow = { rate: 0.5, burst: 1 };
    const s = fullBucket(slow, 0);
    expect(take(s, 0, slow).allowed).toBe(true);
    const r = take(s, 1000, slow);
    expect(r.allowed).toBe(false);
    expect(r.retryAfterMs).toBeCloseTo(1000);
    expect(take(s, 2000, slow).allowed).toBe(true);
    const t = fullBucket(limits, 0);
    take(t, 0, limits);
    expect(take(t, 1_000_000, limits).remaining).toBe(2); // refilled to 3, took 1
  });

  test("remaining and reset count down as tokens go", () => {
    const s = fullBucket(limits, 0);
    const a = take(s, 0, limits);
    expect([a.remaining, a.resetMs]).toEqual([2, 500]);
    const b = take(s, 0, limits);
    expect([b.remaining, b.resetMs]).toEqual([1, 1000]);
  });
});

describe("memory stores", () => {
  test("global: one bucket for every key", () => {
    let now = 0;
    const g = new GlobalStore(limits, () => now);
    expect([g.take(), g.take(), g.take(), g.take()].map((v) => v.allowed)).toEqual([true, true, true, false]);
    now = 500;
    expect(g.take().allowed).toBe(true);
  });

  test("per key: each key its own bucket", () => {
    const m = new MemoryStore(limits, 100, () => 0);
    for (let i = 0; i < 3; i++) m.take("a");
    expect(m.take("a").allowed).toBe(false);
    expect(m.take("b").allowed).toBe(true);
  });

  test("an IP flood keeps at most max_keys buckets, evicting the least recently used", () => {
    let now = 0;
    const m = new MemoryStore(limits, 1000, () => now);
    for (let i = 0; i < 3; i++) m.take("hot");
    for (let i = 0; i < 200_000; i++) {
      now += 0.001;
      if (i % 500 === 0) m.take("hot"); // kept recent: survives the flood
      m.take(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
      expect(m.size).toBeLessThanOrEqual(1000);
    }
    expect(m.size).toBe(1000);
    expect(m.take("hot").allowed).toBe(false); // still the same drained bucket, not a fresh one
  });

  test("memory stays bounded: a million distinct IPs grow the heap by a few MB at most", () => {
    const m = new MemoryStore(limits, 10_000, () => 0);
    Bun.gc(true);
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 1_000_000; i++) m.take(`ip-${i}`);
    Bun.gc(true);
    const grown = process.memoryUsage().heapUsed - before;
    expect(m.size).toBe(10_000);
    expect(grown).toBeLessThan(8 * 1024 * 1024);
  });

  test("idle buckets that have refilled are dropped as new keys arrive", () => {
    let now = 0;
    const m = new MemoryStore(limits, 1000, () => now);
    for (let i = 0; i < 100; i++) m.take(`old-${i}`);
    now = 10_000; // long enough for every old bucket to be full again
    for (let i = 0; i < 100; i++) m.take(`new-${i}`);
    expect(m.size).toBeLessThan(110);
  });
});

describe("client ip", () => {
  test("the socket address unless trust_proxy; X-Forwarded-For left-most (true) or n hops from the right", () => {
    expect(clientKey("10.0.0.1", "1.1.1.1", false)).toBe("10.0.0.1");
    expect(clientKey("10.0.0.1", "1.1.1.1, 2.2.2.2", true)).toBe("1.1.1.1");
    expect(clientKey("10.0.0.1", "6.6.6.6, 1.1.1.1, 2.2.2.2", 1)).toBe("2.2.2.2");
    expect(clientKey("10.0.0.1", "6.6.6.6, 1.1.1.1, 2.2.2.2", 2)).toBe("1.1.1.1");
    expect(clientKey("10.0.0.1", undefined, true)).toBe("10.0.0.1");
    expect(clientKey(undefined, undefined, false)).toBe("unknown");
  });
});

describe("plugin", () => {
  const payload = (ip: string, xff?: string): HttpRequestPayload => ({
    request_id: "r", method: "POST", path: "/v1/chat/completions", headers: xff ? { "x-forwarded-for": xff } : {}, client_ip: ip,
  });

  test("allowed requests carry x-ratelimit-* headers; a refusal is a 429 envelope with Retry-After", () => {
    let now = 0;
    const p = createRatelimit(v.parse(ratelimitConfig, { mode: "per-ip", rate: 0.5, burst: 2 }), "", { now: () => now });
    const a = p.preHttp!(payload("1.1.1.1")) as HookResult<HttpRequestPayload>;
    expect(a.headers).toEqual({ "x-ratelimit-limit": "2", "x-ratelimit-remaining": "1", "x-ratelimit-reset": "2" });
    p.preHttp!(payload("1.1.1.1"));
    const refused = (p.preHttp!(payload("1.1.1.1")) as HookResult<HttpRequestPayload>).respond as PluginResponse;
    expect(refused.status).toBe(429);
    expect(refused.kind).toBe("rate_limited");
    expect(refused.headers).toEqual({ "x-ratelimit-limit": "2", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "4", "retry-after": "2" });
    expect(refused.error).toMatchObject({ type: "rate_limit_error", code: "rate_limit_exceeded" });
    // another client has its own bucket; the first refills after 2 s
    expect((p.preHttp!(payload("2.2.2.2")) as HookResult<HttpRequestPayload>).respond).toBeUndefined();
    now = 2000;
    expect((p.preHttp!(payload("1.1.1.1")) as HookResult<HttpRequestPayload>).respond).toBeUndefined();
  });

  test("X-Forwarded-For is ignored unless trust_proxy", () => {
    const p = createRatelimit(v.parse(ratelimitConfig, { mode: "per-ip", rate: 1, burst: 1 }), "", { now: () => 0 });
    p.preHttp!(payload("9.9.9.9", "1.1.1.1"));
    expect((p.preHttp!(payload("9.9.9.9", "2.2.2.2")) as HookResult<HttpRequestPayload>).respond?.status).toBe(429);
    const q = createRatelimit(v.parse(ratelimitConfig, { mode: "per-ip", rate: 1, burst: 1, trust_proxy: true }), "", { now: () => 0 });
    q.preHttp!(payload("9.9.9.9", "1.1.1.1"));
    expect((q.preHttp!(payload("9.9.9.9", "2.2.2.2")) as HookResult<HttpRequestPayload>).respond).toBeUndefined();
  });

  test("config errors name the failing path", async () => {
    const env = { path: "plugins[0]", telemetry: createTelemetry(), redisUrl: "" };
    const message = async (config: Record<string, unknown>) => {
      try {
        await factory.create(config, env);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      return "no error";
    };
    expect(await message({ rate: -1 })).toBe("plugins[0].config.rate: expected a positive number");
    expect(await message({ rate: "fast" })).toBe("plugins[0].config.rate: expected a positive number");
    expect(await message({ rate: 1, mode: "per-user" })).toBe('plugins[0].config.mode: expected "global" or "per-ip"');
    expect(await message({ rate: 1, burst: 0.5 })).toBe("plugins[0].config.burst: expected a number ≥ 1");
    expect(await message({ rate: 1, rat: 2 })).toBe('plugins[0].config: unknown field(s) "rat"');
    expect(await message({})).toContain("plugins[0].config.rate:");
  });
});
