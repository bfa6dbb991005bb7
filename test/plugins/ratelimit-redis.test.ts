// The Redis backend against the real Redis: the script, its namespacing and expiry, the NOSCRIPT
// fallback, and one limit shared by two gateway processes.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { RedisStore, TAKE_SCRIPT } from "../../src/plugins/builtin/ratelimit/redis-store.ts";
import { fixtureReply, startGateway, startMockUpstream, type Gateway, type MockUpstream } from "../support/index.ts";
import { describeRedis, REDIS_URL, redisClient } from "./redis-support.ts";

const prefix = `butter:test:${process.pid}:${Date.now()}:`;

describeRedis("redis store", () => {
  const redis = redisClient();
  afterAll(async () => {
    const keys = (await redis.send("KEYS", [`${prefix}*`])) as string[];
    if (keys.length) await redis.send("DEL", keys);
    redis.close();
  });

  test("burst, then refusal; keys namespaced under the prefix, with an expiry so idle buckets go away", async () => {
    const store = new RedisStore(REDIS_URL, { rate: 1, burst: 2 }, `${prefix}a:`);
    await store.ready(2000);
    try {
      const verdicts = [await store.take("ip:1.2.3.4"), await store.take("ip:1.2.3.4"), await store.take("ip:1.2.3.4")];
      expect(verdicts.map((v) => v.allowed)).toEqual([true, true, false]);
      expect(verdicts[2]!.remaining).toBe(0);
      expect(verdicts[2]!.retryAfterMs).toBeGreaterThan(0);
      expect(verdicts[2]!.retryAfterMs).toBeLessThanOrEqual(1000);
      const ttl = (await redis.send("PTTL", [`${prefix}a:ip:1.2.3.4`])) as number;
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(3000);
      expect((await store.take("ip:5.6.7.8")).allowed).toBe(true);
    } finally {
      store.close();
    }
  });

  test("after SCRIPT FLUSH the check falls back from EVALSHA to EVAL and still works", async () => {
    const store = new RedisStore(REDIS_URL, { rate: 1, burst: 1 }, `${prefix}b:`);
    await store.ready(2000);
    try {
      await redis.send("SCRIPT", ["FLUSH"]);
      expect((await store.take("global")).allowed).toBe(true);
      expect((await store.take("global")).allowed).toBe(false);
      const sha = new Bun.CryptoHasher("sha1").update(TAKE_SCRIPT).digest("hex");
      expect(await redis.send("SCRIPT", ["EXISTS", sha])).toEqual([1]);
    } finally {
      store.close();
    }
  });

  test("refills with Redis time", async () => {
    const store = new RedisStore(REDIS_URL, { rate: 20, burst: 1 }, `${prefix}c:`);
    await store.ready(2000);
    try {
      expect((await store.take("global")).allowed).toBe(true);
      expect((await store.take("global")).allowed).toBe(false);
      await Bun.sleep(80);
      expect((await store.take("global")).allowed).toBe(true);
    } finally {
      store.close();
    }
  });
});

describeRedis("two gateway processes share one limit", () => {
  let mock: MockUpstream;
  let gws: Gateway[] = [];
  beforeAll(async () => {
    mock = await startMockUpstream();
    mock.when("POST", "/v1/chat/completions", fixtureReply("openai", "chat.response.json"));
    const config = {
      providers: { openai: { base_url: `${mock.url}/v1`, keys: [{ value: "sk-test" }] } },
      redis: { url: REDIS_URL },
      plugins: [{ name: "ratelimit", config: { mode: "global", rate: 5, burst: 5, backend: "redis", key_prefix: `${prefix}shared:` } }],
    };
    gws = await Promise.all([startGateway(config), startGateway(config)]);
  });
  afterAll(async () => {
    await Promise.all(gws.map((g) => g.stop()));
    await mock?.stop();
  });

  test("requests spread over both for 2 s: together they get burst + rate × time, not twice that", async () => {
    const body = JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
    const statuses: number[] = [];
    const start = performance.now();
    let i = 0;
    while (performance.now() - start < 2000) {
      const gw = gws[i++ % 2]!;
      const res = await fetch(`${gw.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body });
      statuses.push(res.status);
      await res.arrayBuffer();
      await Bun.sleep(10);
    }
    const elapsed = (performance.now() - start) / 1000;
    const allowed = statuses.filter((s) => s === 200).length;
    const expected = 5 + 5 * elapsed;
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    expect(statuses.length).toBeGreaterThan(2 * expected); // enough pressure that two separate limits would show
    expect(allowed).toBeLessThanOrEqual(Math.ceil(expected) + 1);
    expect(allowed).toBeGreaterThanOrEqual(Math.floor(expected) - 2);
  });
});
