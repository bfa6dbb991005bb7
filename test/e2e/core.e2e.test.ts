// The foundation end to end: the real gateway process, a mock OpenAI upstream, the official SDK.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import OpenAI, { APIError } from "openai";
import {
  errorFixtureReply, fixtureReply, garbage, hang, json, loadJson, openaiClient, sse, sseFixtureReply, startGateway,
  startMockUpstream, truncated, type Gateway, type MockUpstream,
} from "../support/index.ts";

let mock: MockUpstream;
let gw: Gateway;
let client: OpenAI;

beforeAll(async () => {
  mock = await startMockUpstream();
  gw = await startGateway({
    server: { address: "127.0.0.1:0", max_body_bytes: 64 * 1024 },
    providers: {
      openai: { base_url: `${mock.url}/v1`, keys: [{ value: "sk-stored-secret" }] },
      "openai-eu": { type: "openai", base_url: `${mock.url}/eu/v1`, keys: [{ value: "sk-eu-secret" }] },
      openrouter: { base_url: `${mock.url}/or/api/v1`, keys: [{ value: "sk-or-secret" }] },
      groq: { keys: [{ value: "" }] },
      perplexity: { base_url: `${mock.url}/pplx`, keys: [{ value: "pplx-secret" }] },
    },
    // One attempt: these tests pin down single-upstream behaviour; retries are covered by failover-*.test.ts.
    failover: { timeout: "2s", max_attempts: 1 },
  });
  client = openaiClient(gw);
});
afterAll(async () => {
  await gw?.stop();
  await mock?.stop();
});
beforeEach(() => mock.reset());

const hello = [{ role: "user" as const, content: "Hello!" }];

describe("chat", () => {
  test("JSON chat through the SDK, headers, stored key, model rewritten", async () => {
    mock.when("POST", "/v1/chat/completions", fixtureReply("openai", "chat.response.json"));
    const { data, response } = await client.chat.completions
      .create({ model: "openai/gpt-4o-mini", messages: hello, temperature: 0.2 })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe("Hello! How can I assist you today?");
    expect(data.usage?.total_tokens).toBe(29);
    expect(response.headers.get("x-butter-provider")).toBe("openai");
    expect(response.headers.get("x-butter-attempts")).toBe("1");
    expect(response.headers.get("x-request-id")).toMatch(/^req_/);
    const sent = mock.requests[0]!;
    expect(sent.headers.authorization).toBe("Bearer sk-stored-secret");
    expect(sent.json).toEqual({ model: "gpt-4o-mini", messages: hello, temperature: 0.2 });
  });

  test("a second account of one kind answers under its own name; provider/model splits at the first slash", async () => {
    mock.when("POST", "/eu/v1/chat/completions", fixtureReply("openai", "chat.response.json"));
    mock.when("POST", "/or/api/v1/chat/completions", fixtureReply("openrouter", "chat.response.json"));
    const eu = await client.chat.completions.create({ model: "openai-eu/gpt-4o", messages: hello }).withResponse();
    expect(eu.response.headers.get("x-butter-provider")).toBe("openai-eu");
    expect(mock.requests[0]!.headers.authorization).toBe("Bearer sk-eu-secret");
    await client.chat.completions.create({ model: "openrouter/meta-llama/llama-3.1-70b", messages: hello });
    expect((mock.requests[1]!.json as { model: string }).model).toBe("meta-llama/llama-3.1-70b");
  });

  test("the client's x-request-id is kept", async () => {
    mock.when("POST", "/v1/chat/completions", fixtureReply("openai", "chat.response.json"));
    const res = await fetch(`${gw.baseURL}/v1/chat/completions`, {
      method: "POST", headers: { "content-type": "application/json", "x-request-id": "trace-123" },
      body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: hello }),
    });
    expect(res.headers.get("x-request-id")).toBe("trace-123");
  });

  test("tools in the request, tool calls in the response, tool result sent back", async () => {
    const tools = loadJson<OpenAI.ChatCompletionCreateParamsNonStreaming>("openai", "tools.request.json").body;
    mock.when("POST", "/v1/chat/completions", fixtureReply("openai", "tools.response.json"));
    const res = await client.chat.completions.create({ ...tools, model: "openai/gpt-4o-mini" });
    const call = res.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(res.choices[0]!.finish_reason).toBe("tool_calls");
    expect(call.function.name).toBe("get_weather");
    expect(JSON.parse(call.function.arguments)).toEqual({ location: "Paris" });
    expect((mock.requests[0]!.json as { tools: unknown }).tools).toEqual(tools.tools);

    mock.when("POST", "/v1/chat/completions", fixtureReply("openai", "chat.response.json"));
    await client.chat.completions.create({
      model: "openai/gpt-4o-mini",
      tools: tools.tools,
      messages: [...tools.messages, res.choices[0]!.message, { role: "tool", tool_call_id: call.id, content: "18C and sunny" }],
    });
    const second = mock.requests[1]!.json as { messages: Array<Record<string, unknown>> };
    expect(second.messages.at(-1)).toEqual({ role: "tool", tool_call_id: call.id, content: "18C and sunny" });
  });
});

describe("streaming", () => {
  test("chunks arrive as they are sent, not buffered; usage chunk when asked; [DONE]", async () => {
    mock.when("POST", "/v1/chat/completions", sseFixtureReply("openai", "stream.sse", { chunkDelayMs: 150 }));
    const stream = await client.chat.completions.create({
      model: "openai/gpt-4o-mini", messages: hello, stream: true, stream_options: { include_usage: true },
    });
    const arrivals: number[] = [];
    let text = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      arrivals.push(performance.now());
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe("Hello!");
    expect(usage?.total_tokens).toBe(12);
    // 5 events sent 150 ms apart: a buffering proxy would deliver them together at the end.
    expect(arrivals.length).toBe(5);
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThan(300);
  });

  test("without include_usage no usage is sent, though the gateway asks upstream for it", async () => {
    mock.when("POST", "/v1/chat/completions", sseFixtureReply("openai", "stream.sse"));
    const res = await fetch(`${gw.baseURL}/v1/chat/completions`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: hello, stream: true }),
    });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    expect(res.headers.get("x-butter-provider")).toBe("openai");
    const body = await res.text();
    expect(body).not.toContain("usage");
    expect(body.endsWith("data: [DONE]\n\n")).toBe(true);
    expect((mock.requests[0]!.json as { stream_options: unknown }).stream_options).toEqual({ include_usage: true });
  });

  test("streaming tool calls reassemble in the SDK", async () => {
    mock.when("POST", "/v1/chat/completions", sseFixtureReply("openai", "stream-tools.sse"));
    const tools = loadJson<OpenAI.ChatCompletionCreateParamsNonStreaming>("openai", "tools.request.json").body;
    const stream = client.chat.completions.stream({ ...tools, model: "openai/gpt-4o-mini", stream: true });
    const final = await stream.finalChatCompletion();
    const call = final.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call.function.name).toBe("get_weather");
    expect(JSON.parse(call.function.arguments)).toEqual({ location: "Paris" });
  });

  test("upstream closing mid-stream ends the stream with an error event and [DONE]", async () => {
    mock.when("POST", "/v1/chat/completions", sseFixtureReply("openai", "stream.sse", { failAfterChunks: 2, chunkDelayMs: 20 }));
    const res = await fetch(`${gw.baseURL}/v1/chat/completions`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: hello, stream: true }),
    });
    expect(res.status).toBe(200);
    const events = (await res.text()).split("\n\n").filter(Boolean);
    expect(events.at(-1)).toBe("data: [DONE]");
    const err = JSON.parse(events.at(-2)!.slice(6)) as { error: { code: string } };
    expect(err.error.code).toBe("stream_interrupted");
    expect(JSON.parse(events[0]!.slice(6)).choices[0].delta.role).toBe("assistant");
    await expectHealthy();
  });

  test("the SDK raises on an error event inside the stream", async () => {
    mock.when("POST", "/v1/chat/completions", sse([
      { id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { role: "assistant", content: "Hi" }, finish_reason: null }] },
      { error: { code: 502, message: "provider went away" } },
    ]));
    const stream = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: hello, stream: true });
    const seen: string[] = [];
    const err = await (async () => {
      for await (const chunk of stream) seen.push(chunk.choices[0]?.delta.content ?? "");
    })().then(() => undefined, (e: unknown) => e);
    expect(seen).toEqual(["Hi"]);
    expect(err).toBeInstanceOf(APIError);
    expect(String((err as Error).message)).toContain("provider went away");
  });

  test("a client that disconnects mid-stream aborts the upstream request at once", async () => {
    mock.when("POST", "/v1/chat/completions", sseFixtureReply("openai", "stream.sse", { chunkDelayMs: 400 }));
    const controller = new AbortController();
    const res = await fetch(`${gw.baseURL}/v1/chat/completions`, {
      method: "POST", headers: { "content-type": "application/json" }, signal: controller.signal,
      body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: hello, stream: true }),
    });
    const reader = res.body!.getReader();
    await reader.read();
    const abortedAt = performance.now();
    controller.abort();
    await mock.waitFor((reqs) => reqs[0]?.abortedAt !== undefined, 3000);
    // The mock would keep streaming for another 1.2 s; the abort must come well before that.
    expect(mock.requests[0]!.abortedAt! - abortedAt).toBeLessThan(1000);
    await expectHealthy();
  });

  test("a client that disconnects while the upstream has not answered aborts it too", async () => {
    mock.when("POST", "/v1/chat/completions", hang());
    const controller = new AbortController();
    const pending = fetch(`${gw.baseURL}/v1/chat/completions`, {
      method: "POST", headers: { "content-type": "application/json" }, signal: controller.signal,
      body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: hello }),
    }).catch(() => undefined);
    await mock.waitForRequests(1, 3000);
    controller.abort();
    await pending;
    await mock.waitFor((reqs) => reqs[0]?.abortedAt !== undefined, 3000);
  });
});

describe("embeddings and models", () => {
  test("embeddings", async () => {
    mock.when("POST", "/v1/embeddings", fixtureReply("openai", "embeddings.response.json"));
    const res = await client.embeddings.create({ model: "openai/text-embedding-3-small", input: ["a", "b"], dimensions: 4, encoding_format: "float" });
    expect(res.data.length).toBe(2);
    expect(res.data[0]!.embedding.length).toBe(4);
    expect((mock.requests[0]!.json as { model: string }).model).toBe("text-embedding-3-small");
  });

  test("a provider without embeddings answers 400", async () => {
    const err = await client.embeddings.create({ model: "perplexity/sonar", input: "x" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as APIError).code).toBe("unsupported_operation");
  });

  test("models: provider listings as provider/model, static fallback when a listing fails", async () => {
    mock.when("GET", "/v1/models", fixtureReply("openai", "models.response.json"));
    mock.when("GET", "/eu/v1/models", json({ error: { message: "boom" } }, { status: 500 }));
    mock.when("GET", "/or/api/v1/models", fixtureReply("openrouter", "models.response.json"));
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toContain("openai/gpt-4o-mini");
    expect(ids).toContain("openai-eu/gpt-4o"); // static list of the failed provider
    expect(ids.some((id) => id.startsWith("openrouter/"))).toBe(true);
    expect(ids).toContain("groq/llama-3.1-8b-instant"); // no key: static list, not an error
    await gw.waitForLog((_l, j) => j?.msg === "model listing failed; using the static list" && j.provider === "openai-eu");
  });
});

describe("errors the SDK types", () => {
  const cases: Array<[string, string, new (...a: never[]) => Error, number]> = [
    ["error-401.json", "401", OpenAI.AuthenticationError, 401],
    ["error-404-model.json", "404", OpenAI.NotFoundError, 404],
    ["error-429-rate-limit.json", "429", OpenAI.RateLimitError, 429],
  ];
  for (const [file, label, type, status] of cases) {
    test(`upstream ${label} → ${type.name}`, async () => {
      mock.when("POST", "/v1/chat/completions", errorFixtureReply("openai", file));
      const err = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: hello }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(type);
      expect((err as APIError).status).toBe(status);
      expect((err as APIError).headers?.get("x-request-id")).toMatch(/^req_/);
    });
  }

  test("upstream 500 → InternalServerError, retry-after kept on 429", async () => {
    mock.when("POST", "/v1/chat/completions", json({ error: { message: "The server had an error", type: "server_error" } }, { status: 500 }));
    const err = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: hello }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    mock.when("POST", "/v1/chat/completions", errorFixtureReply("openai", "error-429-rate-limit.json"));
    const limited = (await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: hello }).catch((e: unknown) => e)) as APIError;
    expect(limited.headers?.get("retry-after")).toBe("2");
  });

  test("non-JSON and truncated upstream bodies → 502 bad_upstream_response", async () => {
    for (const reply of [garbage(), truncated(loadJson("openai", "chat.response.json").body)]) {
      mock.when("POST", "/v1/chat/completions", reply);
      const err = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: hello }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.InternalServerError);
      expect((err as APIError).status).toBe(502);
      expect((err as APIError).code).toBe("bad_upstream_response");
    }
  });

  test("an upstream that never answers → 504 after failover.timeout", async () => {
    mock.when("POST", "/v1/chat/completions", hang());
    const err = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: hello }).catch((e: unknown) => e);
    expect((err as APIError).status).toBe(504);
    expect((err as APIError).code).toBe("upstream_timeout");
  });

  test("an unreachable upstream → 502 upstream_unreachable, and the key never leaks", async () => {
    const dead = await startGateway({ providers: { openai: { base_url: "http://127.0.0.1:1/v1", keys: [{ value: "sk-never-leak" }] } } });
    try {
      const res = await fetch(`${dead.baseURL}/v1/chat/completions`, {
        method: "POST", body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: hello }),
      });
      expect(res.status).toBe(502);
      const text = await res.text();
      expect(JSON.parse(text).error.code).toBe("upstream_unreachable");
      expect(text).not.toContain("sk-never-leak");
    } finally {
      await dead.stop();
    }
    expect(dead.logs.join("\n")).not.toContain("sk-never-leak");
  });
});

describe("bad input", () => {
  const post = (body: string | Uint8Array, headers: Record<string, string> = { "content-type": "application/json" }) =>
    fetch(`${gw.baseURL}/v1/chat/completions`, { method: "POST", headers, body });

  async function expectError(res: Response, status: number, match: { code?: string | null; param?: string | null; type?: string }) {
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(res.headers.get("x-request-id")).toBeTruthy();
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
    expect(typeof body.error.message).toBe("string");
    expect(body.error).toMatchObject(match);
  }

  test("malformed JSON", async () => {
    await expectError(await post("{\"model\": \"openai/x\", "), 400, { code: "invalid_json", type: "invalid_request_error" });
    await expectError(await post(""), 400, { code: "invalid_json" });
    await expectError(await post("[1,2]"), 400, { type: "invalid_request_error" });
  });

  test("missing and mistyped fields name the parameter", async () => {
    await expectError(await post(JSON.stringify({ messages: hello })), 400, { param: "model" });
    await expectError(await post(JSON.stringify({ model: "openai/x" })), 400, { param: "messages" });
    await expectError(await post(JSON.stringify({ model: 42, messages: hello })), 400, { param: "model" });
    await expectError(await post(JSON.stringify({ model: "openai/x", messages: "hi" })), 400, { param: "messages" });
    await expectError(await post(JSON.stringify({ model: "openai/x", messages: [] })), 400, { param: "messages" });
    await expectError(await post(JSON.stringify({ model: "openai/x", messages: [{ role: "wizard", content: "x" }] })), 400, { param: "messages[0].role" });
    await expectError(await post(JSON.stringify({ model: "openai/x", messages: hello, stream: "yes" })), 400, { param: "stream" });
    await expectError(await post(JSON.stringify({ model: "openai/x", messages: hello, temperature: "hot" })), 400, { param: "temperature" });
    const emb = await fetch(`${gw.baseURL}/v1/embeddings`, { method: "POST", body: JSON.stringify({ model: "openai/x" }) });
    await expectError(emb, 400, { param: "input" });
    expect(mock.requests.length).toBe(0);
  });

  test("SDK: BadRequestError for a bad request", async () => {
    const err = await client.chat.completions.create({ model: "openai/x", messages: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as APIError).param).toBe("messages");
  });

  test("a body over the limit gets 413 in the envelope, with and without Content-Length", async () => {
    const big = JSON.stringify({ model: "openai/x", messages: [{ role: "user", content: "x".repeat(200 * 1024) }] });
    await expectError(await post(big), 413, { code: "request_too_large" });
    const chunked = new ReadableStream<Uint8Array>({
      start(c) {
        const part = new TextEncoder().encode("x".repeat(16 * 1024));
        for (let i = 0; i < 12; i++) c.enqueue(part);
        c.close();
      },
    });
    await expectError(await post(chunked as unknown as Uint8Array), 413, { code: "request_too_large" });
    const err = await client.chat.completions.create({ model: "openai/x", messages: [{ role: "user", content: "y".repeat(100 * 1024) }] }).catch((e: unknown) => e);
    expect((err as APIError).status).toBe(413);
    await expectHealthy();
  });

  test("unknown provider, bare model name, provider without a key", async () => {
    await expectError(await post(JSON.stringify({ model: "nope/x", messages: hello })), 404, { code: "model_not_found", param: "model" });
    await expectError(await post(JSON.stringify({ model: "gpt-4o", messages: hello })), 404, { code: "model_not_found" });
    const err = await client.chat.completions.create({ model: "groq/llama-3.1-8b-instant", messages: hello }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as APIError).code).toBe("missing_provider_key");
    const nf = await client.chat.completions.create({ model: "nope/x", messages: hello }).catch((e: unknown) => e);
    expect(nf).toBeInstanceOf(OpenAI.NotFoundError);
  });

  test("unknown path 404, wrong method 405, health", async () => {
    await expectError(await fetch(`${gw.baseURL}/v1/nothing`), 404, { code: "unknown_url" });
    const res = await fetch(`${gw.baseURL}/v1/chat/completions`);
    expect(res.headers.get("allow")).toBe("POST");
    await expectError(res, 405, {});
    await expectHealthy();
  });
});

async function expectHealthy(): Promise<void> {
  const res = await fetch(`${gw.baseURL}/healthz`);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ status: "ok" });
  expect(res.headers.get("x-request-id")).toBeTruthy();
}
