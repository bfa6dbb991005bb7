// A budget shared by two gateway processes through the real Redis (`store: redis`), under concurrent
// load on both: every answer costs exactly $0.000025 (usage {11, 7} at a $1 / $2 per 1M override),
// the key may spend 20 answers' worth, and 8 clients on each instance send requests until refused.
// What the instances admit together may exceed the limit only by what was in flight when it was
// crossed (README's bound): requests admitted but whose cost is not yet in Redis — one per
// concurrent client (16 here), plus any that finished on another instance during the one Redis
// write that publishes a cost (a fraction of a millisecond against 5 ms answers: allowed 2).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { describeRedis, forgetAppKeys, REDIS_URL } from "../plugins/redis-support.ts";
import { json, startGateway, startMockUpstream, type Gateway, type MockUpstream } from "../support/index.ts";
import { ADMIN_TOKEN, adminOf, newAppKey } from "../keys/support.ts";

const COST = 0.000025;
const LIMIT_ANSWERS = 20;
const CLIENTS_PER_INSTANCE = 8;
const WRITE_LAG = 2;

describeRedis("a budget shared through Redis", () => {
  let mock: MockUpstream;
  let a: Gateway;
  let b: Gateway;
  let upstream = 0;
  const made: string[] = [];

  beforeAll(async () => {
    mock = await startMockUpstream();
    mock.when("POST", "/v1/chat/completions", async () => {
      upstream++;
      // Long enough that the 16 clients overlap on both instances.
      await Bun.sleep(5);
      return json({ id: "chatcmpl-r", object: "chat.completion", created: 1, model: "house", choices: [{ index: 0, message: { role: "assistant", content: "Hi" }, finish_reason: "stop" }], usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 } });
    });
    const config = {
      store: "redis",
      redis: { url: REDIS_URL },
      admin: { token: ADMIN_TOKEN },
      providers: { groq: { base_url: `${mock.url}/v1`, keys: [{ value: "sk-upstream" }] } },
      routes: { house: { targets: [{ provider: "groq", model: "house" }] } },
      pricing: { overrides: { "groq/house": { input: 1, output: 2 } } },
    };
    [a, b] = await Promise.all([startGateway(config), startGateway(config)]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await mock?.stop();
    await forgetAppKeys(made);
  });

  test("two instances under concurrent load stop the key at its limit, overshooting by at most the requests in flight", async () => {
    const { id, key } = await newAppKey(adminOf(a), { name: "shared-budget", budget: { limit_usd: COST * LIMIT_ANSWERS, period: "total" } });
    made.push(id);
    // B knows the key within its poll interval.
    const chat = (gw: Gateway) => fetch(`${gw.baseURL}/v1/chat/completions`, {
      method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: "house", messages: [{ role: "user", content: "hi" }] }),
    }).then(async (r) => (await r.text(), r.status));
    for (let i = 0; i < 40 && (await fetch(`${b.baseURL}/admin/keys/${id}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status !== 200; i++) await Bun.sleep(50);
    await Bun.sleep(600);

    let admitted = 0;
    const statuses = new Map<number, number>();
    const client = async (gw: Gateway) => {
      for (;;) {
        const status = await chat(gw);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status === 200) admitted++;
        else return;
      }
    };
    await Promise.all([...Array.from({ length: CLIENTS_PER_INSTANCE }, () => client(a)), ...Array.from({ length: CLIENTS_PER_INSTANCE }, () => client(b))]);
    // Every client ended on the quota error, nothing else.
    expect(statuses.get(429)).toBe(2 * CLIENTS_PER_INSTANCE);
    expect([...statuses.keys()].sort()).toEqual([200, 429]);
    console.log(`shared budget: ${admitted} answers admitted for a limit of ${LIMIT_ANSWERS} (bound ${LIMIT_ANSWERS + 2 * CLIENTS_PER_INSTANCE + WRITE_LAG})`);
    expect(admitted).toBeGreaterThanOrEqual(LIMIT_ANSWERS);
    expect(admitted).toBeLessThanOrEqual(LIMIT_ANSWERS + 2 * CLIENTS_PER_INSTANCE + WRITE_LAG);
    expect(upstream).toBe(admitted);

    // Both instances agree on the spend (all of it is in Redis once written), and refuse the key.
    for (const gw of [a, b]) {
      // The last answers' costs reach Redis within one write after their responses.
      let object: Record<string, unknown> = {};
      for (let i = 0; i < 40; i++, await Bun.sleep(25)) {
        object = (await adminOf(gw)("GET", `/admin/keys/${id}`)).body;
        if (object.spent_usd === Number((admitted * COST).toFixed(6))) break;
      }
      expect(object.spent_usd).toBe(Number((admitted * COST).toFixed(6)));
      expect(await chat(gw)).toBe(429);
    }
  }, 30_000);
});
