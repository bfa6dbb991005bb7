// The usage ledger end to end: a gateway in this process (its wall clock injected, so days pass on
// demand) in front of a mock OpenAI, requests with and without app keys, on two provider blocks, a
// cache hit, an upstream error and an unpriced model; then GET /admin/usage grouped every way, with
// sums checked against what each answer's x-butter-cost-usd said.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatUsd, usdToPico } from "../../src/cost/money.ts";
import { startInProcess, type InProcess } from "../plugins/harness.ts";
import { json, startMockUpstream, type MockUpstream, type RecordedRequest } from "../support/index.ts";
import { ADMIN_TOKEN, adminOf, answerChat, chatBody, newAppKey, type Admin } from "../keys/support.ts";

const dir = mkdtempSync(join(tmpdir(), "butter-ledger-"));
const DB = join(dir, "ledger.db");
const DAY1 = Date.parse("2026-03-09T10:00:00Z");
const DAY2 = Date.parse("2026-03-10T09:00:00Z");
let now = DAY1;
let mock: MockUpstream;
let gw: InProcess;
let admin: Admin;

function config(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const keys = [{ value: "sk-upstream" }];
  return {
    store: `sqlite:${DB}`,
    admin: { token: ADMIN_TOKEN },
    // Long: rows reach the store only when /admin/usage asks (or at close), which the test checks.
    ledger: { flush_interval: "1h" },
    cache: { backend: "memory" },
    providers: { openai: { base_url: `${mock.url}/v1`, keys }, "openai-b": { type: "openai", base_url: `${mock.url}/v1`, keys } },
    ...extra,
  };
}

beforeAll(async () => {
  mock = await startMockUpstream();
  answerChat(mock);
  mock.when("POST", "/v1/embeddings", (req: RecordedRequest) => json({ object: "list", data: [{ object: "embedding", index: 0, embedding: [0.1] }], model: (req.json as { model: string }).model, usage: { prompt_tokens: 5, total_tokens: 5 } }));
  gw = await startInProcess(config(), {}, { clock: () => now });
  admin = adminOf({ baseURL: gw.url });
});
afterAll(async () => {
  await gw?.stop();
  await mock?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function chat(model: string, opts: { key?: string; cache?: boolean } = {}): Promise<{ status: number; pico: bigint; cache: string | null }> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (opts.key !== undefined) headers.authorization = `Bearer ${opts.key}`;
  if (opts.cache !== true) headers["cache-control"] = "no-store";
  const body = opts.cache === true ? JSON.stringify({ model, messages: [{ role: "user", content: "cache me" }], temperature: 0 }) : chatBody(model);
  const res = await fetch(`${gw.url}/v1/chat/completions`, { method: "POST", headers, body });
  await res.text();
  const cost = res.headers.get("x-butter-cost-usd");
  return { status: res.status, pico: cost === null ? 0n : usdToPico(cost), cache: res.headers.get("x-butter-cache") };
}

const usd = (pico: bigint): number => Number(formatUsd(pico));

describe("the ledger", () => {
  let keyA: { id: string; key: string };
  let keyB: { id: string; key: string };
  const spent = { a: 0n, b: 0n, none: 0n, day1: 0n, day2: 0n, openai: 0n, openaiB: 0n, mini: 0n, saved: 0n };

  beforeAll(async () => {
    keyA = await newAppKey(admin, { name: "team-a" });
    keyB = await newAppKey(admin, { name: "team-b" });
    // Day 1: A three times on openai, B once on openai-b, one without a key, one upstream error (A),
    // one unpriced model (B), one cached answer and its hit (no key).
    for (let i = 0; i < 3; i++) {
      const r = await chat("openai/gpt-4o-mini", { key: keyA.key });
      expect(r.status).toBe(200);
      spent.a += r.pico; spent.day1 += r.pico; spent.openai += r.pico; spent.mini += r.pico;
    }
    const b = await chat("openai-b/gpt-4o-mini", { key: keyB.key });
    spent.b += b.pico; spent.day1 += b.pico; spent.openaiB += b.pico; spent.mini += b.pico;
    const none = await chat("openai/gpt-4o-mini");
    spent.none += none.pico; spent.day1 += none.pico; spent.openai += none.pico; spent.mini += none.pico;
    expect((await chat("openai/fail", { key: keyA.key })).status).toBe(400);
    const unpriced = await chat("openai-b/house-model-x", { key: keyB.key });
    expect(unpriced.status).toBe(200);
    expect(unpriced.pico).toBe(0n);
    const miss = await chat("openai/gpt-4o-mini", { cache: true });
    expect(miss.cache).toBe("miss");
    spent.none += miss.pico; spent.day1 += miss.pico; spent.openai += miss.pico; spent.mini += miss.pico;
    const hit = await chat("openai/gpt-4o-mini", { cache: true });
    expect(hit.cache).toBe("hit");
    expect(hit.pico).toBe(0n);
    spent.saved = miss.pico;
    // Day 2: A once more.
    now = DAY2;
    const a2 = await chat("openai/gpt-4o-mini", { key: keyA.key });
    spent.a += a2.pico; spent.day2 += a2.pico; spent.openai += a2.pico; spent.mini += a2.pico;
    expect(spent.a).toBeGreaterThan(0n);
  });

  test("rows are batched: nothing is written before the flush; GET /admin/usage writes what is pending first", async () => {
    const db = new Database(DB, { readonly: true });
    try {
      expect(db.query("SELECT count(*) AS n FROM ledger").get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
    const r = await admin("GET", "/admin/usage?from=2026-03-09&to=2026-03-10&group_by=day");
    expect(r.status).toBe(200);
    const db2 = new Database(DB, { readonly: true });
    try {
      expect((db2.query("SELECT count(*) AS n FROM ledger").get() as { n: number }).n).toBeGreaterThan(0);
    } finally {
      db2.close();
    }
  });

  test("group_by=day: one row per UTC day, in order, summing to the total", async () => {
    const r = await admin("GET", "/admin/usage?from=2026-03-09&to=2026-03-10&group_by=day");
    expect(r.body.object).toBe("list");
    expect(r.body.group_by).toBe("day");
    const [d1, d2] = r.body.data;
    expect(r.body.data).toHaveLength(2);
    // Day 1: 3 (A) + 1 (B) + 1 (none) + 1 error + 1 unpriced + miss + hit = 9 requests.
    expect(d1).toMatchObject({ group: "2026-03-09", requests: 9, errors: 1, cache_hits: 1, cost_usd: usd(spent.day1), saved_usd: usd(spent.saved), unpriced_requests: 1 });
    expect(d2).toMatchObject({ group: "2026-03-10", requests: 1, errors: 0, cost_usd: usd(spent.day2) });
    expect(r.body.total).toMatchObject({ requests: 10, cost_usd: usd(spent.day1 + spent.day2) });
    // Tokens: usage {11, 7} per answered request (not the error, not the hit).
    expect(d1.prompt_tokens).toBe(11 * 7);
    expect(d1.completion_tokens).toBe(7 * 7);
  });

  test("group_by=key: each key's spend (and its name), requests without a key as null", async () => {
    const r = await admin("GET", "/admin/usage?from=2026-03-09&to=2026-03-10&group_by=key");
    const by = new Map(r.body.data.map((row: { group: string | null }) => [row.group, row]));
    expect(by.get(keyA.id)).toMatchObject({ name: "team-a", requests: 5, errors: 1, cost_usd: usd(spent.a) });
    expect(by.get(keyB.id)).toMatchObject({ name: "team-b", requests: 2, cost_usd: usd(spent.b), unpriced_requests: 1 });
    expect(by.get(null)).toMatchObject({ requests: 3, cost_usd: usd(spent.none), cache_hits: 1 });
    // The key's own usage agrees with the ledger.
    expect((await admin("GET", `/admin/keys/${keyA.id}`)).body.usage.cost_usd).toBe(usd(spent.a));
  });

  test("group_by=provider and group_by=model: the block and model that answered; an unpriced model shows priced: false", async () => {
    const p = await admin("GET", "/admin/usage?from=2026-03-09&to=2026-03-10&group_by=provider");
    const byProvider = new Map(p.body.data.map((row: { group: string }) => [row.group, row]));
    expect(byProvider.get("openai")).toMatchObject({ cost_usd: usd(spent.openai) });
    expect(byProvider.get("openai-b")).toMatchObject({ cost_usd: usd(spent.openaiB), requests: 2 });
    const m = await admin("GET", "/admin/usage?from=2026-03-09&to=2026-03-10&group_by=model");
    const byModel = new Map(m.body.data.map((row: { group: string }) => [row.group, row]));
    expect(byModel.get("gpt-4o-mini")).toMatchObject({ priced: true, cost_usd: usd(spent.mini) });
    expect(byModel.get("house-model-x")).toMatchObject({ priced: false, cost_usd: 0, requests: 1 });
    // The sorted order puts the most expensive first.
    expect(m.body.data[0].group).toBe("gpt-4o-mini");
  });

  test("bounds: a range holding one day answers that day; date-times read as their UTC day; default is the last 30 days", async () => {
    const one = await admin("GET", "/admin/usage?from=2026-03-10T00:00:00Z&to=2026-03-10T23:59:59Z&group_by=day");
    expect(one.body.data.map((r: { group: string }) => r.group)).toEqual(["2026-03-10"]);
    const def = await admin("GET", "/admin/usage");
    expect(def.body.to).toBe("2026-03-10");
    expect(def.body.from).toBe("2026-02-09");
    expect(def.body.total.requests).toBe(10);
  });

  test("hostile queries get a 400 naming the parameter; no token is a 401", async () => {
    for (const [query, param] of [
      ["from=yesterday", "from"], ["to=2026-13-45", "to"], ["from=2026-03-10&to=2026-03-09", "from"], ["group_by=user", "group_by"],
      ["from=2020-01-01&to=2026-01-01", "from"], [`from=${"9".repeat(5000)}`, "from"], ["group_by=key%00", "group_by"],
    ] as const) {
      const r = await admin("GET", `/admin/usage?${query}`);
      expect(r.status).toBe(400);
      expect(r.body.error.param).toBe(param);
    }
    expect((await admin("GET", "/admin/usage", undefined, null)).status).toBe(401);
    expect((await admin("GET", "/admin/usage", undefined, "wrong")).status).toBe(401);
  });

  test("the ledger survives a restart on the same store file", async () => {
    await gw.stop();
    gw = await startInProcess(config(), {}, { clock: () => now });
    admin = adminOf({ baseURL: gw.url });
    const r = await admin("GET", "/admin/usage?from=2026-03-09&to=2026-03-10&group_by=key");
    const a = r.body.data.find((row: { group: string }) => row.group === keyA.id);
    expect(a.cost_usd).toBe(usd(spent.a));
  });
});

test("ledger.enabled: false — nothing is recorded and /admin/usage says the ledger is off", async () => {
  const off = await startInProcess({ ...config({ ledger: { enabled: false } }), store: `sqlite:${join(dir, "off.db")}` });
  try {
    const res = await fetch(`${off.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: chatBody("openai/gpt-4o-mini") });
    expect(res.status).toBe(200);
    const r = await adminOf({ baseURL: off.url })("GET", "/admin/usage");
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe("ledger_disabled");
  } finally {
    await off.stop();
  }
});

test("a cache hit counts as a request of its key, with no tokens used and nothing spent", async () => {
  const g = await startInProcess({ ...config(), store: `sqlite:${join(dir, "hits.db")}` }, {}, { clock: () => now });
  try {
    const a = adminOf({ baseURL: g.url });
    const k = await newAppKey(a, { name: "cached" });
    const ask = () => fetch(`${g.url}/v1/chat/completions`, {
      method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${k.key}` },
      body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "same question" }], temperature: 0 }),
    }).then(async (r) => (await r.text(), r.headers.get("x-butter-cache")));
    expect(await ask()).toBe("miss");
    expect(await ask()).toBe("hit");
    const usage = (await a("GET", `/admin/keys/${k.id}`)).body.usage;
    expect(usage).toMatchObject({ requests: 2, prompt_tokens: 11, completion_tokens: 7 });
    const row = (await a("GET", "/admin/usage?group_by=key")).body.data.find((r: { group: string }) => r.group === k.id);
    expect(row).toMatchObject({ requests: 2, prompt_tokens: 11, cache_hits: 1 });
    expect(row.saved_usd).toBe(row.cost_usd);
  } finally {
    await g.stop();
  }
});
