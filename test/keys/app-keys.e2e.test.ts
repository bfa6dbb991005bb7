// Application keys end to end: the admin API, require_key on and off, per-key limits and counters,
// through real gateway processes sharing one SQLite file, the official SDKs as clients.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { tableCostUsd } from "../cost/expected.ts";
import { openaiClient, repoRoot, startGateway, startMockUpstream, type Gateway, type MockUpstream } from "../support/index.ts";
import { ADMIN_TOKEN, adminOf, answerChat, chatBody, COMPLETION, KEY_SHAPE, newAppKey, PROMPT, within, type Admin } from "./support.ts";

const dir = mkdtempSync(join(tmpdir(), "butter-keys-"));
const DB = join(dir, "keys.db");
let mock: MockUpstream;
let on: Gateway;
let off: Gateway;
let admin: Admin;

const config = (extra: Record<string, unknown>) => ({
  store: `sqlite:${DB}`,
  providers: {
    openai: { base_url: `${mock.url}/v1`, keys: [{ value: "sk-upstream-secret" }] },
    pt: { type: "openai", base_url: `${mock.url}/pt/v1`, credential_mode: "passthrough" },
  },
  routes: { fast: { targets: [{ provider: "openai", model: "gpt-4o-mini" }] } },
  failover: { timeout: "5s", max_attempts: 1 },
  ...extra,
});

beforeAll(async () => {
  mock = await startMockUpstream();
  [on, off] = await Promise.all([
    startGateway(config({ admin: { token: ADMIN_TOKEN }, app_keys: { require_key: true, flush_interval: "200ms" } })),
    startGateway(config({ app_keys: { require_key: false, flush_interval: "200ms" } })),
  ]);
  admin = adminOf(on);
});
afterAll(async () => {
  await Promise.all([on?.stop(), off?.stop()]);
  await mock?.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  mock.reset();
  answerChat(mock);
  answerChat(mock, "/pt/v1/chat/completions");
});

const post = (gw: Gateway, path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(gw.baseURL + path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
/** The JSON error envelope of an answer. */
const body = async (r: Response): Promise<any> => r.json();
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const usageOf = async (id: string) => (await admin("GET", `/admin/keys/${id}`)).body.usage;

describe("admin API", () => {
  test("off without admin.token: every /admin path is a 404", async () => {
    const offAdmin = adminOf(off);
    expect((await offAdmin("GET", "/admin/keys")).status).toBe(404);
    expect((await offAdmin("POST", "/admin/keys", { name: "x" })).status).toBe(404);
    expect((await offAdmin("GET", "/admin/keys/key_AAAAAAAAAAAAAAAA")).status).toBe(404);
    expect((await offAdmin("DELETE", "/admin/keys/key_AAAAAAAAAAAAAAAA", undefined, null)).status).toBe(404);
  });

  test("a wrong or missing admin token is a 401 in OpenAI's envelope that echoes nothing", async () => {
    const tries: Array<string | null> = [null, "", "wrong", ADMIN_TOKEN.slice(0, -1), ADMIN_TOKEN + "x", ADMIN_TOKEN.toUpperCase(), "x".repeat(5000)];
    for (const token of tries) {
      const r = await admin("GET", "/admin/keys", undefined, token);
      expect(r.status).toBe(401);
      expect(r.body.error).toMatchObject({ type: "authentication_error", code: "invalid_admin_token" });
      if (token !== null && token.length > 3) expect(JSON.stringify(r.body)).not.toContain(token);
      expect(JSON.stringify(r.body)).not.toContain(ADMIN_TOKEN);
    }
    const basic = await fetch(`${on.baseURL}/admin/keys`, { headers: { authorization: `Basic ${btoa(`admin:${ADMIN_TOKEN}`)}` } });
    expect(basic.status).toBe(401);
    // Writes are refused before anything is stored.
    const before = (await admin("GET", "/admin/keys")).body.data.length;
    expect((await admin("POST", "/admin/keys", { name: "sneaky" }, "wrong")).status).toBe(401);
    expect((await admin("GET", "/admin/keys")).body.data.length).toBe(before);
  });

  test("create, read, list, patch and revoke answer DESIGN's key object; the key is shown only at creation", async () => {
    const created = await admin("POST", "/admin/keys", {
      name: "team-a", models: ["fast", "openai/gpt-4o"], rate_limit: { rate: 5, burst: 10 }, expires_at: "2099-01-01T00:00:00Z",
    });
    expect(created.status).toBe(201);
    const { key, ...object } = created.body;
    expect(key).toMatch(KEY_SHAPE);
    expect(object).toEqual({
      id: expect.stringMatching(/^key_[A-Za-z0-9_-]{16}$/), name: "team-a", created_at: expect.any(String), last_used_at: null,
      expires_at: "2099-01-01T00:00:00.000Z", revoked: false, models: ["fast", "openai/gpt-4o"], rate_limit: { rate: 5, burst: 10 }, budget: null,
      usage: { requests: 0, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, errors: 0, cost_usd: 0 },
    });
    expect(Math.abs(Date.parse(object.created_at) - Date.now())).toBeLessThan(60_000);
    const id = object.id as string;
    const read = await admin("GET", `/admin/keys/${id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(object);
    const list = await admin("GET", "/admin/keys");
    expect(list.body.data.find((k: { id: string }) => k.id === id)).toEqual(object);
    expect(JSON.stringify(list.body)).not.toContain(key);

    const patched = await admin("PATCH", `/admin/keys/${id}`, { name: "team-a2", models: null, rate_limit: null, expires_at: null, budget: { limit_usd: 25, period: "day" } });
    expect(patched.status).toBe(200);
    // A budget adds the period's spend and when it resets (the next UTC midnight for a daily one).
    const midnight = new Date();
    midnight.setUTCHours(24, 0, 0, 0);
    expect(patched.body).toEqual({
      ...object, name: "team-a2", models: null, rate_limit: null, expires_at: null, budget: { limit_usd: 25, period: "day" },
      spent_usd: 0, resets_at: midnight.toISOString(),
    });
    expect((await admin("PATCH", `/admin/keys/${id}`, {})).body).toEqual(patched.body);

    const revoked = await admin("DELETE", `/admin/keys/${id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({ ...patched.body, revoked: true });
    expect((await admin("DELETE", `/admin/keys/${id}`)).body.revoked).toBe(true);
    expect((await admin("GET", `/admin/keys/${id}`)).body).toEqual({ ...patched.body, revoked: true });
    // Revoked at once on this instance, and within the poll interval on the other one.
    expect((await post(on, "/v1/chat/completions", chatBody("fast"), bearer(key))).status).toBe(401);
  });

  test("only the SHA-256 of a key is stored: the key is nowhere in the database files", async () => {
    const { id, key } = await newAppKey(admin, { name: "hashed" });
    const db = new Database(DB, { readonly: true });
    try {
      const tables = db.query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((t) => t.name);
      const everything = tables.map((t) => JSON.stringify(db.query(`SELECT * FROM "${t}"`).all())).join("\n");
      expect(everything).not.toContain(key);
      expect(everything).not.toContain(key.slice(4));
      expect(everything).toContain(new Bun.CryptoHasher("sha256").update(key).digest("hex"));
      expect(everything).toContain(id);
    } finally {
      db.close();
    }
    for (const file of [DB, `${DB}-wal`]) {
      let bytes = "";
      try {
        bytes = readFileSync(file, "latin1");
      } catch {}
      expect(bytes).not.toContain(key.slice(4));
    }
  });

  test("hostile bodies are 400s naming the field; odd ids are 404s", async () => {
    const cases: Array<[unknown, string | null]> = [
      ["{not json", null],
      ["[1,2]", null],
      [{}, "name"],
      [{ name: "" }, "name"],
      [{ name: "   " }, "name"],
      [{ name: 42 }, "name"],
      [{ name: "x".repeat(100_000) }, "name"],
      [{ name: "ok", colour: "red" }, "colour"],
      [{ name: "ok", key: "btr_chosen_by_client" }, "key"],
      [{ name: "ok", id: "key_mine" }, "id"],
      [{ name: "ok", models: "fast" }, "models"],
      [{ name: "ok", models: [1] }, "models.0"],
      [{ name: "ok", models: Array.from({ length: 1001 }, (_, i) => `m${i}`) }, "models"],
      [{ name: "ok", rate_limit: { rate: -1, burst: 2 } }, "rate_limit.rate"],
      [{ name: "ok", rate_limit: { rate: 1, burst: 0.5 } }, "rate_limit.burst"],
      [{ name: "ok", rate_limit: { rate: 1, burst: 2, extra: 1 } }, "rate_limit.extra"],
      [{ name: "ok", rate_limit: { rate: 2e6, burst: 2 } }, "rate_limit.rate"],
      [{ name: "ok", rate_limit: { rate: 1, burst: 1e7 } }, "rate_limit.burst"],
      [{ name: "ok", rate_limit: 5 }, "rate_limit"],
      [{ name: "ok", expires_at: "tomorrow" }, "expires_at"],
      [{ name: "ok", expires_at: "2026-13-45T99:99:99Z" }, "expires_at"],
      [{ name: "ok", expires_at: 1700000000 }, "expires_at"],
      [{ name: "ok", budget: { limit_usd: 5, period: "year" } }, "budget.period"],
      [{ name: "ok", budget: { limit_usd: -5, period: "day" } }, "budget.limit_usd"],
      [{ name: "ok", __proto__: { admin: true } }, null],
    ];
    const tooFast = await admin("POST", "/admin/keys", { name: "ok", rate_limit: { rate: 2e6, burst: 2 } });
    expect(tooFast.body.error.message).toBe("rate_limit.rate: at most 1000000");
    const before = (await admin("GET", "/admin/keys")).body.data.length;
    for (const [body, field] of cases) {
      const r = await admin("POST", "/admin/keys", body);
      if (field === null && typeof body === "object") {
        // `__proto__` in a JSON text is an own field like any other: accepted as a plain name-only key or refused, never merged.
        expect([201, 400]).toContain(r.status);
        continue;
      }
      expect({ body, status: r.status }).toEqual({ body, status: 400 });
      if (field !== null) expect({ body, param: r.body.error.param }).toEqual({ body, param: field });
      expect(JSON.stringify(r.body).length).toBeLessThan(2000);
    }
    const after = (await admin("GET", "/admin/keys")).body.data;
    expect(after.length).toBeLessThanOrEqual(before + 1);
    const { id } = await newAppKey(admin, { name: "target" });
    expect((await admin("PATCH", `/admin/keys/${id}`, { models: [null] })).body.error.param).toBe("models.0");
    expect((await admin("PATCH", `/admin/keys/${id}`, { revoked: false })).status).toBe(400);
    for (const odd of ["key_AAAAAAAAAAAAAAAA", "nope", "key_%00AAAAAAAAAAAAAAA", "key_'%20OR%201=1--", "%2e%2e", "key_" + "A".repeat(5000), "k%C3%A9y"]) {
      for (const method of ["GET", "PATCH", "DELETE"]) {
        const r = await admin(method, `/admin/keys/${odd}`, method === "PATCH" ? { name: "x" } : undefined);
        expect({ odd, method, status: r.status }).toEqual({ odd, method, status: 404 });
      }
    }
    expect((await admin("PUT", `/admin/keys/${id}`, { name: "x" })).status).toBe(405);
  });
});

describe("require_key: true", () => {
  test("no key, a provider-looking key, a malformed or unknown btr_ key: 401 in OpenAI's envelope, nothing sent upstream", async () => {
    for (const apiKey of ["sk-provider-key", "btr_short", "btr_" + "A".repeat(43), "btr_" + "A".repeat(44)]) {
      const client = openaiClient(on, { apiKey });
      const err = await client.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "hi" }] }).catch((e: any) => e);
      expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
      expect(err.status).toBe(401);
      expect(err.error).toMatchObject({ type: "authentication_error" });
      expect(JSON.stringify(err.error)).not.toContain(apiKey.slice(4));
    }
    const none = await post(on, "/v1/chat/completions", chatBody("fast"));
    expect(none.status).toBe(401);
    expect((await body(none)).error).toMatchObject({ type: "authentication_error", code: "missing_app_key" });
    const emb = await post(on, "/v1/embeddings", JSON.stringify({ model: "fast", input: "x" }));
    expect(emb.status).toBe(401);
    expect(mock.requests.length).toBe(0);
  });

  test("hostile key headers: odd spacing and case, oversized, control bytes, several keys at once", async () => {
    const { key } = await newAppKey(admin, { name: "hostile-headers" });
    const status = async (headers: Record<string, string>) => (await post(on, "/v1/chat/completions", chatBody("fast"), headers)).status;
    expect(await status({ authorization: `bearer   ${key}  ` })).toBe(200);
    expect(await status({ authorization: `BEARER ${key}` })).toBe(200);
    expect(await status({ authorization: `Bearer ${key}x` })).toBe(401);
    expect(await status({ authorization: `Bearer ${key.slice(0, -1)}` })).toBe(401);
    expect(await status({ authorization: `Bearer ${key.replace("btr_", "BTR_")}` })).toBe(401);
    expect(await status({ authorization: `Bearer ${key.slice(4)}` })).toBe(401);
    expect(await status({ authorization: `Basic ${btoa(key)}` })).toBe(401);
    expect(await status({ "x-butter-key": "btr_" + "A".repeat(8000) })).toBe(401);
    expect(await status({ "x-butter-key": `${key.slice(0, 20)}\t${key.slice(21)}` })).toBe(401);
    // x-butter-key wins over Authorization: a bad one there is not rescued by a good bearer token.
    expect(await status({ "x-butter-key": "btr_" + "C".repeat(43), authorization: `Bearer ${key}` })).toBe(401);
    expect(await status({ "x-butter-key": key, authorization: "Bearer btr_" + "C".repeat(43) })).toBe(200);
    expect(mock.requests.length).toBe(3);
  });

  test("a valid key answers, by Authorization, x-api-key and x-butter-key", async () => {
    const { key } = await newAppKey(admin, { name: "valid" });
    const client = openaiClient(on, { apiKey: key });
    const answer = await client.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "hi" }] });
    expect(answer.choices[0]!.message.content).toBe("Hi");
    expect((await post(on, "/v1/chat/completions", chatBody("fast"), { "x-butter-key": key })).status).toBe(200);
    expect((await post(on, "/v1/chat/completions", chatBody("fast"), { "x-api-key": key })).status).toBe(200);
    // The gateway's own key goes upstream, never the app key.
    for (const r of mock.requests) {
      expect(r.headers.authorization).toBe("Bearer sk-upstream-secret");
      expect(JSON.stringify(r.headers)).not.toContain("btr_");
    }
  });

  test("Messages with x-api-key: 401 as Anthropic's authentication_error, 403 as permission_error; a valid key answers", async () => {
    const bad = new Anthropic({ baseURL: on.baseURL, apiKey: "btr_" + "B".repeat(43), maxRetries: 0 });
    const err = await bad.messages.create({ model: "fast", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }).catch((e: any) => e);
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(err.error).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    const raw = await post(on, "/v1/messages/count_tokens", JSON.stringify({ model: "fast", messages: [{ role: "user", content: "hi" }] }));
    expect(raw.status).toBe(401);
    expect(await body(raw)).toMatchObject({ type: "error", error: { type: "authentication_error" } });

    const { key } = await newAppKey(admin, { name: "messages", models: ["fast"] });
    const good = new Anthropic({ baseURL: on.baseURL, apiKey: key, maxRetries: 0 });
    const message = await good.messages.create({ model: "fast", max_tokens: 10, messages: [{ role: "user", content: "hi" }] });
    expect(message.content[0]).toMatchObject({ type: "text", text: "Hi" });
    const denied = await good.messages.create({ model: "openai/gpt-4o", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }).catch((e: any) => e);
    expect(denied).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect(denied.error).toMatchObject({ type: "error", error: { type: "permission_error" } });
  });

  test("Responses: 401 without a key on POST and on GET/DELETE /v1/responses/{id}", async () => {
    const client = openaiClient(on, { apiKey: "sk-nope" });
    const err = await client.responses.create({ model: "fast", input: "hi" }).catch((e: any) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    for (const method of ["GET", "DELETE"]) {
      const r = await fetch(`${on.baseURL}/v1/responses/resp_123`, { method });
      expect(r.status).toBe(401);
      expect((await body(r)).error.type).toBe("authentication_error");
    }
    const { key } = await newAppKey(admin, { name: "responses" });
    expect((await fetch(`${on.baseURL}/v1/responses/resp_123`, { headers: bearer(key) })).status).toBe(404);
  });

  test("revoked and expired keys: 401", async () => {
    const revoked = await newAppKey(admin, { name: "to-revoke" });
    expect((await post(on, "/v1/chat/completions", chatBody("fast"), bearer(revoked.key))).status).toBe(200);
    await admin("DELETE", `/admin/keys/${revoked.id}`);
    const r = await post(on, "/v1/chat/completions", chatBody("fast"), bearer(revoked.key));
    expect(r.status).toBe(401);
    expect((await body(r)).error).toMatchObject({ code: "invalid_app_key", message: "The app key has been revoked." });

    const expired = await newAppKey(admin, { name: "expired", expires_at: "2020-01-01T00:00:00Z" });
    const e = await post(on, "/v1/chat/completions", chatBody("fast"), bearer(expired.key));
    expect(e.status).toBe(401);
    expect((await body(e)).error.message).toBe("The app key has expired.");
    // Expiry is checked per request, not at load: a key expiring a moment from now stops then.
    const soon = await newAppKey(admin, { name: "soon", expires_at: new Date(Date.now() + 1500).toISOString() });
    expect((await post(on, "/v1/chat/completions", chatBody("fast"), bearer(soon.key))).status).toBe(200);
    await Bun.sleep(1600);
    expect((await post(on, "/v1/chat/completions", chatBody("fast"), bearer(soon.key))).status).toBe(401);
  });

  test("a model outside the key's allowlist: 403 permission_error, as the client named it (route or provider/model)", async () => {
    const { id, key } = await newAppKey(admin, { name: "allow", models: ["fast", "openai/gpt-4o"] });
    expect((await post(on, "/v1/chat/completions", chatBody("fast"), bearer(key))).status).toBe(200);
    expect((await post(on, "/v1/chat/completions", chatBody("openai/gpt-4o"), bearer(key))).status).toBe(200);
    for (const model of ["openai/gpt-4o-mini", "FAST", "gpt-4o", "fast "]) {
      const r = await post(on, "/v1/chat/completions", chatBody(model), bearer(key));
      expect({ model, status: r.status }).toEqual({ model, status: 403 });
      expect((await body(r)).error).toMatchObject({ type: "permission_error", code: "model_not_allowed", param: "model" });
    }
    expect(mock.requests.length).toBe(2);
    // Refusals are the key's requests too, counted as errors.
    expect(await usageOf(id)).toMatchObject({ requests: 6, errors: 4 });
  });

  test("the key's own rate limit: 429 rate_limit_error with Retry-After", async () => {
    const { key } = await newAppKey(admin, { name: "limited", rate_limit: { rate: 0.5, burst: 2 } });
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 4; i++) {
      const r = await post(on, "/v1/chat/completions", chatBody("fast"), bearer(key));
      statuses.push(r.status);
      if (r.status === 429) limited = r;
    }
    expect(statuses).toEqual([200, 200, 429, 429]);
    const retryAfter = Number(limited!.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2);
    expect((await body(limited!)).error).toMatchObject({ type: "rate_limit_error", code: "rate_limit_exceeded" });
    // Another key is not limited by this one's bucket.
    const other = await newAppKey(admin, { name: "unlimited" });
    expect((await post(on, "/v1/chat/completions", chatBody("fast"), bearer(other.key))).status).toBe(200);
  });

  test("passthrough providers: the app key in x-butter-key, the client's provider key in Authorization; app keys never go upstream", async () => {
    const { key } = await newAppKey(admin, { name: "passthrough" });
    const ok = await post(on, "/v1/chat/completions", chatBody("pt/gpt-4o-mini"), { authorization: "Bearer sk-client-provider", "x-butter-key": key });
    expect(ok.status).toBe(200);
    expect(mock.requests[0]!.headers.authorization).toBe("Bearer sk-client-provider");
    // The app key as the bearer token with a passthrough target: used for auth, but not handed to the provider.
    await post(on, "/v1/chat/completions", chatBody("pt/gpt-4o-mini"), { authorization: `Bearer ${key}`, "x-api-key": key });
    for (const r of mock.requests) expect(JSON.stringify(r.headers)).not.toContain(key);
    for (const r of mock.requests) expect(r.headers["x-butter-key"]).toBeUndefined();
  });
});

describe("counting", () => {
  test("require_key: false: a valid key is counted, no key and SDK placeholders pass uncounted, a revoked key is a 401", async () => {
    const { id, key } = await newAppKey(admin, { name: "optional" });
    // The other instance sees the new key within its poll interval.
    await within(1000, async () => (await post(off, "/v1/chat/completions", chatBody("fast"), bearer(key))).status === 200);
    expect((await post(off, "/v1/chat/completions", chatBody("fast"))).status).toBe(200);
    expect((await post(off, "/v1/chat/completions", chatBody("fast"), bearer("btr_test"))).status).toBe(200);
    expect((await post(off, "/v1/chat/completions", chatBody("fast"), bearer("sk-anything"))).status).toBe(200);
    await Bun.sleep(500);
    expect(await usageOf(id)).toMatchObject({ requests: 1, prompt_tokens: PROMPT, completion_tokens: COMPLETION, total_tokens: PROMPT + COMPLETION });
    expect((await admin("GET", `/admin/keys/${id}`)).body.last_used_at).toEqual(expect.any(String));
    await admin("DELETE", `/admin/keys/${id}`);
    await within(1000, async () => (await post(off, "/v1/chat/completions", chatBody("fast"), bearer(key))).status === 401);
  });

  test("counters are exact after 200 concurrent requests, half of them streamed, plus upstream errors", async () => {
    const { id, key } = await newAppKey(admin, { name: "busy" });
    const client = openaiClient(on, { apiKey: key });
    const one = async (i: number) => {
      if (i % 2 === 0) return (await client.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "hi" }] })).usage?.total_tokens;
      const stream = await client.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "hi" }], stream: true });
      let text = "";
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
      return text;
    };
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => one(i)));
    expect(results.filter((r) => r === PROMPT + COMPLETION).length).toBe(100);
    expect(results.filter((r) => r === "Hi").length).toBe(100);
    const failures = await Promise.all(Array.from({ length: 5 }, () => post(on, "/v1/chat/completions", chatBody("openai/fail"), bearer(key))));
    expect(failures.map((r) => r.status)).toEqual([400, 400, 400, 400, 400]);
    const expected = { requests: 205, prompt_tokens: 200 * PROMPT, completion_tokens: 200 * COMPLETION, total_tokens: 200 * (PROMPT + COMPLETION), errors: 5, cost_usd: tableCostUsd("openai", "gpt-4o-mini", { prompt_tokens: PROMPT, completion_tokens: COMPLETION }, 200) };
    expect(await usageOf(id)).toEqual(expected);
    // ...and written to the database by the flush, in one row.
    await within(2000, async () => {
      const db = new Database(DB, { readonly: true });
      try {
        const row = db.query<{ requests: number; errors: number; prompt_tokens: number }, [string]>("SELECT requests, errors, prompt_tokens FROM app_keys WHERE id = ?").get(id);
        return row?.requests === 205 && row.errors === 5 && row.prompt_tokens === 200 * PROMPT;
      } finally {
        db.close();
      }
    });
  });

  test("butter keys create|list|revoke work on the store the config names; a running gateway sees them within a second", async () => {
    const cli = async (...args: string[]) => {
      const p = Bun.spawn([process.execPath, join(repoRoot, "src/main.ts"), "keys", ...args, "--config", on.configPath], { cwd: repoRoot, stdout: "pipe", stderr: "pipe" });
      const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
      return { out, err, code };
    };
    const created = await cli("create", "--name", "from-cli", "--models", "fast,openai/gpt-4o", "--expires", "2099-06-01T00:00:00Z");
    expect(created.code).toBe(0);
    const object = JSON.parse(created.out);
    expect(object).toMatchObject({ name: "from-cli", models: ["fast", "openai/gpt-4o"], expires_at: "2099-06-01T00:00:00.000Z", revoked: false });
    expect(object.key).toMatch(KEY_SHAPE);
    expect(created.err).toContain("shown this once");
    const waited = await within(1500, async () => (await post(on, "/v1/chat/completions", chatBody("fast"), bearer(object.key))).status === 200);
    expect(waited).toBeLessThan(1000);
    const list = await cli("list");
    expect(list.code).toBe(0);
    expect(JSON.parse(list.out).data.some((k: { id: string }) => k.id === object.id)).toBe(true);
    expect(list.out).not.toContain(object.key);
    const revoked = await cli("revoke", object.id);
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.out).revoked).toBe(true);
    expect(await within(1500, async () => (await post(on, "/v1/chat/completions", chatBody("fast"), bearer(object.key))).status === 401)).toBeLessThan(1000);
    const unknown = await cli("revoke", "key_nope");
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('no app key with id "key_nope"');
    const bad = await cli("create", "--name", "x", "--expires", "someday");
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("expires_at");
    expect((await cli("create")).err).toContain("--name");
  });
});
