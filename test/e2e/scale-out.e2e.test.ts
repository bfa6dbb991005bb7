// The README's scale-out recipe: two gateway processes with the same config behind a load balancer
// (a round-robin proxy in this file), sharing state through the real Redis (`store: redis`, the
// ratelimit plugin's `backend: redis`). Under concurrent load through the balancer: the global rate
// limit admits no more than burst + rate × elapsed in total, a key's counters add up what both
// instances served, and a budget stops the key across both within the in-flight bound
// (test/cost/budgets-redis.e2e.test.ts tests that bound alone, under more load).
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Server } from "bun";
import { describeRedis, forgetAppKeys, REDIS_URL } from "../plugins/redis-support.ts";
import { json, startGateway, startMockUpstream, type Gateway, type MockUpstream } from "../support/index.ts";
import { ADMIN_TOKEN, adminOf, newAppKey } from "../keys/support.ts";

const RATE = 20;
const BURST = 30;
/** Every answer: usage {11, 7} at $1 / $2 per 1M tokens. */
const COST = 0.000025;
const BUDGET_ANSWERS = 10;
const prefix = `butter:test:scale-out:${process.pid}:${Date.now()}:`;

describeRedis("scale-out: two instances behind a load balancer, Redis as the shared state", () => {
  let mock: MockUpstream;
  let a: Gateway;
  let b: Gateway;
  let balancer: Server<undefined>;
  const served = new Map<string, number>();
  const made: string[] = [];

  beforeAll(async () => {
    mock = await startMockUpstream();
    mock.when("POST", "/v1/chat/completions", async () => {
      // Long enough that concurrent clients overlap on both instances.
      await Bun.sleep(5);
      return json({ id: "chatcmpl-s", object: "chat.completion", created: 1, model: "house", choices: [{ index: 0, message: { role: "assistant", content: "Hi" }, finish_reason: "stop" }], usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 } });
    });
    const config = {
      store: "redis",
      redis: { url: REDIS_URL },
      admin: { token: ADMIN_TOKEN },
      providers: { groq: { base_url: `${mock.url}/v1`, keys: [{ value: "sk-upstream" }] } },
      routes: { house: { targets: [{ provider: "groq", model: "house" }] } },
      pricing: { overrides: { "groq/house": { input: 1, output: 2 } } },
      plugins: [{ name: "ratelimit", config: { mode: "global", rate: RATE, burst: BURST, backend: "redis", key_prefix: prefix } }],
    };
    [a, b] = await Promise.all([startGateway(config), startGateway(config)]);
    // Any load balancer will do: this one sends each request to the next instance in turn.
    let next = 0;
    const instances = [a, b];
    balancer = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(req) {
        const to = instances[next++ % instances.length]!;
        served.set(to.baseURL, (served.get(to.baseURL) ?? 0) + 1);
        const url = new URL(req.url);
        const res = await fetch(to.baseURL + url.pathname + url.search, { method: req.method, headers: req.headers, body: await req.arrayBuffer() });
        return new Response(await res.arrayBuffer(), { status: res.status, headers: res.headers });
      },
    });
  });
  afterAll(async () => {
    balancer?.stop(true);
    await Promise.all([a?.stop(), b?.stop()]);
    await mock?.stop();
    await forgetAppKeys(made, [`${prefix}global`]);
  });

  const chat = async (key: string): Promise<{ status: number; code: string | undefined }> => {
    const res = await fetch(`http://127.0.0.1:${balancer.port}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: "house", messages: [{ role: "user", content: "hi" }] }),
    });
    const body = (await res.json()) as { error?: { code?: string } };
    return { status: res.status, code: body.error?.code ?? undefined };
  };

  /** Both instances know the key: B reads it from the store at once, and its request path within its poll (250 ms). */
  const known = async (...ids: string[]) => {
    for (const id of ids) for (let i = 0; i < 40 && (await adminOf(b)("GET", `/admin/keys/${id}`)).status !== 200; i++) await Bun.sleep(50);
    await Bun.sleep(600);
  };

  test("the global rate limit, a key's counters and a budget hold across both instances", async () => {
    const counted = await newAppKey(adminOf(a), { name: "scale-out-counted" });
    const budgeted = await newAppKey(adminOf(a), { name: "scale-out-budget", budget: { limit_usd: COST * BUDGET_ANSWERS, period: "total" } });
    made.push(counted.id, budgeted.id);
    await known(counted.id, budgeted.id);

    // 1. Rate limit: 16 clients send 160 requests as fast as they can; the shared bucket starts full.
    const results: { status: number; code: string | undefined }[] = [];
    const started = performance.now();
    let left = 160;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (left-- > 0) results.push(await chat(counted.key));
    }));
    const elapsed = (performance.now() - started) / 1000;
    const admitted = results.filter((r) => r.status === 200).length;
    const limited = results.filter((r) => r.status === 429 && r.code === "rate_limit_exceeded").length;
    console.log(`scale-out rate limit: ${admitted} of 160 admitted in ${elapsed.toFixed(2)} s (bound ${(BURST + RATE * elapsed).toFixed(1)})`);
    expect(admitted + limited).toBe(160);
    expect(admitted).toBeGreaterThanOrEqual(BURST);
    // The bucket's clock is Redis' TIME in whole milliseconds: 2 ms of slack for the truncation at either end.
    expect(admitted).toBeLessThanOrEqual(Math.floor(BURST + RATE * (elapsed + 0.002)));
    // Both instances took part.
    expect(served.get(a.baseURL)).toBeGreaterThanOrEqual(80);
    expect(served.get(b.baseURL)).toBeGreaterThanOrEqual(80);

    // 2. Counters: each instance counted what it served and wrote it to Redis; both show the sum.
    const usage = { requests: admitted, prompt_tokens: admitted * 11, completion_tokens: admitted * 7, total_tokens: admitted * 18, errors: 0 };
    for (const gw of [a, b]) {
      let seen: Record<string, unknown> | undefined;
      for (let i = 0; i < 60; i++, await Bun.sleep(50)) {
        seen = (await adminOf(gw)("GET", `/admin/keys/${counted.id}`)).body.usage;
        if (seen?.requests === admitted) break;
      }
      expect(seen).toMatchObject(usage);
    }

    // 3. Budget: once the bucket is full again, 8 clients spend the budgeted key until it is refused.
    await Bun.sleep((BURST / RATE) * 1000 + 100);
    let spent = 0;
    const endings: (string | undefined)[] = [];
    await Promise.all(Array.from({ length: 8 }, async () => {
      for (;;) {
        const r = await chat(budgeted.key);
        if (r.status === 200) spent++;
        else if (r.code === "rate_limit_exceeded") await Bun.sleep(100);
        else return void endings.push(r.code);
      }
    }));
    console.log(`scale-out budget: ${spent} answers admitted for a limit of ${BUDGET_ANSWERS} (bound ${BUDGET_ANSWERS + 8 + 2})`);
    expect(endings).toEqual(Array(8).fill("insufficient_quota"));
    expect(spent).toBeGreaterThanOrEqual(BUDGET_ANSWERS);
    expect(spent).toBeLessThanOrEqual(BUDGET_ANSWERS + 8 + 2);
    // The last answers' costs reach Redis within one write after their responses: both instances agree soon after.
    for (const gw of [a, b]) {
      let key: Record<string, unknown> = {};
      for (let i = 0; i < 40; i++, await Bun.sleep(25)) {
        key = (await adminOf(gw)("GET", `/admin/keys/${budgeted.id}`)).body;
        if (key.spent_usd === Number((spent * COST).toFixed(6))) break;
      }
      expect(key.spent_usd).toBe(Number((spent * COST).toFixed(6)));
    }
    expect((await chat(budgeted.key)).code).toBe("insufficient_quota");
  }, 60_000);
});
