// Stored responses belong to the application key that made them: another key, or a request without
// one, cannot read, continue or delete them.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { startGateway, startMockUpstream, type Gateway, type MockUpstream } from "../support/index.ts";
import { ADMIN_TOKEN, adminOf, answerChat, newAppKey } from "./support.ts";

const dir = mkdtempSync(join(tmpdir(), "butter-scope-"));
let mock: MockUpstream;
let gw: Gateway;
let keyA: string;
let keyB: string;

beforeAll(async () => {
  mock = await startMockUpstream();
  gw = await startGateway({
    store: `sqlite:${join(dir, "butter.db")}`,
    admin: { token: ADMIN_TOKEN },
    app_keys: { require_key: false },
    // A chat-only provider: Responses requests are translated to its chat completions.
    providers: { groq: { base_url: `${mock.url}/groq`, keys: [{ value: "gsk-upstream-secret" }] } },
    routes: { fast: { targets: [{ provider: "groq", model: "llama-3.3-70b" }] } },
    failover: { timeout: "5s", max_attempts: 1 },
  });
  const admin = adminOf(gw);
  keyA = (await newAppKey(admin, { name: "a" })).key;
  keyB = (await newAppKey(admin, { name: "b" })).key;
});
afterAll(async () => {
  await gw?.stop();
  await mock?.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  mock.reset();
  answerChat(mock, "/groq/chat/completions");
});

const client = (key?: string) => new OpenAI({ baseURL: `${gw.baseURL}/v1`, apiKey: key ?? "none", maxRetries: 0 });
const status = async (p: Promise<unknown>) => p.then(() => 200, (e: { status?: number }) => e.status);

describe("stored responses and application keys", () => {
  test("only the key that made a response reads, continues or deletes it", async () => {
    const made = await client(keyA).responses.create({ model: "fast", input: "hello" });
    expect(made.id.length).toBeGreaterThan(0);
    expect((await client(keyA).responses.retrieve(made.id)).id).toBe(made.id);
    expect(await status(client(keyB).responses.retrieve(made.id))).toBe(404);
    expect(await status(client().responses.retrieve(made.id))).toBe(404);
    expect(await status(client(keyB).responses.create({ model: "fast", input: "more", previous_response_id: made.id }))).toBe(400);
    expect(await status(client(keyB).responses.delete(made.id))).toBe(404);
    expect((await client(keyA).responses.retrieve(made.id)).id).toBe(made.id);
    const next = await client(keyA).responses.create({ model: "fast", input: "more", previous_response_id: made.id });
    expect(next.previous_response_id).toBe(made.id);
    await client(keyA).responses.delete(made.id);
    expect(await status(client(keyA).responses.retrieve(made.id))).toBe(404);
  });

  test("a response made without a key is not visible to a keyed request", async () => {
    const made = await client().responses.create({ model: "fast", input: "hello" });
    expect(await status(client(keyA).responses.retrieve(made.id))).toBe(404);
    expect((await client().responses.retrieve(made.id)).id).toBe(made.id);
  });
});
