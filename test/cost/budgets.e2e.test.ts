// Budgets end to end: a gateway in this process with its wall clock injected, a mock upstream whose
// answers carry known usage ({11, 7} tokens) and a price override ($1 / $2 per 1M), so every answer
// costs exactly $0.000025. A key over its budget gets OpenAI's quota error on Chat and Responses and
// Anthropic's envelope on Messages, through the official SDKs, and no upstream call is made.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { periodEnd, periodStart } from "../../src/cost/calendar.ts";
import { startInProcess, type InProcess } from "../plugins/harness.ts";
import { json, sse, startMockUpstream, type MockUpstream, type RecordedRequest } from "../support/index.ts";
import { ADMIN_TOKEN, adminOf, newAppKey, type Admin } from "../keys/support.ts";

const COST = 0.000025;
const dir = mkdtempSync(join(tmpdir(), "butter-budgets-"));
// A Saturday in the middle of a month.
let now = Date.parse("2026-05-16T12:00:00Z");
let mock: MockUpstream;
let gw: InProcess;
let admin: Admin;
let upstreamCalls = 0;

beforeAll(async () => {
  mock = await startMockUpstream();
  mock.when("POST", "/v1/chat/completions", (req: RecordedRequest) => {
    upstreamCalls++;
    const body = req.json as { stream?: boolean; messages: Array<{ content: unknown }> };
    const usage = { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 };
    const base = { id: "chatcmpl-b", created: 1, model: "house" };
    if (body.stream !== true) return json({ ...base, object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "Hi" }, finish_reason: "stop" }], usage });
    const chunk = { ...base, object: "chat.completion.chunk" };
    const slow = JSON.stringify(body.messages).includes("slowly");
    return sse([
      { ...chunk, choices: [{ index: 0, delta: { role: "assistant", content: "Hi" }, finish_reason: null }] },
      ...Array.from({ length: slow ? 6 : 1 }, () => ({ ...chunk, choices: [{ index: 0, delta: { content: "." }, finish_reason: null }] })),
      { ...chunk, choices: [{ index: 0, delta: {}, finish_reason: "stop" }], usage },
      "data: [DONE]\n\n",
    ], { chunkDelayMs: slow ? 60 : 0 });
  });
  gw = await startInProcess({
    store: `sqlite:${join(dir, "budgets.db")}`,
    admin: { token: ADMIN_TOKEN },
    providers: { groq: { base_url: `${mock.url}/v1`, keys: [{ value: "sk-upstream" }] } },
    routes: { house: { targets: [{ provider: "groq", model: "house" }] } },
    pricing: { overrides: { "groq/house": { input: 1, output: 2 } } },
  }, {}, { clock: () => now });
  admin = adminOf({ baseURL: gw.url });
});
afterAll(async () => {
  await gw?.stop();
  await mock?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Counts the SDK's own HTTP attempts (a retry would show as a second one). */
function countingFetch(): { fetch: typeof fetch; attempts: () => number } {
  let n = 0;
  return { fetch: ((input: string | URL | Request, init?: RequestInit) => (n++, fetch(input, init))) as typeof fetch, attempts: () => n };
}

function openai(key: string, f: typeof fetch): OpenAI {
  return new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, fetch: f, maxRetries: 2 });
}

async function chatOnce(key: string): Promise<number> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: "house", messages: [{ role: "user", content: "hi" }] }),
  });
  await res.text();
  return res.status;
}

describe("a key over its budget is refused before any upstream call", () => {
  test("Chat Completions: the openai SDK raises RateLimitError with code insufficient_quota, and does not retry", async () => {
    const { key } = await newAppKey(admin, { name: "chat-budget", budget: { limit_usd: COST / 2, period: "day" } });
    const counter = countingFetch();
    const client = openai(key, counter.fetch);
    // Under the limit (nothing spent): admitted, and this request crosses the limit.
    const first = await client.chat.completions.create({ model: "house", messages: [{ role: "user", content: "hi" }] });
    expect(first.choices[0]!.message.content).toBe("Hi");
    const calls = upstreamCalls;
    const err = await client.chat.completions.create({ model: "house", messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const e = err as InstanceType<typeof OpenAI.RateLimitError>;
    expect(e.status).toBe(429);
    expect(e.code).toBe("insufficient_quota");
    expect(e.type).toBe("insufficient_quota");
    expect(e.message).toContain("budget");
    expect(e.headers.get("x-should-retry")).toBe("false");
    expect(Number(e.headers.get("retry-after"))).toBe(12 * 3600);
    expect(upstreamCalls).toBe(calls);
    expect(counter.attempts()).toBe(2);
  });

  test("Messages: the anthropic SDK raises its RateLimitError in Anthropic's envelope", async () => {
    const { key } = await newAppKey(admin, { name: "messages-budget", budget: { limit_usd: COST / 2, period: "month" } });
    const counter = countingFetch();
    const client = new Anthropic({ apiKey: key, baseURL: gw.url, fetch: counter.fetch, maxRetries: 2 });
    const first = await client.messages.create({ model: "house", max_tokens: 10, messages: [{ role: "user", content: "hi" }] });
    expect(first.content[0]).toMatchObject({ type: "text", text: "Hi" });
    const calls = upstreamCalls;
    const err = await client.messages.create({ model: "house", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    const e = err as InstanceType<typeof Anthropic.RateLimitError>;
    expect(e.status).toBe(429);
    expect((e.error as { type: string; error: { type: string; message: string } }).type).toBe("error");
    expect((e.error as { error: { message: string } }).error.message).toContain("budget");
    expect(upstreamCalls).toBe(calls);
    expect(counter.attempts()).toBe(2);
  });

  test("Responses: the openai SDK raises RateLimitError with code insufficient_quota", async () => {
    const { key } = await newAppKey(admin, { name: "responses-budget", budget: { limit_usd: COST / 2, period: "total" } });
    const counter = countingFetch();
    const client = openai(key, counter.fetch);
    const first = await client.responses.create({ model: "house", input: "hi", store: false });
    expect(first.output_text).toBe("Hi");
    const calls = upstreamCalls;
    const err = await client.responses.create({ model: "house", input: "hi", store: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).code).toBe("insufficient_quota");
    // A total budget never resets: no Retry-After.
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).headers.get("retry-after")).toBeNull();
    expect(upstreamCalls).toBe(calls);
    expect(counter.attempts()).toBe(2);
  });

  test("a budget of 0 refuses the first request", async () => {
    const { key } = await newAppKey(admin, { name: "zero", budget: { limit_usd: 0, period: "day" } });
    expect(await chatOnce(key)).toBe(429);
  });
});

test("the request in flight that crosses the limit finishes; the next is refused; the key object shows the spend", async () => {
  const { id, key } = await newAppKey(admin, { name: "in-flight", budget: { limit_usd: COST * 2.5, period: "day" } });
  expect(await chatOnce(key)).toBe(200);
  expect(await chatOnce(key)).toBe(200);
  // Spent 2 × COST < 2.5 × COST: two slow streams are admitted together and both finish, crossing the limit.
  const stream = () => fetch(`${gw.url}/v1/chat/completions`, {
    method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: "house", stream: true, messages: [{ role: "user", content: "answer slowly" }] }),
  }).then(async (r) => ({ status: r.status, text: await r.text() }));
  const [s1, s2] = await Promise.all([stream(), stream()]);
  for (const s of [s1, s2]) {
    expect(s.status).toBe(200);
    expect(s.text).toContain("data: [DONE]");
  }
  expect(await chatOnce(key)).toBe(429);
  const object = (await admin("GET", `/admin/keys/${id}`)).body;
  expect(object.spent_usd).toBe(Number((COST * 4).toFixed(6)));
  expect(object.resets_at).toBe("2026-05-17T00:00:00.000Z");
  // Raising the limit lets it through at once.
  expect((await admin("PATCH", `/admin/keys/${id}`, { budget: { limit_usd: 1, period: "day" } })).status).toBe(200);
  expect(await chatOnce(key)).toBe(200);
});

test("periods reset: day at UTC midnight, week on Monday, month on the 1st; total never", async () => {
  const day = await newAppKey(admin, { name: "daily", budget: { limit_usd: COST / 2, period: "day" } });
  const week = await newAppKey(admin, { name: "weekly", budget: { limit_usd: COST / 2, period: "week" } });
  const month = await newAppKey(admin, { name: "monthly", budget: { limit_usd: COST / 2, period: "month" } });
  const total = await newAppKey(admin, { name: "total", budget: { limit_usd: COST / 2, period: "total" } });
  const all = [day, week, month, total];
  for (const k of all) expect(await chatOnce(k.key)).toBe(200);
  for (const k of all) expect(await chatOnce(k.key)).toBe(429);
  const saturday = now;
  try {
    // Sunday: a new day only.
    now = Date.parse("2026-05-17T00:00:01Z");
    expect(await Promise.all(all.map((k) => chatOnce(k.key)))).toEqual([200, 429, 429, 429]);
    const daily = (await admin("GET", `/admin/keys/${day.id}`)).body;
    expect(daily.spent_usd).toBe(COST);
    expect(daily.resets_at).toBe("2026-05-18T00:00:00.000Z");
    // Monday: a new ISO week too.
    now = Date.parse("2026-05-18T08:00:00Z");
    expect(await Promise.all(all.map((k) => chatOnce(k.key)))).toEqual([200, 200, 429, 429]);
    expect((await admin("GET", `/admin/keys/${week.id}`)).body.resets_at).toBe("2026-05-25T00:00:00.000Z");
    // June 1st: a new month.
    now = Date.parse("2026-06-01T00:00:00Z");
    expect(await Promise.all(all.map((k) => chatOnce(k.key)))).toEqual([200, 200, 200, 429]);
    const t = (await admin("GET", `/admin/keys/${total.id}`)).body;
    expect(t.resets_at).toBeNull();
    expect(t.spent_usd).toBe(COST);
  } finally {
    now = saturday;
  }
});

test("calendar: period starts and ends across month and year ends, and on a Sunday", () => {
  const at = (s: string) => Date.parse(s);
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  expect(iso(periodStart("week", at("2026-05-17T23:59:59Z")))).toBe("2026-05-11T00:00:00.000Z");
  expect(iso(periodEnd("week", at("2026-05-17T23:59:59Z")))).toBe("2026-05-18T00:00:00.000Z");
  expect(iso(periodStart("week", at("2026-05-18T00:00:00Z")))).toBe("2026-05-18T00:00:00.000Z");
  expect(iso(periodEnd("month", at("2026-12-31T23:00:00Z")))).toBe("2027-01-01T00:00:00.000Z");
  expect(iso(periodEnd("month", at("2028-02-10T00:00:00Z")))).toBe("2028-03-01T00:00:00.000Z");
  expect(iso(periodEnd("day", at("2026-12-31T23:59:59.999Z")))).toBe("2027-01-01T00:00:00.000Z");
  expect(periodStart("total", 0)).toBeNull();
  expect(periodEnd("total", 0)).toBeNull();
});

test("hostile budgets are a 400 naming the field", async () => {
  for (const budget of [{ limit_usd: -1, period: "day" }, { limit_usd: 5, period: "year" }, { limit_usd: "5", period: "day" }, { limit_usd: 5 }, { limit_usd: 5, period: "day", extra: 1 }, []]) {
    const r = await admin("POST", "/admin/keys", { name: "bad", budget });
    expect(r.status).toBe(400);
    expect(String(r.body.error.param)).toStartWith("budget");
  }
});
