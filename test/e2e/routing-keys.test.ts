// Routes and keys end to end: the real gateway, mock upstreams, the official SDK.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import OpenAI, { APIError } from "openai";
import { fixtureReply, json, openaiClient, startGateway, startMockUpstream, type Gateway, type MockUpstream } from "../support/index.ts";

let mock: MockUpstream;
let gw: Gateway;
let client: OpenAI;

const STORED = "sk-stored-LEAKCHECK-0001";

beforeAll(async () => {
  mock = await startMockUpstream();
  const provider = (path: string, keys: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}) => ({
    type: "openai", base_url: `${mock.url}/${path}/v1`, keys, ...extra,
  });
  gw = await startGateway({
    providers: {
      a: provider("a", [{ value: "key-a" }]),
      b: provider("b", [{ value: "key-b" }]),
      c: provider("c", [{ value: "key-c" }]),
      weighted: provider("w", [{ value: "key-light", weight: 1 }, { value: "key-heavy", weight: 3 }]),
      listed: provider("l", [{ value: "key-only-m1", models: ["m1"] }, { value: "key-general" }]),
      narrow: provider("n", [{ value: "key-n", models: ["m1"] }]),
      pt: provider("pt", [{ value: "sk-stored-should-not-be-used" }], { credential_mode: "passthrough" }),
      stored: provider("st", [{ value: STORED }]),
    },
    routes: {
      prio: { strategy: "priority", targets: [{ provider: "a", model: "ma" }, { provider: "b", model: "mb" }, { provider: "c", model: "mc" }] },
      rr: { strategy: "round-robin", targets: [{ provider: "a", model: "ma" }, { provider: "b", model: "mb" }] },
      wrr: { strategy: "round-robin", targets: [{ provider: "a", model: "ma", weight: 3 }, { provider: "b", model: "mb", weight: 1 }] },
    },
    // Circuits must not open across tests here; backoff short so failover tests are quick.
    failover: { backoff: { initial: "1ms", max: "5ms", multiplier: 2 }, circuit: { failures: 1000, cooldown: "1s" } },
  });
  client = openaiClient(gw);
});
afterAll(async () => {
  await gw?.stop();
  await mock?.stop();
});
beforeEach(() => {
  mock.reset();
  mock.when("POST", /\/v1\/chat\/completions$/, fixtureReply("openai", "chat.response.json"));
});

const hello = [{ role: "user" as const, content: "Hello!" }];
const chat = (model: string) => client.chat.completions.create({ model, messages: hello }).withResponse();
const firstSegment = (path: string) => path.split("/")[1]!;

describe("routes", () => {
  test("priority: the first target answers; x-butter-provider names it and the model is the target's", async () => {
    for (let i = 0; i < 3; i++) {
      const { response } = await chat("prio");
      expect(response.headers.get("x-butter-provider")).toBe("a");
      expect(response.headers.get("x-butter-attempts")).toBe("1");
    }
    expect(mock.requests.map((r) => r.path)).toEqual(Array(3).fill("/a/v1/chat/completions"));
    expect((mock.requests[0]!.json as { model: string }).model).toBe("ma");
  });

  test("priority: failover walks the targets in order", async () => {
    mock.when("POST", "/a/v1/chat/completions", json({ error: { message: "down" } }, { status: 503 }));
    mock.when("POST", "/b/v1/chat/completions", json({ error: { message: "down" } }, { status: 502 }));
    const { response } = await chat("prio");
    expect(response.headers.get("x-butter-provider")).toBe("c");
    expect(response.headers.get("x-butter-attempts")).toBe("3");
    expect(mock.requests.map((r) => firstSegment(r.path))).toEqual(["a", "b", "c"]);
    expect((mock.requests[2]!.json as { model: string }).model).toBe("mc");
  });

  test("round-robin alternates; weighted round-robin keeps its shares (200 requests, within bounds)", async () => {
    for (let i = 0; i < 20; i++) await chat("rr");
    const rr = mock.requests.map((r) => firstSegment(r.path));
    expect(rr.filter((p) => p === "a").length).toBe(10);
    for (let i = 1; i < rr.length; i++) expect(rr[i]).not.toBe(rr[i - 1]);

    mock.clearRequests();
    const seen = { a: 0, b: 0 };
    for (let i = 0; i < 200; i++) {
      const { response } = await chat("wrr");
      seen[response.headers.get("x-butter-provider") as "a" | "b"]++;
    }
    // Sequential requests get the exact 3:1 rotation; the bound leaves room for any interleaving.
    expect(Math.abs(seen.a - 150)).toBeLessThanOrEqual(10);
    expect(seen.a + seen.b).toBe(200);
  });

  test("GET /v1/models lists the route names", async () => {
    mock.when("GET", /\/models$/, json({ object: "list", data: [] }));
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toEqual(expect.arrayContaining(["prio", "rr", "wrr"]));
  });
});

describe("keys", () => {
  const keysUsed = () => mock.requests.map((r) => r.headers.authorization?.replace(/^Bearer /, ""));

  test("weighted random choice (400 requests, weights 1:3, within ~5σ)", async () => {
    for (let i = 0; i < 400; i++) await chat("weighted/m");
    const heavy = keysUsed().filter((k) => k === "key-heavy").length;
    // Binomial(400, 0.75): mean 300, σ ≈ 8.7.
    expect(Math.abs(heavy - 300)).toBeLessThanOrEqual(45);
    expect(new Set(keysUsed())).toEqual(new Set(["key-light", "key-heavy"]));
  });

  test("allowlists: a key is used only for the models it lists", async () => {
    for (let i = 0; i < 40; i++) await chat("listed/m2");
    expect(new Set(keysUsed())).toEqual(new Set(["key-general"]));
    mock.clearRequests();
    for (let i = 0; i < 80; i++) await chat("listed/m1");
    expect(new Set(keysUsed())).toEqual(new Set(["key-only-m1", "key-general"]));
  });

  test("no key admits the model → 401 missing_provider_key, nothing sent upstream", async () => {
    const err = (await chat("narrow/m2").catch((e: unknown) => e)) as APIError;
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err.code).toBe("missing_provider_key");
    expect(mock.requests.length).toBe(0);
  });

  test("a key answering 429 is skipped for the rest of the request: the other key serves it", async () => {
    mock.when("POST", "/w/v1/chat/completions", (req) =>
      req.headers.authorization === "Bearer key-heavy"
        ? json({ error: { message: "slow down", type: "rate_limit_error" } }, { status: 429 })
        : fixtureReply("openai", "chat.response.json"),
    );
    for (let i = 0; i < 10; i++) {
      const { response } = await chat("weighted/m");
      expect(Number(response.headers.get("x-butter-attempts"))).toBeLessThanOrEqual(2);
    }
    // Within one request the heavy key is never tried twice.
    expect(keysUsed().filter((k) => k === "key-light").length).toBe(10);
  });

  test("passthrough: the client's auth headers arrive upstream untouched; no stored key is sent", async () => {
    const own = openaiClient(gw, {
      apiKey: "client-own-key-123",
      defaultHeaders: { "x-api-key": "client-x-api-key", "api-key": "client-azure-key", "x-goog-api-key": "client-goog-key" },
    });
    await own.chat.completions.create({ model: "pt/m", messages: hello });
    const sent = mock.requests[0]!.headers;
    expect(sent.authorization).toBe("Bearer client-own-key-123");
    expect(sent["x-api-key"]).toBe("client-x-api-key");
    expect(sent["api-key"]).toBe("client-azure-key");
    expect(sent["x-goog-api-key"]).toBe("client-goog-key");
    expect(JSON.stringify(sent)).not.toContain("sk-stored-should-not-be-used");

    // `stored` never forwards the client's headers.
    mock.clearRequests();
    await own.chat.completions.create({ model: "stored/m", messages: hello });
    const stored = mock.requests[0]!.headers;
    expect(stored.authorization).toBe(`Bearer ${STORED}`);
    for (const h of ["x-api-key", "api-key", "x-goog-api-key"]) expect(stored[h]).toBeUndefined();
  });

  test("stored keys never reach the client or the logs, even when the upstream echoes them", async () => {
    // Successful answers carry no key.
    const ok = await chat("stored/m");
    expect(JSON.stringify([...ok.response.headers])).not.toContain(STORED);
    // An upstream that echoes the key in its 401, after retried 503s (which are logged).
    mock.when("POST", "/st/v1/chat/completions", (req, nth) =>
      nth === 0
        ? json({ error: { message: "busy" } }, { status: 503, headers: { "retry-after": "0" } })
        : json({ error: { message: `Incorrect API key provided: ${req.headers.authorization}`, code: "invalid_api_key" } }, { status: 401 }),
    );
    const res = await fetch(`${gw.baseURL}/v1/chat/completions`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "stored/m", messages: hello }),
    });
    expect(res.status).toBe(401);
    const text = await res.text();
    expect(text).toContain("Incorrect API key provided");
    expect(text).not.toContain(STORED);
    expect(JSON.stringify([...res.headers])).not.toContain(STORED);
    await gw.waitForLog((_l, j) => j?.msg === "upstream attempt failed; retrying" && j.provider === "stored");
    const retryLog = gw.jsonLogs().find((j) => j.msg === "upstream attempt failed; retrying" && j.provider === "stored")!;
    expect(retryLog.key_index).toBe(0);
    expect(gw.logs.join("\n")).not.toContain(STORED);
  });
});
