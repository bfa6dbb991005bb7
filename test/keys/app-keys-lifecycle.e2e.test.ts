// Keys and counters across process lifetimes: a graceful restart keeps every count, a SIGKILL loses
// at most the last flush interval, and a database that cannot be used stops the start with its reason.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnGateway, startGateway, startMockUpstream, type MockUpstream } from "../support/index.ts";
import { ADMIN_TOKEN, adminOf, answerChat, chatBody, newAppKey, PROMPT } from "./support.ts";

const dir = mkdtempSync(join(tmpdir(), "butter-keys-life-"));
let mock: MockUpstream;

beforeAll(async () => {
  mock = await startMockUpstream();
  answerChat(mock);
});
afterAll(async () => {
  await mock?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const config = (db: string, flush = "200ms") => ({
  store: `sqlite:${db}`,
  admin: { token: ADMIN_TOKEN },
  app_keys: { require_key: true, flush_interval: flush },
  providers: { openai: { base_url: `${mock.url}/v1`, keys: [{ value: "sk-upstream" }] } },
  routes: { fast: { targets: [{ provider: "openai", model: "gpt-4o-mini" }] } },
});

const chat = (baseURL: string, key: string, n: number) =>
  Promise.all(Array.from({ length: n }, async (_, i) => {
    const r = await fetch(`${baseURL}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body: chatBody("fast", i % 2 === 0) });
    await r.text();
    return r.status;
  }));

test("keys and counters survive a graceful restart; a SIGKILL loses at most one flush interval", async () => {
  const db = join(dir, "restart.db");
  // A long interval: only the shutdown flush can have written the counts.
  const first = await startGateway(config(db, "1h"));
  const { id, key } = await newAppKey(adminOf(first), { name: "durable", models: ["fast"] });
  expect(await chat(first.baseURL, key, 7)).toEqual(Array(7).fill(200));
  expect(await first.stop()).toBe(0);

  const second = await startGateway(config(db, "300ms"));
  const admin = adminOf(second);
  const after = (await admin("GET", `/admin/keys/${id}`)).body;
  expect(after).toMatchObject({ name: "durable", models: ["fast"], usage: { requests: 7, prompt_tokens: 7 * PROMPT } });
  expect(await chat(second.baseURL, key, 5)).toEqual(Array(5).fill(200));
  // Two intervals later those five are written; the three after them may be lost with the process.
  await Bun.sleep(700);
  expect(await chat(second.baseURL, key, 3)).toEqual(Array(3).fill(200));
  second.signal("SIGKILL");
  await second.exited;

  const third = await startGateway(config(db));
  try {
    const usage = (await adminOf(third)("GET", `/admin/keys/${id}`)).body.usage;
    expect(usage.requests).toBeGreaterThanOrEqual(12);
    expect(usage.requests).toBeLessThanOrEqual(15);
    expect(usage.prompt_tokens).toBe(usage.requests * PROMPT);
  } finally {
    await third.stop();
  }
}, 30_000);

test("a reload turns require_key on and off without a restart; keys and counts carry over", async () => {
  const db = join(dir, "reload.db");
  const gw = await startGateway({ ...config(db), app_keys: { require_key: false, flush_interval: "200ms" } });
  try {
    const admin = adminOf(gw);
    const { id, key } = await newAppKey(admin, { name: "reloaded" });
    expect(await chat(gw.baseURL, "btr_test", 1)).toEqual([200]);
    expect(await chat(gw.baseURL, key, 1)).toEqual([200]);
    gw.writeConfig({ ...config(db), app_keys: { require_key: true, flush_interval: "200ms" } });
    gw.signal("SIGHUP");
    await gw.waitForLog((_l, j) => j?.msg === "config reloaded" && j.trigger === "signal");
    expect(await chat(gw.baseURL, "btr_test", 1)).toEqual([401]);
    expect(await chat(gw.baseURL, key, 1)).toEqual([200]);
    expect((await admin("GET", `/admin/keys/${id}`)).body.usage.requests).toBe(2);
  } finally {
    await gw.stop();
  }
});

test("a corrupt database file stops the start: one line naming the file and what is wrong, exit 1", async () => {
  const db = join(dir, "corrupt.db");
  writeFileSync(db, "this is not a database, just text that happens to be long enough ".repeat(100));
  const gw = spawnGateway(config(db));
  expect(await gw.exited).toBe(1);
  const line = gw.logs.find((l) => l.startsWith("butter:"));
  expect(line).toBe(`butter: cannot load app keys: sqlite:${db}: the file is not a SQLite database (corrupt, or another kind of file)`);
});

test("a database another process keeps locked stops the start with that reason, exit 1", async () => {
  const db = join(dir, "locked.db");
  const holder = new Database(db, { create: true });
  holder.run("PRAGMA journal_mode = WAL");
  holder.run("CREATE TABLE other (x)");
  holder.run("BEGIN EXCLUSIVE");
  holder.run("INSERT INTO other VALUES (1)");
  try {
    const gw = spawnGateway(config(db));
    expect(await gw.exited).toBe(1);
    const line = gw.logs.find((l) => l.startsWith("butter:"));
    expect(line).toBe(`butter: cannot load app keys: sqlite:${db}: the database is locked by another process (still locked after 5 s)`);
  } finally {
    holder.run("ROLLBACK");
    holder.close();
  }
}, 20_000);
