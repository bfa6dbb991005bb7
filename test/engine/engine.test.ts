import { describe, expect, test } from "bun:test";
import { errors, GatewayError } from "../../src/core/errors.ts";
import { KEY_HEALTH } from "../../src/engine/keys.ts";
import { chunk, collect, fail, FakeClock, harness, ok, seeded, streamOf, type Call } from "./harness.ts";

const FAST = { backoff: { initial: "100ms", max: "2s", multiplier: 2 } };

/** Two providers `a` and `b`, one key each, and the route `r` over them. */
const twoTargets = (strategy: "priority" | "round-robin" = "priority", failover: Record<string, unknown> = FAST, weights: [number, number] = [1, 1]) => ({
  providers: { a: { keys: [{ value: "key-a-000" }] }, b: { keys: [{ value: "key-b-000" }] } },
  routes: { r: { strategy, targets: [{ provider: "a", model: "ma", weight: weights[0] }, { provider: "b", model: "mb", weight: weights[1] }] } },
  failover,
});

const byProvider = (calls: Call[]) => calls.map((c) => c.provider);

describe("routing strategies", () => {
  test("priority: the first target serves while it is healthy", async () => {
    const h = harness(twoTargets());
    for (let i = 0; i < 5; i++) {
      const out = await h.chat("r");
      expect(out.provider).toBe("a");
      expect(out.model).toBe("ma");
      expect(out.attempts).toBe(1);
    }
    expect(byProvider(h.calls)).toEqual(["a", "a", "a", "a", "a"]);
  });

  test("priority: failover to the next target on a listed status", async () => {
    const h = harness(twoTargets(), (c) => (c.provider === "a" ? fail(c, 503) : ok(c)));
    const out = await h.chat("r");
    expect(out).toMatchObject({ provider: "b", model: "mb", attempts: 2 });
    expect(byProvider(h.calls)).toEqual(["a", "b"]);
  });

  test("round-robin: equal weights alternate; weights 3:1 give exact shares", async () => {
    const h = harness(twoTargets("round-robin"));
    for (let i = 0; i < 10; i++) await h.chat("r");
    expect(byProvider(h.calls)).toEqual(["a", "b", "a", "b", "a", "b", "a", "b", "a", "b"]);

    const w = harness(twoTargets("round-robin", FAST, [3, 1]));
    const counts = { a: 0, b: 0 };
    for (let i = 0; i < 400; i++) counts[(await w.chat("r")).provider as "a" | "b"]++;
    expect(counts).toEqual({ a: 300, b: 100 });
  });

  test("round-robin: a failed attempt moves to the next target in rotation", async () => {
    const h = harness(twoTargets("round-robin"), (c) => (c.provider === "b" ? fail(c, 500) : ok(c)));
    await h.chat("r"); // a
    const out = await h.chat("r"); // b fails → a
    expect(out).toMatchObject({ provider: "a", attempts: 2 });
    expect(byProvider(h.calls)).toEqual(["a", "b", "a"]);
  });

  test("a plain provider/model is a route of one that retries itself", async () => {
    let n = 0;
    const h = harness(twoTargets(), (c) => (n++ < 2 ? fail(c, 502) : ok(c)));
    const out = await h.chat("a/some-model");
    expect(out).toMatchObject({ provider: "a", model: "some-model", attempts: 3 });
    expect(h.calls.map((c) => c.model)).toEqual(["some-model", "some-model", "some-model"]);
  });

  test("unknown provider or bad name → model_not_found", async () => {
    const h = harness(twoTargets());
    expect((await h.chatError("nope/x")).kind).toBe("model_not_found");
    expect((await h.chatError("plain")).kind).toBe("model_not_found");
  });
});

describe("retries", () => {
  for (const status of [429, 500, 502, 503, 504]) {
    test(`listed status ${status} is retried`, async () => {
      let n = 0;
      const h = harness(twoTargets(), (c) => (n++ === 0 ? fail(c, status) : ok(c)));
      expect((await h.chat("a/m")).attempts).toBe(2);
    });
  }

  for (const status of [400, 401, 403, 404, 409, 422]) {
    test(`unlisted status ${status} fails fast with the upstream's status`, async () => {
      const h = harness(twoTargets(), (c) => fail(c, status));
      const err = await h.chatError("a/m");
      expect(err.status).toBe(status);
      expect(h.calls.length).toBe(1);
    });
  }

  test("retry_on is configurable", async () => {
    const h = harness(twoTargets("priority", { ...FAST, retry_on: [409] }), (c) => (c.provider === "a" ? fail(c, 409) : ok(c)));
    expect((await h.chat("r")).attempts).toBe(2);
    const h2 = harness(twoTargets("priority", { ...FAST, retry_on: [409] }), (c) => fail(c, 503));
    expect((await h2.chatError("r")).status).toBe(503);
    expect(h2.calls.length).toBe(1);
  });

  test("network errors, attempt timeouts and garbage bodies are retried", async () => {
    for (const make of [
      (p: string) => errors.upstreamUnreachable(p, new Error("ECONNREFUSED")),
      (p: string) => errors.upstreamTimeout(p, 10),
      (p: string) => errors.upstreamBadResponse(p, "the body was not valid JSON"),
    ]) {
      const h = harness(twoTargets(), (c) => {
        if (c.provider === "a") throw make(c.provider);
        return ok(c);
      });
      expect(await h.chat("r")).toMatchObject({ provider: "b", attempts: 2 });
    }
  });

  test("max_attempts counts every attempt; the last upstream error keeps its status (429 stays 429)", async () => {
    const h = harness(twoTargets("priority", { ...FAST, max_attempts: 4 }), (c) => fail(c, 429, { "retry-after": "0" }));
    const err = await h.chatError("r");
    expect(err.status).toBe(429);
    expect(err.headers?.["retry-after"]).toBe("0");
    expect(byProvider(h.calls)).toEqual(["a", "b", "a", "b"]);
  });

  test("max_attempts: 1 never retries", async () => {
    const h = harness(twoTargets("priority", { max_attempts: 1 }), (c) => fail(c, 503));
    expect((await h.chatError("r")).status).toBe(503);
    expect(h.calls.length).toBe(1);
  });

  test("backoff: waits grow by the multiplier within their jitter bounds and are capped", async () => {
    const failover = { max_attempts: 7, backoff: { initial: "100ms", max: "1s", multiplier: 3 } };
    for (const [random, expected] of [
      [() => 0, [50, 150, 450, 500, 500, 500]],
      [() => 0.999999, [100, 300, 900, 1000, 1000, 1000]],
    ] as const) {
      const clock = new FakeClock();
      const h = harness(twoTargets("priority", failover), (c) => fail(c, 503), { clock, random });
      await h.chatError("a/m");
      expect(clock.sleeps).toEqual([...expected]);
    }
    const clock = new FakeClock();
    const h = harness(twoTargets("priority", failover), (c) => fail(c, 503), { clock, random: seeded(11) });
    await h.chatError("a/m");
    clock.sleeps.forEach((ms, i) => {
      const base = Math.min(100 * 3 ** i, 1000);
      expect(ms).toBeGreaterThanOrEqual(base / 2);
      expect(ms).toBeLessThanOrEqual(base);
    });
  });

  test("Retry-After (seconds or HTTP date) is honoured when the retry goes back to the same upstream", async () => {
    const clock = new FakeClock();
    let n = 0;
    const h = harness(twoTargets(), (c) => (n++ === 0 ? fail(c, 429, { "retry-after": "3" }) : ok(c)), { clock });
    expect((await h.chat("a/m")).attempts).toBe(2);
    expect(clock.sleeps).toEqual([3000]);

    const clock2 = new FakeClock();
    let m = 0;
    const date = new Date(clock2.wall() + 5000).toUTCString();
    const h2 = harness(twoTargets(), (c) => (m++ === 0 ? fail(c, 503, { "retry-after": date }) : ok(c)), { clock: clock2 });
    await h2.chat("a/m");
    expect(clock2.sleeps[0]).toBeGreaterThanOrEqual(4000);
    expect(clock2.sleeps[0]).toBeLessThanOrEqual(5000);
  });

  test("Retry-After does not hold back a retry that goes to another target", async () => {
    const clock = new FakeClock();
    const h = harness(twoTargets(), (c) => (c.provider === "a" ? fail(c, 429, { "retry-after": "20" }) : ok(c)), { clock, random: () => 0 });
    expect((await h.chat("r")).provider).toBe("b");
    expect(clock.sleeps).toEqual([50]);
  });

  test("a Retry-After longer than the cap (30 s) is answered at once, not waited for", async () => {
    const clock = new FakeClock();
    const h = harness(twoTargets(), (c) => fail(c, 429, { "retry-after": "120" }), { clock });
    const err = await h.chatError("a/m");
    expect(err.status).toBe(429);
    expect(err.headers?.["retry-after"]).toBe("120");
    expect(h.calls.length).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  test("the overall deadline stops retries whose wait would cross it", async () => {
    const clock = new FakeClock();
    const h = harness(twoTargets("priority", { max_attempts: 10, deadline: "1s", backoff: { initial: "400ms", max: "400ms", multiplier: 1 } }), (c) => fail(c, 503), {
      clock, random: () => 0.999999,
    });
    expect((await h.chatError("a/m")).status).toBe(503);
    expect(clock.sleeps).toEqual([400, 400]); // a third wait would end at 1200 ms > 1 s
    expect(h.calls.length).toBe(3);
  });

  test("the client leaving cancels a pending backoff wait: no further attempt", async () => {
    const clock = new FakeClock();
    clock.hold = true;
    const h = harness(twoTargets(), (c) => fail(c, 503), { clock });
    const client = new AbortController();
    const pending = h.chat("r", { signal: client.signal });
    while (clock.sleeps.length === 0) await Bun.sleep(1);
    client.abort();
    const err = await pending.then(() => undefined, (e: GatewayError) => e);
    expect(err?.kind).toBe("client_closed");
    await Bun.sleep(5);
    expect(h.calls.length).toBe(1);
  });

  test("the client leaving aborts the attempt in flight", async () => {
    const h = harness(twoTargets(), (c) => new Promise((_r, reject) => c.signal.addEventListener("abort", () => reject(c.signal.reason))));
    const client = new AbortController();
    const pending = h.chat("r", { signal: client.signal });
    await Bun.sleep(1);
    client.abort();
    const err = await pending.then(() => undefined, (e: GatewayError) => e);
    expect(err?.kind).toBe("client_closed");
    expect(h.calls.length).toBe(1);
    expect(h.calls[0]!.signal.aborted).toBe(true);
  });

  test("non-upstream errors (an adapter bug) are not retried", async () => {
    const h = harness(twoTargets(), () => {
      throw new TypeError("bug");
    });
    expect((await h.chatError("r")).kind).toBe("internal");
    expect(h.calls.length).toBe(1);
  });
});

describe("keys", () => {
  const keysConfig = (keys: Array<Record<string, unknown>>, failover: Record<string, unknown> = FAST) => ({ providers: { p: { keys } }, failover });

  test("weighted random choice among a provider's keys (N=4000, within 5σ)", async () => {
    const h = harness(keysConfig([{ value: "k1", weight: 1 }, { value: "k2", weight: 3 }]), ok, { random: seeded(123) });
    for (let i = 0; i < 4000; i++) await h.chat("p/m");
    const k2 = h.calls.filter((c) => c.keyValue === "k2").length;
    // Binomial(4000, 0.75): σ ≈ 27.
    expect(Math.abs(k2 - 3000)).toBeLessThan(140);
  });

  test("allowlists: a key serves only the models it lists", async () => {
    const h = harness(keysConfig([{ value: "only-m1", models: ["m1"] }, { value: "all" }]), ok, { random: seeded(1) });
    for (let i = 0; i < 200; i++) await h.chat("p/m2");
    expect(new Set(h.calls.map((c) => c.keyValue))).toEqual(new Set(["all"]));
    h.calls.length = 0;
    for (let i = 0; i < 200; i++) await h.chat("p/m1");
    expect(new Set(h.calls.map((c) => c.keyValue))).toEqual(new Set(["only-m1", "all"]));
  });

  test("no key admits the model → 401 missing_provider_key", async () => {
    const h = harness(keysConfig([{ value: "only-m1", models: ["m1"] }]));
    const err = await h.chatError("p/m2");
    expect(err.status).toBe(401);
    expect(err.code).toBe("missing_provider_key");
    expect(h.calls.length).toBe(0);
  });

  test("a route skips targets that have no usable key", async () => {
    const h = harness({
      providers: { empty: { keys: [{ value: "" }] }, b: { keys: [{ value: "kb" }] } },
      routes: { r: { targets: [{ provider: "empty", model: "x" }, { provider: "b", model: "y" }] } },
    });
    expect(await h.chat("r")).toMatchObject({ provider: "b", attempts: 1 });
  });

  test("429: the key is skipped for the rest of the request while another is left", async () => {
    const h = harness(keysConfig([{ value: "k1" }, { value: "k2" }]), (c) => (c.keyValue === "k1" ? fail(c, 429) : ok(c)), { random: () => 0 });
    const out = await h.chat("p/m");
    expect(out.attempts).toBe(2);
    expect(h.calls.map((c) => c.keyValue)).toEqual(["k1", "k2"]);
  });

  test("429 with no other key: the same key is retried after backoff", async () => {
    let n = 0;
    const clock = new FakeClock();
    const h = harness(keysConfig([{ value: "k1" }]), (c) => (n++ === 0 ? fail(c, 429) : ok(c)), { clock });
    expect((await h.chat("p/m")).attempts).toBe(2);
    expect(h.calls.map((c) => c.keyValue)).toEqual(["k1", "k1"]);
    expect(clock.sleeps.length).toBe(1);
  });

  test("401 (not in retry_on): rotates to another key, fails fast when none is left", async () => {
    const h = harness(keysConfig([{ value: "bad" }, { value: "good" }]), (c) => (c.keyValue === "bad" ? fail(c, 401) : ok(c)), { random: () => 0 });
    expect((await h.chat("p/m")).attempts).toBe(2);
    expect(h.calls.map((c) => c.keyValue)).toEqual(["bad", "good"]);

    const one = harness(keysConfig([{ value: "bad" }]), (c) => fail(c, 401));
    expect((await one.chatError("p/m")).status).toBe(401);
    expect(one.calls.length).toBe(1);

    const all = harness(keysConfig([{ value: "bad1" }, { value: "bad2" }], { ...FAST, max_attempts: 5 }), (c) => fail(c, 401));
    expect((await all.chatError("p/m")).status).toBe(401);
    expect(all.calls.map((c) => c.keyValue).sort()).toEqual(["bad1", "bad2"]);
  });

  test(`a key failing ${KEY_HEALTH.failures} times in a row cools down for ${KEY_HEALTH.cooldownMs / 1000} s, then comes back`, async () => {
    const clock = new FakeClock();
    const h = harness(keysConfig([{ value: "k1" }, { value: "k2" }], { ...FAST, max_attempts: 1 }), (c) => (c.keyValue === "k1" ? fail(c, 429) : ok(c)), {
      clock, random: seeded(8),
    });
    let k1Failures = 0;
    while (k1Failures < KEY_HEALTH.failures) {
      try {
        await h.chat("p/m");
      } catch {
        k1Failures++;
      }
    }
    h.calls.length = 0;
    for (let i = 0; i < 100; i++) await h.chat("p/m");
    expect(h.calls.every((c) => c.keyValue === "k2")).toBe(true);
    clock.advance(KEY_HEALTH.cooldownMs);
    h.setBehaviour(ok);
    h.calls.length = 0;
    for (let i = 0; i < 100; i++) await h.chat("p/m");
    expect(h.calls.some((c) => c.keyValue === "k1")).toBe(true);
  });

  test("401 (not in retry_on) on a route: another key of the same target, never the next target; passthrough fails fast", async () => {
    // The target's only key is refused: the 401 is the answer, the route's next target is not tried.
    const h = harness(twoTargets(), (c) => (c.provider === "a" ? fail(c, 401) : ok(c)));
    expect((await h.chatError("r")).status).toBe(401);
    expect(byProvider(h.calls)).toEqual(["a"]);
    // A second key of the same target is tried; when it is refused too, the 401 is the answer.
    const twoKeys = { ...twoTargets(), providers: { a: { keys: [{ value: "key-a-111" }, { value: "key-a-222" }] }, b: { keys: [{ value: "key-b-000" }] } } };
    const k = harness(twoKeys, (c) => (c.provider === "a" ? fail(c, 401) : ok(c)));
    expect((await k.chatError("r")).status).toBe(401);
    expect(k.calls.map((c) => c.keyValue).sort()).toEqual(["key-a-111", "key-a-222"]);
    const k2 = harness(twoKeys, (c) => (c.keyValue === "key-a-111" ? fail(c, 401) : ok(c)), { random: () => 0 });
    expect(await k2.chat("r")).toMatchObject({ provider: "a", attempts: 2 });
    // 429 is in retry_on: that one does move on to the next target.
    const rl = harness(twoTargets(), (c) => (c.provider === "a" ? fail(c, 429) : ok(c)));
    expect(await rl.chat("r")).toMatchObject({ provider: "b", attempts: 2 });
    const pt = harness(
      { providers: { p: { credential_mode: "passthrough" }, q: { keys: [{ value: "kq" }] } }, routes: { r: { targets: [{ provider: "p", model: "m" }, { provider: "q", model: "m" }] } } },
      (c) => (c.provider === "p" ? fail(c, 401) : ok(c)),
    );
    expect((await pt.chatError("r")).status).toBe(401);
    expect(pt.calls.length).toBe(1);
  });

  test("passthrough: the client's headers are the auth and no stored key is used", async () => {
    const h = harness({ providers: { p: { credential_mode: "passthrough", keys: [{ value: "stored-secret" }] } } });
    const headers = { authorization: "Bearer client-key", "x-api-key": "client-x" };
    await h.chat("p/m", { headers });
    expect(h.calls[0]!.auth).toEqual({ mode: "passthrough", headers });
    // Passthrough needs no stored key at all.
    const none = harness({ providers: { p: { credential_mode: "passthrough" } } });
    expect((await none.chat("p/m", { headers })).attempts).toBe(1);
  });

  test("a stored key echoed in an upstream error is redacted", async () => {
    const h = harness(keysConfig([{ value: "sk-secret-123456" }]), (c) => fail(c, 401, undefined, `Incorrect API key provided: ${c.keyValue}`));
    const err = await h.chatError("p/m");
    expect(err.message).not.toContain("sk-secret-123456");
    expect(err.message).toContain("[redacted]");
    expect(err.status).toBe(401);
  });
});

describe("circuit breaker", () => {
  const circuit = (failures: number) => ({ ...FAST, max_attempts: 2, circuit: { failures, cooldown: "10s" } });

  test("a target that fails repeatedly is skipped for the cool-down, then probed again", async () => {
    const clock = new FakeClock();
    let aDown = true;
    const h = harness(twoTargets("priority", circuit(2)), (c) => (c.provider === "a" && aDown ? fail(c, 503) : ok(c)), { clock });
    await h.chat("r");
    await h.chat("r");
    expect(byProvider(h.calls)).toEqual(["a", "b", "a", "b"]);
    h.calls.length = 0;
    // Open: requests go straight to b.
    for (let i = 0; i < 3; i++) expect(await h.chat("r")).toMatchObject({ provider: "b", attempts: 1 });
    expect(byProvider(h.calls)).toEqual(["b", "b", "b"]);
    // After the cool-down a probes again, and closes on success.
    clock.advance(10_000);
    aDown = false;
    h.calls.length = 0;
    expect(await h.chat("r")).toMatchObject({ provider: "a", attempts: 1 });
    expect(await h.chat("r")).toMatchObject({ provider: "a", attempts: 1 });
  });

  test("a failed probe re-opens the circuit for another cool-down", async () => {
    const clock = new FakeClock();
    const h = harness(twoTargets("priority", circuit(1)), (c) => (c.provider === "a" ? fail(c, 503) : ok(c)), { clock });
    await h.chat("r");
    clock.advance(10_000);
    h.calls.length = 0;
    await h.chat("r"); // probe a: fails → b
    await h.chat("r"); // open again → b
    expect(byProvider(h.calls)).toEqual(["a", "b", "b"]);
  });

  test("when every target is open, the one that opened first is tried", async () => {
    const clock = new FakeClock();
    let up: string | undefined;
    const h = harness(twoTargets("priority", { ...circuit(1), max_attempts: 1 }), (c) => (c.provider === up ? ok(c) : fail(c, 503)), { clock });
    await h.chatError("r"); // a fails, opens at t
    clock.advance(1);
    await h.chatError("b/mb"); // b fails, opens at t+1
    h.calls.length = 0;
    up = "a";
    expect(await h.chat("r")).toMatchObject({ provider: "a", attempts: 1 });
    // A route of one with an open circuit is still tried.
    expect(await h.chat("b/mb").catch((e: GatewayError) => e.status)).toBe(503);
  });

  test("round-robin skips a target whose circuit is open; one probe at a time when half-open", async () => {
    const clock = new FakeClock();
    const h = harness(twoTargets("round-robin", circuit(1)), (c) => (c.provider === "a" ? fail(c, 503) : ok(c)), { clock });
    await h.chat("r"); // a fails (opens), b answers
    h.calls.length = 0;
    for (let i = 0; i < 4; i++) expect(await h.chat("r")).toMatchObject({ provider: "b", attempts: 1 });
    clock.advance(10_000);
    h.setBehaviour((c) => (c.provider === "a" ? new Promise<never>(() => {}) : ok(c)));
    h.calls.length = 0;
    // The rotation starts these at b, a, b, a: the first to start at a probes it (and hangs), the second goes to b.
    for (let i = 0; i < 4; i++) void h.chat("r").catch(() => {});
    await Bun.sleep(1);
    expect(byProvider(h.calls).sort()).toEqual(["a", "b", "b", "b"]);
  });

  test("non-retryable answers (400) do not open a circuit", async () => {
    const h = harness(twoTargets("priority", circuit(1)), (c) => fail(c, 400));
    for (let i = 0; i < 3; i++) await h.chatError("r");
    expect(byProvider(h.calls)).toEqual(["a", "a", "a"]);
  });
});

describe("streaming", () => {
  test("a stream that fails before its first event is retried on the next target", async () => {
    const h = harness(twoTargets(), (c) =>
      c.provider === "a" ? streamOf([{ type: "error", error: errors.streamInterrupted("a", "reset") }]) : streamOf([chunk("hi"), chunk("!", "stop")]),
    );
    const out = await h.chat("r", { stream: true });
    expect(out).toMatchObject({ provider: "b", attempts: 2 });
    const events = await collect(out.value);
    expect(events.map((e) => e.type)).toEqual(["chunk", "chunk"]);
  });

  test("an iterator that throws before the first event, or ends empty, is retried too", async () => {
    for (const first of [[new Error("ECONNRESET")], []]) {
      const h = harness(twoTargets(), (c) => (c.provider === "a" ? streamOf(first) : streamOf([chunk("ok", "stop")])));
      expect(await h.chat("r", { stream: true })).toMatchObject({ provider: "b", attempts: 2 });
    }
  });

  test("a 400 error as the first event fails fast with that status", async () => {
    const h = harness(twoTargets(), (c) => streamOf([{ type: "error", error: errors.upstream(c.provider, 400, "bad") }]));
    expect((await h.chatError("r")).status).toBe(400);
  });

  test("after the first event nothing is retried: the stream ends with an error event", async () => {
    const h = harness(twoTargets(), (c) => streamOf([chunk("partial"), new Error("ECONNRESET")]));
    const out = await h.chat("r", { stream: true });
    expect(out).toMatchObject({ provider: "a", attempts: 1 });
    const events = await collect(out.value);
    expect(events.map((e) => e.type)).toEqual(["chunk", "error"]);
    expect(events[1]!.type === "error" && events[1]!.error.kind).toBe("stream_interrupted");
    expect(h.calls.length).toBe(1);
  });
});

describe("embeddings", () => {
  const embedding = { object: "list" as const, data: [{ object: "embedding" as const, index: 0, embedding: [0.1] }], model: "e", usage: { prompt_tokens: 1, total_tokens: 1 } };

  test("go through the same failover path", async () => {
    let n = 0;
    const h = harness(twoTargets(), (c) => (n++ === 0 ? fail(c, 503) : embedding));
    expect(await h.embed("r")).toMatchObject({ provider: "b", attempts: 2 });
    expect(h.calls.map((c) => c.op)).toEqual(["embeddings", "embeddings"]);
  });

  test("targets without embeddings are skipped; a provider without them is a 400", async () => {
    const h = harness(
      {
        providers: { noembed: { keys: [{ value: "k" }] }, b: { keys: [{ value: "k" }] } },
        routes: { r: { targets: [{ provider: "noembed", model: "x" }, { provider: "b", model: "y" }] } },
      },
      () => embedding,
    );
    expect(await h.embed("r")).toMatchObject({ provider: "b", attempts: 1 });
    const err = await h.embed("noembed/x").catch((e: GatewayError) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).code).toBe("unsupported_operation");
  });
});
