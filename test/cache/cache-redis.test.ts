// The Redis backend through real gateway processes: two gateways sharing the machine's Redis (a miss
// on one is a hit on the other; the access log and /metrics say so), and a Redis of the test's own
// that is stopped mid-run (requests keep succeeding uncached, one log line) and started again on the
// same port (hits resume by themselves, one log line).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn, type Subprocess } from "bun";
import { json, startGateway, startMockUpstream, type Gateway, type MockUpstream } from "../support/index.ts";
import { describeRedis, REDIS_URL, redisClient } from "../plugins/redis-support.ts";
import { post } from "./support.ts";

let mock: MockUpstream;
let counter = 0;
const nonce = crypto.randomUUID();

beforeAll(async () => {
  mock = await startMockUpstream();
  mock.when("POST", "/v1/chat/completions", () => json({
    id: `chatcmpl-${++counter}`, object: "chat.completion", created: 1, model: "gpt-4o-mini",
    choices: [{ index: 0, message: { role: "assistant", content: `answer ${counter} of run ${nonce}` }, finish_reason: "stop" }],
    usage: { prompt_tokens: 21, completion_tokens: 8, total_tokens: 29 },
  }));
});
afterAll(async () => {
  await mock?.stop();
});

const config = (redisUrl: string) => ({
  providers: { openai: { base_url: `${mock.url}/v1`, keys: [{ value: "sk-openai" }] } },
  failover: { max_attempts: 1, timeout: "5s" },
  store: "sqlite::memory:",
  redis: { url: redisUrl },
  cache: { backend: "redis", ttl: "2m" },
  plugins: [{ name: "logging" }, { name: "metrics" }],
});
const ask = (content: string) => ({ model: "openai/gpt-4o-mini", temperature: 0, messages: [{ role: "user", content: `${nonce} ${content}` }] });
const chats = () => mock.requests.filter((r) => r.path === "/v1/chat/completions").length;

describeRedis("redis backend shared by two gateways", () => {
  let a: Gateway;
  let b: Gateway;
  beforeAll(async () => {
    [a, b] = await Promise.all([startGateway(config(REDIS_URL)), startGateway(config(REDIS_URL))]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  test("a miss on A is a hit on B: same bytes, one upstream call; B's access log and metrics count the hit and the tokens saved", async () => {
    const before = chats();
    const first = await post(a.url, "/v1/chat/completions", ask("shared"));
    const text = await first.text();
    expect(first.headers.get("x-butter-cache")).toBe("miss");
    let second: Response | undefined;
    // The store on A is not awaited by its client: give it a moment to land.
    for (let i = 0; i < 50; i++) {
      second = await post(b.url, "/v1/chat/completions", ask("shared"));
      if (second.headers.get("x-butter-cache") === "hit") break;
      await second.text();
      await Bun.sleep(20);
    }
    expect(second!.headers.get("x-butter-cache")).toBe("hit");
    expect(second!.headers.get("x-butter-attempts")).toBe("0");
    expect(second!.headers.get("x-butter-provider")).toBe("openai");
    expect(await second!.text()).toBe(text);
    expect(chats() - before).toBe(1);
    const line = await b.waitForLog((_, j) => j?.msg === "access" && j.cache === "hit");
    const access = JSON.parse(line);
    expect([access.prompt_tokens, access.completion_tokens, access.attempts, access.provider]).toEqual([21, 8, 0, "openai"]);
    const metrics = await (await fetch(`${b.url}/metrics`)).text();
    expect(metrics).toMatch(/butter_cache_requests_total\{result="hit"\} [1-9]/);
    expect(metrics).toMatch(/butter_cache_tokens_saved_total\{type="input"\} 21\b/);
    expect(metrics).toMatch(/butter_cache_tokens_saved_total\{type="output"\} 8\b/);
    // Saved, not used: the hit's tokens are not in butter.tokens on B.
    expect(metrics).not.toMatch(/butter_tokens_total\{[^}]*type="input"[^}]*\} [1-9]/);
    expect(a.logs.join("\n")).not.toContain("response cache unavailable");
  });

  test("an entry altered in Redis cannot set a hit's headers: only the operation's own answer headers are replayed", async () => {
    const first = await post(a.url, "/v1/chat/completions", ask("altered"));
    const text = await first.text();
    expect(first.headers.get("x-butter-cache")).toBe("miss");
    const redis = redisClient();
    try {
      let key: string | undefined;
      for (let i = 0; i < 50 && key === undefined; i++) {
        const keys = (await redis.send("KEYS", ["butter:cache:*"])) as string[];
        for (const k of keys) if (((await redis.get(k)) ?? "").includes(text)) key = k;
        if (key === undefined) await Bun.sleep(20);
      }
      const entry = (await redis.get(key!))!;
      const nl = entry.indexOf("\n");
      const head = { ...JSON.parse(entry.slice(0, nl)), h: { "x-request-id": "req_forged", "content-type": "text/html", "x-butter-dropped-tools": "forged" } };
      await redis.send("SET", [key!, `${JSON.stringify(head)}${entry.slice(nl)}`, "PX", "60000"]);
    } finally {
      redis.close();
    }
    const hit = await post(b.url, "/v1/chat/completions", ask("altered"), { "x-request-id": "req_mine" });
    expect(hit.headers.get("x-butter-cache")).toBe("hit");
    expect(await hit.text()).toBe(text);
    expect(hit.headers.get("x-request-id")).toBe("req_mine");
    expect(hit.headers.get("content-type")).toBe("application/json");
    expect(hit.headers.get("x-butter-dropped-tools")).toBeNull();
  });
});

const CI = process.env.CI === "true";
const redisServer = Bun.which("redis-server");
if (redisServer === null && CI) throw new Error("CI=true and no redis-server binary on PATH for the Redis outage test");
if (redisServer === null) console.warn("SKIPPING the Redis outage test: no redis-server binary on PATH");
const describeOutage = redisServer === null ? describe.skip : describe;

function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

async function startRedis(port: number): Promise<Subprocess> {
  const proc = spawn([redisServer!, "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--requirepass", "s3cret-pass"], { stdout: "ignore", stderr: "ignore" });
  for (let i = 0; i < 100; i++) {
    try {
      const c = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
      c.end();
      return proc;
    } catch {
      await Bun.sleep(50);
    }
  }
  proc.kill("SIGKILL");
  throw new Error(`redis-server did not listen on ${port}`);
}

describeOutage("Redis stopped mid-run and started again", () => {
  let redis: Subprocess | undefined;
  let gw: Gateway;
  const port = freePort();
  beforeAll(async () => {
    redis = await startRedis(port);
    gw = await startGateway(config(`redis://:s3cret-pass@127.0.0.1:${port}`));
  });
  afterAll(async () => {
    await gw?.stop();
    redis?.kill("SIGKILL");
  });

  const cacheOf = async (content: string): Promise<string | null> => {
    const r = await post(gw.url, "/v1/chat/completions", ask(content));
    expect(r.status).toBe(200);
    await r.text();
    return r.headers.get("x-butter-cache");
  };
  const hitSoon = async (content: string): Promise<void> => {
    for (let i = 0; i < 50; i++) {
      if ((await cacheOf(content)) === "hit") return;
      await Bun.sleep(20);
    }
    throw new Error("no hit");
  };
  const count = (msg: string) => gw.jsonLogs().filter((j) => j.msg === msg).length;

  test("hits, then uncached answers while Redis is down (one log line), then hits again once it is back (one log line)", async () => {
    expect(await cacheOf("outage")).toBe("miss");
    await hitSoon("outage");
    redis!.kill("SIGKILL");
    await redis!.exited;
    const before = chats();
    for (let i = 0; i < 5; i++) expect(await cacheOf("outage")).toBe("miss");
    expect(chats() - before).toBe(5);
    await gw.waitForLog((_, j) => j?.msg === "response cache unavailable; serving uncached");
    expect(count("response cache unavailable; serving uncached")).toBe(1);
    redis = await startRedis(port);
    // The cache tries again at most once a second; the first answers after that refill the (empty) Redis.
    await Bun.sleep(1100);
    await hitSoon("outage");
    await gw.waitForLog((_, j) => j?.msg === "response cache available again");
    expect(count("response cache available again")).toBe(1);
    expect(count("response cache unavailable; serving uncached")).toBe(1);
    // The URL is logged without its password.
    expect(gw.logs.join("\n")).toContain(`redis://:***@127.0.0.1:${port}`);
    expect(gw.logs.join("\n")).not.toContain("s3cret-pass");
  }, 20_000);
});
