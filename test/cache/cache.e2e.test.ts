// The response cache end to end, in process: the official SDKs → the gateway (real server, plugin
// pipeline, engine, memory cache with a clock the test moves) → mock upstreams speaking OpenAI's and
// Anthropic's wire formats. Each answer the mock gives is different (its id and text carry a
// counter), so a hit is told from a miss by its bytes as well as by the mock's request count.
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import type { Plugin } from "../../src/plugins/types.ts";
import { embeddings } from "../../src/server/operations/embeddings.ts";
import { json, sse, startMockUpstream, type MockUpstream } from "../support/index.ts";
import { post, startCached, type CachedGateway } from "./support.ts";

let mock: MockUpstream;
let gw: CachedGateway;
let openai: OpenAI;
let anthropic: Anthropic;
const postHookCalls: string[] = [];

const chatReply = (nth: number) => json({
  id: `chatcmpl-${nth}`, object: "chat.completion", created: 1700000000 + nth, model: "gpt-4o-mini",
  choices: [{ index: 0, message: { role: "assistant", content: `answer ${nth}` }, finish_reason: "stop" }],
  usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 },
});
const messageReply = (nth: number) => json({
  id: `msg_${nth}`, type: "message", role: "assistant", model: "claude-sonnet-4-5",
  content: [{ type: "text", text: `answer ${nth}` }], stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 13, output_tokens: 4 },
});
const responseReply = (nth: number) => json({
  id: `resp_${nth}`, object: "response", created_at: 1700000000 + nth, status: "completed", model: "gpt-4o-mini", store: false,
  output: [{ id: `msg_${nth}`, type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text: `answer ${nth}`, annotations: [] }] }],
  usage: { input_tokens: 9, output_tokens: 3, total_tokens: 12 },
});
const embeddingReply = (nth: number) => json({
  object: "list", data: [{ object: "embedding", index: 0, embedding: [nth, 0.25, -0.5] }], model: "text-embedding-3-small", usage: { prompt_tokens: 3, total_tokens: 3 },
});

const config = (extra: Record<string, unknown> = {}) => ({
  providers: {
    openai: { base_url: `${mock.url}/v1`, keys: [{ value: "sk-openai" }] },
    anthropic: { base_url: `${mock.url}/ant`, keys: [{ value: "sk-ant" }] },
  },
  routes: {
    fast: { targets: [{ provider: "openai", model: "gpt-4o-mini" }] },
    smart: { targets: [{ provider: "openai", model: "gpt-4o-mini" }] },
  },
  failover: { max_attempts: 1, timeout: "5s" },
  store: "sqlite::memory:",
  cache: { backend: "memory", ttl: "1m" },
  ...extra,
});

/** A post-LLM hook that marks chat answers, and a pre-LLM hook that refuses a prompt saying "forbidden". */
const plugins: Record<string, () => Plugin> = {
  marker: () => ({
    name: "marker",
    postLlm: (p) => {
      postHookCalls.push(p.request_id);
      const body = p.body as { choices?: Array<{ message: { content: string } }> } | undefined;
      if (body?.choices === undefined) return undefined;
      return { modify: { ...p, body: { ...body, choices: body.choices.map((c) => ({ ...c, message: { ...c.message, content: `${c.message.content} [marked]` } })) } as never } };
    },
  }),
  watcher: () => ({
    name: "watcher",
    postLlm: (p) => {
      postHookCalls.push(p.request_id);
      return undefined;
    },
  }),
  guard: () => ({
    name: "guard",
    preLlm: (p) => (JSON.stringify(p.body).includes("forbidden") ? { respond: { status: 400, error: { message: "refused", type: "invalid_request_error", code: "guard" } } } : undefined),
  }),
};

let counter = 0;
beforeAll(async () => {
  mock = await startMockUpstream();
});
afterAll(async () => {
  await mock?.stop();
});
beforeEach(async () => {
  mock.reset();
  counter = 0;
  mock.when("POST", "/v1/chat/completions", (req) => ((req.json as { stream?: boolean }).stream
    ? sse([{ id: "c", object: "chat.completion.chunk", created: 1, model: "gpt-4o-mini", choices: [{ index: 0, delta: { role: "assistant", content: "hi" }, finish_reason: "stop" }] }, "[DONE]"])
    : chatReply(++counter)));
  mock.when("POST", "/ant/v1/messages", () => messageReply(++counter));
  mock.when("POST", "/v1/responses", () => responseReply(++counter));
  mock.when("POST", "/v1/embeddings", () => embeddingReply(++counter));
  postHookCalls.length = 0;
});
afterEach(async () => {
  await gw?.stop();
});

async function start(extra: Record<string, unknown> = {}): Promise<void> {
  gw = await startCached(config(extra), plugins);
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "x", maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: gw.url, apiKey: "x", maxRetries: 0 });
}

const ask = (content: string, more: Record<string, unknown> = {}) => ({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content }], temperature: 0, ...more });
const upstream = (path: string) => mock.requests.filter((r) => r.path.startsWith(path)).length;

/** Two identical calls: the second must be a hit with the first's bytes and the upstream called once for both. */
async function twice(send: () => Promise<Response>, path: string): Promise<[Response, Response, string]> {
  const before = upstream(path);
  const a = await send();
  const textA = await a.text();
  const b = await send();
  const textB = await b.text();
  expect(a.status).toBe(200);
  expect(a.headers.get("x-butter-cache")).toBe("miss");
  expect(b.headers.get("x-butter-cache")).toBe("hit");
  expect(textB).toBe(textA);
  expect(upstream(path) - before).toBe(1);
  return [a, b, textA];
}

/** Two identical calls that must both reach the upstream. */
async function neverCached(send: () => Promise<Response>, path: string): Promise<void> {
  const before = upstream(path);
  const a = await send();
  await a.text();
  const b = await send();
  await b.text();
  expect(a.headers.get("x-butter-cache")).toBe("miss");
  expect(b.headers.get("x-butter-cache")).toBe("miss");
  expect(upstream(path) - before).toBe(2);
}

const messagesReq = (content: string, more: Record<string, unknown> = {}) => ({ model: "anthropic/claude-sonnet-4-5", max_tokens: 100, temperature: 0, messages: [{ role: "user", content }], ...more });
const responsesReq = (input: string, more: Record<string, unknown> = {}) => ({ model: "openai/gpt-4o-mini", input, temperature: 0, store: false, ...more });

describe("hit, miss and bypass on every client API", () => {
  test("chat: the second identical request is a hit with the same bytes, original provider, 0 attempts; no-cache refreshes", async () => {
    await start();
    const [a, b] = await twice(() => post(gw.url, "/v1/chat/completions", ask("hello")), "/v1/chat");
    expect(b.headers.get("x-butter-provider")).toBe(a.headers.get("x-butter-provider")!);
    expect(b.headers.get("x-butter-attempts")).toBe("0");
    expect(b.headers.get("x-request-id")).not.toBe(a.headers.get("x-request-id")!);
    // The SDK reads the hit as it read the miss.
    const { data, response } = await openai.chat.completions.create(ask("hello") as never).withResponse();
    expect(response.headers.get("x-butter-cache")).toBe("hit");
    expect((data as OpenAI.ChatCompletion).choices[0]!.message.content).toBe("answer 1");
    // Cache-Control: no-cache skips the lookup (a fresh answer) and stores it: the next plain request hits the new one.
    const fresh = await post(gw.url, "/v1/chat/completions", ask("hello"), { "cache-control": "no-cache" });
    expect(fresh.headers.get("x-butter-cache")).toBe("miss");
    expect(((await fresh.json()) as any).choices[0].message.content).toBe("answer 2");
    const after = await post(gw.url, "/v1/chat/completions", ask("hello"));
    expect(after.headers.get("x-butter-cache")).toBe("hit");
    expect(((await after.json()) as any).choices[0].message.content).toBe("answer 2");
    expect(upstream("/v1/chat")).toBe(2);
  });

  test("chat: no-store keeps the answer out; a stored answer still serves a no-store request", async () => {
    await start();
    await neverCached(() => post(gw.url, "/v1/chat/completions", ask("private"), { "cache-control": "no-store" }), "/v1/chat");
    await twice(() => post(gw.url, "/v1/chat/completions", ask("shared")), "/v1/chat");
    const r = await post(gw.url, "/v1/chat/completions", ask("shared"), { "cache-control": "no-store" });
    expect(r.headers.get("x-butter-cache")).toBe("hit");
  });

  test("Messages (Anthropic SDK): a hit reads as the same message; no temperature, temperature 1 and streams are never cached", async () => {
    await start();
    const first = await anthropic.messages.create(messagesReq("hello") as never).withResponse();
    const second = await anthropic.messages.create(messagesReq("hello") as never).withResponse();
    expect(first.response.headers.get("x-butter-cache")).toBe("miss");
    expect(second.response.headers.get("x-butter-cache")).toBe("hit");
    expect(second.data).toEqual(first.data);
    expect((second.data as Anthropic.Message).id).toBe("msg_1");
    expect(upstream("/ant/v1/messages")).toBe(1);
    await twice(() => post(gw.url, "/v1/messages", messagesReq("raw")), "/ant/v1/messages");
    const noTemperature = messagesReq("sampled") as Record<string, unknown>;
    delete noTemperature.temperature;
    await neverCached(() => post(gw.url, "/v1/messages", noTemperature), "/ant/v1/messages");
    await neverCached(() => post(gw.url, "/v1/messages", messagesReq("warm", { temperature: 1 })), "/ant/v1/messages");
  });

  test("Responses (OpenAI SDK responses.create): store false at temperature 0 hits; store true or no temperature never", async () => {
    await start();
    const first = await openai.responses.create(responsesReq("hello") as never).withResponse();
    const second = await openai.responses.create(responsesReq("hello") as never).withResponse();
    expect(first.response.headers.get("x-butter-cache")).toBe("miss");
    expect(second.response.headers.get("x-butter-cache")).toBe("hit");
    expect((second.data as OpenAI.Responses.Response).output_text).toBe("answer 1");
    expect(second.data).toEqual(first.data);
    expect(upstream("/v1/responses")).toBe(1);
    await twice(() => post(gw.url, "/v1/responses", responsesReq("raw")), "/v1/responses");
    await neverCached(() => post(gw.url, "/v1/responses", responsesReq("kept", { store: true })), "/v1/responses");
    await neverCached(() => post(gw.url, "/v1/responses", responsesReq("default store", { store: undefined })), "/v1/responses");
    const noTemperature = responsesReq("sampled") as Record<string, unknown>;
    delete noTemperature.temperature;
    await neverCached(() => post(gw.url, "/v1/responses", noTemperature), "/v1/responses");
  });

  test("Responses translated for another provider: a hit names the hosted tools left out, as the miss did", async () => {
    await start();
    const req = { ...responsesReq("search something", { model: "anthropic/claude-sonnet-4-5" }), tools: [{ type: "web_search" }] };
    const [miss, hit] = await twice(() => post(gw.url, "/v1/responses", req), "/ant/v1/messages");
    expect(miss.headers.get("x-butter-dropped-tools")).toBe("web_search");
    expect(hit.headers.get("x-butter-dropped-tools")).toBe("web_search");
    // Without a hosted tool there is nothing to name, on a miss or a hit.
    const [plainMiss, plainHit] = await twice(() => post(gw.url, "/v1/responses", responsesReq("no tools", { model: "anthropic/claude-sonnet-4-5" })), "/ant/v1/messages");
    expect(plainMiss.headers.get("x-butter-dropped-tools")).toBeNull();
    expect(plainHit.headers.get("x-butter-dropped-tools")).toBeNull();
  });

  test("embeddings are always cacheable (no temperature), through the SDK too", async () => {
    await start();
    const req = { model: "openai/text-embedding-3-small", input: "embed me" };
    await twice(() => post(gw.url, "/v1/embeddings", req), "/v1/embeddings");
    // The SDK asks for base64 by default: another request, one more upstream call, then a hit.
    await openai.embeddings.create(req);
    const { data, response } = await openai.embeddings.create(req).withResponse();
    expect(response.headers.get("x-butter-cache")).toBe("hit");
    expect(data.data.length).toBe(1);
    expect(upstream("/v1/embeddings")).toBe(2);
    await neverCached(() => post(gw.url, "/v1/embeddings", req, { "cache-control": "no-cache, no-store" }), "/v1/embeddings");
  });
});

describe("the key", () => {
  test("canonical: the same request with keys reordered and other whitespace hits", async () => {
    await start();
    const a = await post(gw.url, "/v1/chat/completions", '{"model":"openai/gpt-4o-mini","temperature":0,"messages":[{"role":"user","content":"canon"}],"seed":7}');
    const textA = await a.text();
    const b = await post(gw.url, "/v1/chat/completions", '{\n  "seed" : 7,\n\t"messages": [ { "content": "canon", "role": "user" } ],\n  "temperature": 0.0, "model": "openai/gpt-4o-mini"\n}');
    expect(b.headers.get("x-butter-cache")).toBe("hit");
    expect(await b.text()).toBe(textA);
    // ...but a different seed, n or tool list is a different request.
    for (const more of [{ seed: 8 }, { n: 2 }, { tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }] }]) {
      const r = await post(gw.url, "/v1/chat/completions", ask("canon", { seed: 7, ...more }));
      expect(r.headers.get("x-butter-cache")).toBe("miss");
    }
  });

  test("different routes to the same target, a route vs provider/model, and chat vs Messages with the same content miss", async () => {
    await start();
    for (const model of ["fast", "smart", "openai/gpt-4o-mini"]) {
      const r = await post(gw.url, "/v1/chat/completions", ask("same", { model }));
      expect(r.headers.get("x-butter-cache")).toBe("miss");
    }
    expect(upstream("/v1/chat")).toBe(3);
    const chat = await post(gw.url, "/v1/chat/completions", ask("same", { model: "anthropic/claude-sonnet-4-5", max_tokens: 100 }));
    expect(chat.headers.get("x-butter-cache")).toBe("miss");
    const messages = await post(gw.url, "/v1/messages", messagesReq("same"));
    expect(messages.headers.get("x-butter-cache")).toBe("miss");
    expect(((await messages.json()) as any).type).toBe("message");
    expect(upstream("/ant/v1/messages")).toBe(2);
  });

  test("app-key scopes never share an entry", async () => {
    await start();
    const cache = gw.gen().cache!;
    let calls = 0;
    const inner = { call: async () => ({ value: { type: "json" as const, body: { n: ++calls } as never }, provider: "openai", model: "m", attempts: 1 }) };
    const ctx = { requestId: "r", signal: new AbortController().signal, passthroughHeaders: {}, waited: { ms: 0 } };
    const { EMBEDDINGS } = await import("../../src/engine/operations.ts");
    const exchange = (appKeyScope: string | undefined) => ({ req: new Request("http://x/"), headers: {} as Record<string, string>, recorder: undefined, appKeyScope });
    const request = { model: "openai/text-embedding-3-small", input: "scoped" };
    const run = async (scope: string | undefined) => {
      const ex = exchange(scope);
      const out = await cache.engine(inner, ex as never, "openai:embeddings", embeddings.cacheable).call(EMBEDDINGS, request, ctx);
      const step = (ex as { cache?: { hit?: unknown; key?: string; store?: (k: string, a: unknown) => void } }).cache;
      if (step?.hit === undefined && step?.store !== undefined) step.store(step.key!, { client: JSON.stringify(out.value), internal: undefined, provider: "openai", model: "m", promptTokens: 1, completionTokens: undefined });
      return ex.headers["x-butter-cache"];
    };
    expect(await run("key_a")).toBe("miss");
    expect(await run("key_a")).toBe("hit");
    expect(await run("key_b")).toBe("miss");
    expect(await run(undefined)).toBe("miss");
    expect(await run("key_b")).toBe("hit");
    expect(calls).toBe(3);
  });
});

describe("what is never stored", () => {
  test("streams, non-zero temperature, upstream errors and plugin refusals", async () => {
    await start({ plugins: [{ name: "guard" }] });
    const stream = async () => {
      const r = await post(gw.url, "/v1/chat/completions", ask("streamed", { stream: true }));
      expect(r.headers.get("content-type")).toContain("text/event-stream");
      return r;
    };
    await neverCached(stream, "/v1/chat");
    await neverCached(() => post(gw.url, "/v1/chat/completions", ask("warm", { temperature: 0.7 })), "/v1/chat");
    await neverCached(() => post(gw.url, "/v1/chat/completions", { ...ask("default"), temperature: undefined }), "/v1/chat");
    // An upstream error is not kept: the next identical request goes upstream and its answer is.
    mock.when("POST", "/v1/chat/completions", json({ error: { message: "boom", type: "server_error" } }, { status: 500 }));
    const failed = await post(gw.url, "/v1/chat/completions", ask("flaky"));
    expect(failed.status).toBe(500);
    mock.when("POST", "/v1/chat/completions", () => chatReply(++counter));
    await twice(() => post(gw.url, "/v1/chat/completions", ask("flaky")), "/v1/chat");
    // A pre-LLM refusal still refuses, and leaves nothing behind.
    for (let i = 0; i < 2; i++) {
      const refused = await post(gw.url, "/v1/chat/completions", ask("forbidden words"));
      expect(refused.status).toBe(400);
      expect(refused.headers.get("x-butter-cache")).toBeNull();
    }
    const before = upstream("/v1/chat");
    expect(before).toBeGreaterThan(0);
  });

  test("odd Cache-Control values are read leniently and never fail the request", async () => {
    await start();
    await twice(() => post(gw.url, "/v1/chat/completions", ask("odd"), { "cache-control": "max-age=abc, x-unknown=\"no-cache\", ,,," }), "/v1/chat");
    for (const [value, expected] of [["NO-CACHE", "miss"], [" no-cache=\"x\" ", "miss"], ["max-age=0", "miss"], ["private, max-age=60", "hit"], ["no-cachex", "hit"], ["", "hit"]] as const) {
      const r = await post(gw.url, "/v1/chat/completions", ask("odd"), { "cache-control": value });
      expect(r.status).toBe(200);
      expect([value, r.headers.get("x-butter-cache")]).toEqual([value, expected]);
      await r.text();
    }
  });
});

describe("hostile sizes", () => {
  test("a 1 MB request at temperature 0 is keyed and hit; an answer over a tenth of max_bytes is served but not kept", async () => {
    await start({ cache: { backend: "memory", max_bytes: "20KB" } });
    const huge = ask("x".repeat(1_000_000));
    const t = performance.now();
    await twice(() => post(gw.url, "/v1/chat/completions", huge), "/v1/chat");
    expect(performance.now() - t).toBeLessThan(2000);
    mock.when("POST", "/v1/chat/completions", () => json({
      id: `chatcmpl-${++counter}`, object: "chat.completion", created: 1, model: "gpt-4o-mini",
      choices: [{ index: 0, message: { role: "assistant", content: "y".repeat(3000) }, finish_reason: "stop" }],
    }));
    await neverCached(() => post(gw.url, "/v1/chat/completions", ask("long answer")), "/v1/chat");
  });
});

describe("plugins and telemetry", () => {
  test("post-LLM hooks run on hits too, on the body from before the hook; the record says hit and the tokens saved", async () => {
    await start({ plugins: [{ name: "marker" }] });
    const a = await post(gw.url, "/v1/chat/completions", ask("marked"));
    const b = await post(gw.url, "/v1/chat/completions", ask("marked"));
    const bodyA = (await a.json()) as any;
    const bodyB = (await b.json()) as any;
    expect(b.headers.get("x-butter-cache")).toBe("hit");
    expect(bodyA.choices[0].message.content).toBe("answer 1 [marked]");
    expect(bodyB.choices[0].message.content).toBe("answer 1 [marked]");
    expect(postHookCalls.length).toBe(2);
    expect(upstream("/v1/chat")).toBe(1);
    // Messages: the hook's change reaches the Anthropic-shaped answer on a hit as on a miss.
    const m1 = (await (await post(gw.url, "/v1/messages", messagesReq("marked"))).json()) as any;
    const m2res = await post(gw.url, "/v1/messages", messagesReq("marked"));
    const m2 = (await m2res.json()) as any;
    expect(m2res.headers.get("x-butter-cache")).toBe("hit");
    expect(m2).toEqual(m1);
    expect(postHookCalls.length).toBe(4);
    // Responses translated for Anthropic: the hit is encoded again (the hook changed it) and still names the tools left out.
    const responsesTools = { ...responsesReq("marked tools", { model: "anthropic/claude-sonnet-4-5" }), tools: [{ type: "web_search" }] };
    const r1 = await post(gw.url, "/v1/responses", responsesTools);
    const r2 = await post(gw.url, "/v1/responses", responsesTools);
    expect(r2.headers.get("x-butter-cache")).toBe("hit");
    await Promise.all([r1.text(), r2.text()]);
    expect(r1.headers.get("x-butter-dropped-tools")).toBe("web_search");
    expect(r2.headers.get("x-butter-dropped-tools")).toBe("web_search");
    postHookCalls.length = 4;
    await Bun.sleep(20);
    const chatRecords = gw.records.filter((r) => r.path === "/v1/chat/completions");
    expect(chatRecords.map((r) => r.cache)).toEqual(["miss", "hit"]);
    const hit = chatRecords[1]!;
    expect([hit.provider, hit.model, hit.attempts, hit.promptTokens, hit.completionTokens, hit.status]).toEqual(["openai", "gpt-4o-mini", 0, 11, 7, 200]);
  });

  test("a post-LLM hook that only reads sees every hit, and the hit is still the first answer's bytes (Messages, natively relayed)", async () => {
    await start({ plugins: [{ name: "watcher" }] });
    const [, , text] = await twice(() => post(gw.url, "/v1/messages", messagesReq("watched")), "/ant/v1/messages");
    expect(JSON.parse(text).content[0].text).toBe("answer 1");
    await twice(() => post(gw.url, "/v1/responses", responsesReq("watched")), "/v1/responses");
    expect(postHookCalls.length).toBe(4);
  });
});

describe("expiry, reloads", () => {
  test("an entry expires after ttl on the cache's clock", async () => {
    await start();
    await twice(() => post(gw.url, "/v1/chat/completions", ask("ttl")), "/v1/chat");
    gw.advance(59_000);
    expect((await post(gw.url, "/v1/chat/completions", ask("ttl"))).headers.get("x-butter-cache")).toBe("hit");
    gw.advance(2_000);
    expect((await post(gw.url, "/v1/chat/completions", ask("ttl"))).headers.get("x-butter-cache")).toBe("miss");
    expect(upstream("/v1/chat")).toBe(2);
  });

  test("a reload keeping the cache settings keeps the entries; one changing a route's targets changes that route's key; one changing the settings starts empty", async () => {
    await start();
    await twice(() => post(gw.url, "/v1/chat/completions", ask("kept", { model: "fast" })), "/v1/chat");
    await twice(() => post(gw.url, "/v1/chat/completions", ask("kept")), "/v1/chat");
    const first = gw.gen();
    await gw.reload(config({ failover: { max_attempts: 2, timeout: "5s" } }));
    expect(gw.gen()).not.toBe(first);
    expect(gw.gen().cache!.shares(first.cache!)).toBe(true);
    expect((await post(gw.url, "/v1/chat/completions", ask("kept", { model: "fast" }))).headers.get("x-butter-cache")).toBe("hit");
    const routes = { fast: { targets: [{ provider: "openai", model: "gpt-4o" }] }, smart: { targets: [{ provider: "openai", model: "gpt-4o-mini" }] } };
    await gw.reload(config({ routes }));
    expect((await post(gw.url, "/v1/chat/completions", ask("kept", { model: "fast" }))).headers.get("x-butter-cache")).toBe("miss");
    expect((await post(gw.url, "/v1/chat/completions", ask("kept"))).headers.get("x-butter-cache")).toBe("hit");
    const before = gw.gen();
    await gw.reload(config({ routes, cache: { backend: "memory", ttl: "2m" } }));
    expect(gw.gen().cache!.shares(before.cache!)).toBe(false);
    expect((await post(gw.url, "/v1/chat/completions", ask("kept"))).headers.get("x-butter-cache")).toBe("miss");
    await gw.reload(config({ routes, cache: undefined }));
    const r = await post(gw.url, "/v1/chat/completions", ask("kept"));
    expect(r.status).toBe(200);
    expect(r.headers.get("x-butter-cache")).toBeNull();
  });
});
