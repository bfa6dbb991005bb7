// The ratelimit plugin end to end: the gateway process, a mock upstream, the official SDK.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { fixtureReply, openaiClient, startGateway, startMockUpstream, type Gateway, type MockUpstream } from "../support/index.ts";

let mock: MockUpstream;
let gw: Gateway | undefined;
const hello = [{ role: "user" as const, content: "Hello!" }];

beforeAll(async () => {
  mock = await startMockUpstream();
  mock.when("POST", "/v1/chat/completions", fixtureReply("openai", "chat.response.json"));
});
afterAll(() => mock.stop());
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

async function gateway(config: Record<string, unknown>): Promise<Gateway> {
  gw = await startGateway({ providers: { openai: { base_url: `${mock.url}/v1`, keys: [{ value: "sk-test" }] } }, plugins: [{ name: "ratelimit", config }] });
  return gw;
}

function chat(g: Gateway, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${g.url}/v1/chat/completions`, {
    method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: hello }),
  });
}

describe("ratelimit", () => {
  test("global: burst allowed, then a 429 the SDK raises as RateLimitError, with Retry-After and x-ratelimit-*", async () => {
    const g = await gateway({ mode: "global", rate: 0.2, burst: 2 });
    const client = openaiClient(g);
    const ok = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: hello }).withResponse();
    expect(ok.response.headers.get("x-ratelimit-limit")).toBe("2");
    expect(ok.response.headers.get("x-ratelimit-remaining")).toBe("1");
    await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: hello });
    const err = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: hello }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const e = err as InstanceType<typeof OpenAI.RateLimitError>;
    expect(e.code).toBe("rate_limit_exceeded");
    expect(e.type).toBe("rate_limit_error");
    expect(e.headers?.get("retry-after")).toBe("5");
    expect(e.headers?.get("x-ratelimit-remaining")).toBe("0");
    expect(e.headers?.get("x-ratelimit-reset")).toBe("10");
    expect(e.headers?.get("x-request-id")).toMatch(/^req_/);
    // the same bucket for a different client address
    expect((await chat(g, { "x-forwarded-for": "203.0.113.9" })).status).toBe(429);
    // plugins run on /v1/* only
    expect((await fetch(`${g.url}/healthz`)).status).toBe(200);
  });

  test("refill: a token comes back after 1/rate seconds", async () => {
    const g = await gateway({ mode: "global", rate: 10, burst: 1 });
    expect((await chat(g)).status).toBe(200);
    expect((await chat(g)).status).toBe(429);
    await Bun.sleep(150);
    expect((await chat(g)).status).toBe(200);
  });

  test("per-ip with trust_proxy: each X-Forwarded-For client has its own bucket", async () => {
    const g = await gateway({ mode: "per-ip", rate: 0.1, burst: 1, trust_proxy: true });
    expect((await chat(g, { "x-forwarded-for": "203.0.113.1" })).status).toBe(200);
    expect((await chat(g, { "x-forwarded-for": "203.0.113.1" })).status).toBe(429);
    expect((await chat(g, { "x-forwarded-for": "203.0.113.2, 10.0.0.1" })).status).toBe(200);
    expect((await chat(g, { "x-forwarded-for": "203.0.113.2" })).status).toBe(429);
  });

  test("per-ip without trust_proxy keys on the socket address: a forged X-Forwarded-For does not escape", async () => {
    const g = await gateway({ mode: "per-ip", rate: 0.1, burst: 1 });
    expect((await chat(g, { "x-forwarded-for": "203.0.113.1" })).status).toBe(200);
    expect((await chat(g, { "x-forwarded-for": "203.0.113.2" })).status).toBe(429);
  });

  test("an invalid plugin config stops the gateway with a reason naming the path", async () => {
    const err = await gateway({ mode: "global", rate: 0 }).catch((e: unknown) => e);
    gw = undefined;
    expect(String(err)).toContain("plugins[0].config.rate: expected a positive number");
  });
});
