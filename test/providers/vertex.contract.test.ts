import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { collectSse, expectStreamShape, providerContract } from "./contract.ts";
import { errorFixtureReply, fixtureReply, loadJson, sseFixtureReply, startMockUpstream, type MockUpstream, type RecordedRequest } from "../support/index.ts";
import { configSchema } from "../../src/config/schema.ts";
import { buildSnapshot } from "../../src/config/snapshot.ts";
import { loadAllProviderFactories } from "../../src/providers/registry.ts";
import type { CallContext, ProviderAdapter } from "../../src/providers/types.ts";
import { makeSend } from "../../src/transport/upstream-fetch.ts";
import { vertexHost } from "../../src/providers/vertex/index.ts";
import { testReads } from "../support/reads.ts";

const providerFactories = await loadAllProviderFactories();

const vertexFixture = (file: string) => loadJson("vertex", file).body;
const bearer = (req: RecordedRequest) => expect(req.headers.authorization).toBe("Bearer ya29.contract-token");
const MODEL = "gemini-2.5-flash";
const ROOT = "/v1/projects/my-project/locations/us-central1/publishers";
const config = { project: "my-project", region: "us-central1", keys: [{ access_token: "ya29.contract-token" }] };

providerContract({
  kind: "vertex",
  model: MODEL,
  config,
  auth: bearer,
  chat: {
    request: { model: MODEL, messages: [{ role: "system", content: "I say high you say low" }, { role: "user", content: "high" }], max_tokens: 256 },
    upstream: { path: `${ROOT}/google/models/${MODEL}:generateContent`, body: vertexFixture("generateContent.request.json") },
    reply: fixtureReply("vertex", "generateContent.response.json"),
    expect: { content: "low", finishReason: "stop", usage: { prompt_tokens: 9, completion_tokens: 21, total_tokens: 30 } },
  },
  requestMappings: [
    {
      name: "system messages only → the one user turn (Gemini rejects contents: [])",
      request: { model: MODEL, messages: [{ role: "developer", content: "List three colours." }] },
      upstream: { path: `${ROOT}/google/models/${MODEL}:generateContent`, body: { contents: [{ role: "user", parts: [{ text: "List three colours." }] }] } },
    },
    {
      name: "Gemini's own call id (and signature) from the tool-call id go back on the call and its response",
      request: {
        model: MODEL,
        messages: [
          { role: "user", content: "time?" },
          { role: "assistant", content: null, tool_calls: [{ id: "fc-1__ts_c2ln", type: "function", function: { name: "now", arguments: "{}" } }] },
          { role: "tool", tool_call_id: "fc-1__ts_c2ln", content: "noon" },
        ],
      },
      upstream: {
        path: `${ROOT}/google/models/${MODEL}:generateContent`,
        body: { contents: [
          { role: "user", parts: [{ text: "time?" }] },
          { role: "model", parts: [{ functionCall: { name: "now", args: {}, id: "fc-1" }, thoughtSignature: "c2ln" }] },
          { role: "user", parts: [{ functionResponse: { name: "now", response: { output: "noon" }, id: "fc-1" } }] },
        ] },
      },
    },
  ],
  stream: {
    request: { model: MODEL, messages: [{ role: "user", content: "why is the sky blue?" }] },
    upstream: {
      path: `${ROOT}/google/models/${MODEL}:streamGenerateContent`,
      body: vertexFixture("stream.request.json"),
      check: (req) => expect(req.path.endsWith("?alt=sse")).toBe(true),
    },
    reply: sseFixtureReply("vertex", "stream.sse"),
    // The first chunk's usageMetadata has only trafficType; the last one's counts win.
    expect: { content: "The sky is blue because of Rayleigh scattering.", finishReason: "stop", usage: { prompt_tokens: 7, completion_tokens: 54, total_tokens: 61 } },
  },
  errors: [
    { name: "401 UNAUTHENTICATED", reply: errorFixtureReply("vertex", "error-401.json"), status: 401, type: "authentication_error", code: "invalid_api_key" },
    { name: "429 RESOURCE_EXHAUSTED", reply: errorFixtureReply("vertex", "error-429.json"), status: 429, type: "rate_limit_error", code: "rate_limit_exceeded" },
  ],
  embeddings: {
    model: "text-embedding-005",
    request: { model: "vertex/text-embedding-005", input: ["The food was delicious", "and the waiter was friendly"], dimensions: 4, encoding_format: "float" },
    upstream: {
      path: `${ROOT}/google/models/text-embedding-005:predict`,
      // The fixture also shows optional task_type / autoTruncate, which OpenAI requests do not carry.
      body: { instances: [{ content: "The food was delicious" }, { content: "and the waiter was friendly" }], parameters: { outputDimensionality: 4 } },
    },
    reply: fixtureReply("vertex", "embeddings-predict.response.json"),
    expect: { count: 2, dims: 4, usage: { prompt_tokens: 11, total_tokens: 11 } },
  },
});

describe("vertex adapter beyond the shared contract", () => {
  let mock: MockUpstream;
  const adapters = new Map<string, ProviderAdapter>();
  const adapter = (block: Record<string, unknown> = {}): ProviderAdapter => {
    const key = JSON.stringify(block);
    if (!adapters.has(key)) {
      const parsed = v.parse(configSchema, { providers: { v: { type: "vertex", base_url: mock.url, ...config, ...block } } });
      adapters.set(key, buildSnapshot(parsed, providerFactories).providers.get("v")!);
    }
    return adapters.get(key)!;
  };
  const ctx = (a: ProviderAdapter, model: string): CallContext => {
    const signal = new AbortController().signal;
    return { model, auth: { mode: "stored", key: a.keys[0]!, keyIndex: 0 }, signal, send: makeSend({ provider: a.name, signal, timeoutMs: 5000 }), reads: testReads(a.name) };
  };

  beforeAll(async () => {
    mock = await startMockUpstream();
  });
  afterAll(() => mock.stop());

  test("Anthropic on Vertex: rawPredict with the Messages body, no model, anthropic_version vertex-2023-10-16", async () => {
    mock.reset();
    mock.when("POST", "*", fixtureReply("anthropic", "chat.response.json"));
    const a = adapter({ region: "us-east5" });
    const model = "claude-sonnet-4-5@20250929";
    const res = await a.chat({ model, messages: [{ role: "user", content: "Hello!" }], max_tokens: 1024 }, ctx(a, model));
    const req = mock.requests[0]!;
    expect(req.path).toBe(`/v1/projects/my-project/locations/us-east5/publishers/anthropic/models/${model}:rawPredict`);
    expect(req.json).toEqual(vertexFixture("anthropic-rawPredict.request.json"));
    expect(req.headers.authorization).toBe("Bearer ya29.contract-token");
    if (res.type !== "json") throw new Error("not json");
    expect(res.body.object).toBe("chat.completion");
    expect(typeof res.body.choices[0]!.message.content).toBe("string");
  });

  test("Anthropic on Vertex streams through streamRawPredict: tool_use blocks become tool-call deltas", async () => {
    mock.reset();
    mock.when("POST", "*", sseFixtureReply("anthropic", "stream-tools.sse"));
    const a = adapter({ region: "us-east5" });
    const model = "claude-sonnet-4-5@20250929";
    const tools = loadJson<{ tools: never }>("openai", "tools.request.json").body.tools;
    const res = await a.chat({ model, messages: [{ role: "user", content: "What's the weather in SF?" }], tools, stream: true, stream_options: { include_usage: true } }, ctx(a, model));
    expect(mock.requests[0]!.path).toEndWith(`/publishers/anthropic/models/${model}:streamRawPredict`);
    expect((mock.requests[0]!.json as Record<string, unknown>).stream).toBe(true);
    expect((mock.requests[0]!.json as Record<string, unknown>).model).toBeUndefined();
    if (res.type !== "stream") throw new Error("not a stream");
    const out = await collectSse(res.events, true);
    expect(out.stats.finishReason).toBe("tool_calls");
    expect(out.stats.error).toBeUndefined();
  });

  test("Anthropic-shaped errors from a Claude model keep Anthropic's mapping (529 → 503)", async () => {
    mock.reset();
    mock.when("POST", "*", errorFixtureReply("anthropic", "error-529-overloaded.json"));
    const a = adapter();
    const err = (await a.chat({ model: "claude-3-5-haiku@20241022", messages: [{ role: "user", content: "x" }] }, ctx(a, "claude-3-5-haiku@20241022")).catch((e: unknown) => e)) as { status: number; retryable: boolean };
    expect(err.status).toBe(503);
    expect(err.retryable).toBe(true);
  });

  test("region global uses aiplatform.googleapis.com; the model list is static", async () => {
    mock.reset();
    expect(vertexHost("global")).toBe("https://aiplatform.googleapis.com");
    expect(vertexHost("europe-west4")).toBe("https://europe-west4-aiplatform.googleapis.com");
    const a = adapter({ models: ["gemini-2.5-pro"] });
    expect(await a.listModels(ctx(a, ""))).toEqual(["gemini-2.5-pro"]);
    expect(mock.requests.length).toBe(0);
  });

  test("a Gemini stream on Vertex with function calls maps them like the Gemini API", async () => {
    mock.reset();
    const call = (location: string) => ({ functionCall: { name: "get_weather", args: { location } } });
    mock.when("POST", "*", {
      kind: "stream", contentType: "text/event-stream", chunks: [
        `data: ${JSON.stringify({ candidates: [{ content: { role: "model", parts: [call("Paris"), call("Rome")] }, finishReason: "STOP" }], usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 4, totalTokenCount: 9 } })}\r\n\r\n`,
      ],
    });
    const a = adapter();
    const res = await a.chat({ model: MODEL, messages: [{ role: "user", content: "x" }], stream: true }, ctx(a, MODEL));
    if (res.type !== "stream") throw new Error("not a stream");
    expectStreamShape(await collectSse(res.events, true), {
      content: null, finishReason: "tool_calls",
      toolCalls: [{ name: "get_weather", arguments: { location: "Paris" } }, { name: "get_weather", arguments: { location: "Rome" } }],
      usage: { total_tokens: 9 },
    }, true);
  });
});

describe("vertex Gemini translation fidelity (issue 10)", () => {
  let mock: MockUpstream;
  let a: ProviderAdapter;
  const ctx = (model: string): CallContext => {
    const signal = new AbortController().signal;
    return { model, auth: { mode: "stored", key: a.keys[0]!, keyIndex: 0 }, signal, send: makeSend({ provider: a.name, signal, timeoutMs: 5000 }), reads: testReads(a.name) };
  };
  const predict = (req: RecordedRequest) => {
    const instances = (req.json as { instances: Array<{ content: string }> }).instances;
    return { kind: "json" as const, body: { predictions: instances.map((i) => ({ embeddings: { values: [Number(i.content)], statistics: { token_count: 2, truncated: false } } })) } };
  };

  beforeAll(async () => {
    mock = await startMockUpstream();
    const parsed = v.parse(configSchema, { providers: { v: { type: "vertex", base_url: mock.url, ...config } } });
    a = buildSnapshot(parsed, providerFactories).providers.get("v")!;
  });
  afterAll(() => mock.stop());

  test("embeddings: 600 inputs go as :predict calls of at most 250 instances, in order, token counts summed", async () => {
    mock.reset();
    mock.when("POST", "*", predict);
    const input = Array.from({ length: 600 }, (_, i) => String(i));
    const res = await a.embeddings({ model: "text-embedding-005", input }, ctx("text-embedding-005"));
    expect(mock.requests.map((r) => (r.json as { instances: unknown[] }).instances.length).sort((x, y) => y - x)).toEqual([250, 250, 100]);
    expect(res.data.map((d) => (d.embedding as number[])[0])).toEqual(input.map(Number));
    expect(res.data.map((d) => d.index)).toEqual(input.map((_, i) => i));
    expect(res.usage).toEqual({ prompt_tokens: 1200, total_tokens: 1200 });
  });

  test("embeddings: gemini-embedding-001 on Vertex takes one instance per call", async () => {
    mock.reset();
    mock.when("POST", "*", predict);
    const res = await a.embeddings({ model: "gemini-embedding-001", input: ["0", "1", "2"] }, ctx("gemini-embedding-001"));
    expect(mock.requests.map((r) => (r.json as { instances: unknown[] }).instances.length)).toEqual([1, 1, 1]);
    expect(res.data.map((d) => (d.embedding as number[])[0])).toEqual([0, 1, 2]);
  });

  test("Gemini 3 on Vertex: thinkingLevel, and a foreign tool-call history gets the placeholder signature and its ids", async () => {
    mock.reset();
    mock.when("POST", "*", fixtureReply("vertex", "generateContent.response.json"));
    const model = "gemini-3-pro-preview";
    await a.chat({
      model,
      reasoning_effort: "low",
      messages: [
        { role: "user", content: "weather?" },
        { role: "assistant", content: null, tool_calls: [{ id: "toolu_01X", type: "function", function: { name: "get_weather", arguments: "{\"location\":\"Paris\"}" } }] },
        { role: "tool", tool_call_id: "toolu_01X", content: "sunny" },
      ],
    }, ctx(model));
    const body = mock.requests[0]!.json as Record<string, any>;
    expect(mock.requests[0]!.path).toBe(`${ROOT}/google/models/${model}:generateContent`);
    expect(body.generationConfig).toEqual({ thinkingConfig: { thinkingLevel: "low", includeThoughts: true } });
    expect(body.contents[1].parts[0]).toEqual({ functionCall: { name: "get_weather", args: { location: "Paris" }, id: "toolu_01X" }, thoughtSignature: "skip_thought_signature_validator" });
    expect(body.contents[2].parts[0]).toEqual({ functionResponse: { name: "get_weather", response: { output: "sunny" }, id: "toolu_01X" } });
  });
});
