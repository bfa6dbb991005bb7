// Application keys shared through Redis (`store: redis`): two gateway processes, one Redis. A key
// made on one works on the other, their counters add up, and a revocation on one is refused by the
// other within a second. Runs against the real Redis at REDIS_URL (see test/plugins/redis-support.ts).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { describeRedis, forgetAppKeys, REDIS_URL, redisClient } from "../plugins/redis-support.ts";
import { tableCostUsd } from "../cost/expected.ts";
import { startGateway, startMockUpstream, type Gateway, type MockUpstream } from "../support/index.ts";
import { ADMIN_TOKEN, adminOf, answerChat, chatBody, COMPLETION, newAppKey, PROMPT, within } from "./support.ts";

describeRedis("app keys on a shared Redis", () => {
  let mock: MockUpstream;
  let a: Gateway;
  let b: Gateway;
  const made: string[] = [];

  beforeAll(async () => {
    mock = await startMockUpstream();
    answerChat(mock);
    const config = {
      store: "redis",
      redis: { url: REDIS_URL },
      admin: { token: ADMIN_TOKEN },
      app_keys: { require_key: true, flush_interval: "200ms" },
      providers: { openai: { base_url: `${mock.url}/v1`, keys: [{ value: "sk-upstream" }] } },
      routes: { fast: { targets: [{ provider: "openai", model: "gpt-4o-mini" }] } },
    };
    [a, b] = await Promise.all([startGateway(config), startGateway(config)]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await mock?.stop();
    await forgetAppKeys(made);
  });

  const chat = (gw: Gateway, key: string, stream = false) =>
    fetch(`${gw.baseURL}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body: chatBody("fast", stream) })
      .then(async (r) => (await r.text(), r.status));

  test("a key made on A works on B; both count into one set of counters; a revocation on A is refused by B within a second", async () => {
    const { id, key } = await newAppKey(adminOf(a), { name: "shared" });
    made.push(id);
    // The key is stored hashed in Redis too.
    const redis = redisClient();
    const stored = JSON.stringify(await redis.send("HGETALL", [`butter:key:${id}`]));
    redis.close();
    expect(stored).not.toContain(key.slice(4));

    expect(await within(1000, async () => (await chat(b, key)) === 200)).toBeLessThan(1000);
    const statuses = await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => chat(a, key, i % 2 === 0)),
      ...Array.from({ length: 19 }, (_, i) => chat(b, key, i % 2 === 0)),
    ]);
    expect(statuses.every((s) => s === 200)).toBe(true);
    const total = { requests: 40, prompt_tokens: 40 * PROMPT, completion_tokens: 40 * COMPLETION, total_tokens: 40 * (PROMPT + COMPLETION), errors: 0, cost_usd: tableCostUsd("openai", "gpt-4o-mini", { prompt_tokens: PROMPT, completion_tokens: COMPLETION }, 40) };
    // Each instance flushes its own increments; after one interval both see the sum.
    await within(2000, async () => JSON.stringify((await adminOf(a)("GET", `/admin/keys/${id}`)).body.usage) === JSON.stringify(total));
    await within(2000, async () => JSON.stringify((await adminOf(b)("GET", `/admin/keys/${id}`)).body.usage) === JSON.stringify(total));

    expect((await adminOf(a)("DELETE", `/admin/keys/${id}`)).body.revoked).toBe(true);
    expect(await chat(a, key)).toBe(401);
    const elapsed = await within(1500, async () => (await chat(b, key)) === 401);
    expect(elapsed).toBeLessThan(1000);
  });
});
