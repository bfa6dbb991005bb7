import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { collectSse, expectStreamShape, providerContract } from "./contract.ts";
import {
  errorFixtureReply, fixtureReply, json, loadJson, sse, sseFixtureReply, startMockUpstream, type MockUpstream, type RecordedRequest,
} from "../support/index.ts";
import type { ChatCompletionRequest } from "../../src/core/openai-types.ts";
import { configSchema } from "../../src/config/schema.ts";
import { buildSnapshot } from "../../src/config/snapshot.ts";
import { loadAllProviderFactories } from "../../src/providers/registry.ts";
import type { CallContext, ProviderAdapter } from "../../src/providers/types.ts";
import { makeSend } from "../../src/transport/upstream-fetch.ts";
import { testReads } from "../support/reads.ts";

const providerFactories = await loadAllProviderFactories();

const gemini = (file: string) => loadJson("gemini", file).body;
const openai = (file: string) => loadJson<ChatCompletionRequest>("openai", file).body;
const apiKey = (req: RecordedRequest) => expect(req.headers["x-goog-api-key"]).toBe("sk-contract");
const alt = (req: RecordedRequest) => expect(req.path.endsWith("?alt=sse")).toBe(true);
const MODEL = "gemini-2.5-flash";
const tools = { ...openai("tools.request.json"), model: MODEL };

providerContract({
  kind: "gemini",
  model: MODEL,
  auth: apiKey,
  chat: {
    request: {
      model: MODEL,
      messages: [{ role: "system", content: "I say high you say low" }, { role: "user", content: "high" }],
      temperature: 0.7, top_p: 0.95, max_tokens: 256, stop: ["END"], n: 1,
    },
    upstream: { path: `/v1beta/models/${MODEL}:generateContent`, body: gemini("generateContent.request.json") },
    reply: fixtureReply("gemini", "generateContent.response.json"),
    // Thoughts count as completion tokens (9 + 1 + 20 = 30).
    expect: { content: "low", finishReason: "stop", usage: { prompt_tokens: 9, completion_tokens: 21, total_tokens: 30, completion_tokens_details: { reasoning_tokens: 20 } } },
  },
  tools: {
    request: tools,
    upstream: { path: `/v1beta/models/${MODEL}:generateContent`, body: gemini("tools.request.json") },
    reply: fixtureReply("gemini", "tools.response.json"),
    expect: { content: null, finishReason: "tool_calls", toolCalls: [{ id: /^call_[A-Za-z0-9]+$/, name: "get_weather", arguments: { location: "Paris" } }], usage: { total_tokens: 27 } },
  },
  toolResult: {
    request: openai("tool-result.request.json"),
    upstream: { path: `/v1beta/models/${MODEL}:generateContent`, body: gemini("tool-result.request.json") },
  },
  requestMappings: [
    {
      name: "system messages only → the one user turn (Gemini rejects contents: [])",
      request: { model: MODEL, messages: [{ role: "system", content: "Write a haiku about rain." }] },
      upstream: { path: `/v1beta/models/${MODEL}:generateContent`, body: { contents: [{ role: "user", parts: [{ text: "Write a haiku about rain." }] }] } },
    },
    {
      name: "reasoning_effort → thinkingBudget + includeThoughts (2.5); logprobs/top_logprobs → responseLogprobs/logprobs",
      request: { model: MODEL, messages: [{ role: "user", content: "hi" }], reasoning_effort: "medium", logprobs: true, top_logprobs: 5 },
      upstream: {
        path: `/v1beta/models/${MODEL}:generateContent`,
        body: { contents: [{ role: "user", parts: [{ text: "hi" }] }], generationConfig: { thinkingConfig: { thinkingBudget: 8192, includeThoughts: true }, responseLogprobs: true, logprobs: 5 } },
      },
    },
    {
      name: "tool schema: array without items, const, number enum",
      request: { model: MODEL, messages: [{ role: "user", content: "x" }], tools: [{ type: "function", function: { name: "f", parameters: { type: "object", properties: { a: { type: "array" }, b: { const: "k" }, c: { enum: [1, 2] } } } } }] },
      upstream: {
        path: `/v1beta/models/${MODEL}:generateContent`,
        body: {
          contents: [{ role: "user", parts: [{ text: "x" }] }],
          tools: [{ functionDeclarations: [{ name: "f", parameters: { type: "object", properties: {
            a: { type: "array", items: { type: "string" } }, b: { type: "string", enum: ["k"] }, c: { type: "integer", description: "Allowed values: 1, 2." },
          } } }] }],
        },
      },
    },
  ],
  stream: {
    request: { model: MODEL, messages: [{ role: "user", content: "why is the sky blue?" }] },
    upstream: { path: `/v1beta/models/${MODEL}:streamGenerateContent`, body: gemini("stream.request.json"), check: alt },
    reply: sseFixtureReply("gemini", "stream.sse"),
    expect: { content: "The sky is blue primarily due to Rayleigh scattering.", finishReason: "stop", usage: { prompt_tokens: 7, completion_tokens: 57, total_tokens: 64 } },
  },
  streamTools: {
    request: tools,
    upstream: { path: `/v1beta/models/${MODEL}:streamGenerateContent`, body: gemini("tools.request.json"), check: alt },
    reply: sseFixtureReply("gemini", "stream-tools.sse"),
    expect: { content: null, finishReason: "tool_calls", toolCalls: [{ id: /^call_/, name: "get_weather", arguments: { location: "Paris" } }], usage: { prompt_tokens: 21, completion_tokens: 6, total_tokens: 27 } },
  },
  streamToolsNoArgs: {
    request: tools,
    upstream: { path: `/v1beta/models/${MODEL}:streamGenerateContent`, check: alt },
    reply: sse([{ candidates: [{ content: { role: "model", parts: [{ functionCall: { name: "get_time" } }] }, finishReason: "STOP", index: 0 }], usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 1, totalTokenCount: 6 } }]),
    expect: { content: null, finishReason: "tool_calls", toolCalls: [{ name: "get_time", arguments: {} }], usage: { total_tokens: 6 } },
  },
  streamError: {
    request: { model: MODEL, messages: [{ role: "user", content: "hi" }] },
    reply: sse([
      { candidates: [{ content: { role: "model", parts: [{ text: "Hel" }] } }] },
      { error: { code: 503, message: "The model is overloaded. Please try again later.", status: "UNAVAILABLE" } },
    ]),
    status: 503,
    type: "server_error",
  },
  errors: [
    { name: "400 API_KEY_INVALID → 401", reply: errorFixtureReply("gemini", "error-400-key.json"), status: 401, type: "authentication_error", code: "invalid_api_key", messageIncludes: "API key not valid" },
    { name: "404 NOT_FOUND", reply: errorFixtureReply("gemini", "error-404.json"), status: 404, type: "invalid_request_error", code: "model_not_found" },
    { name: "429 RESOURCE_EXHAUSTED, RetryInfo → retry-after", reply: errorFixtureReply("gemini", "error-429.json"), status: 429, type: "rate_limit_error", code: "rate_limit_exceeded", headers: { "retry-after": "26" } },
  ],
  embeddings: {
    model: "gemini-embedding-001",
    request: { model: "gemini/gemini-embedding-001", input: ["The food was delicious", "and the waiter was friendly"], dimensions: 4, encoding_format: "float" },
    upstream: { path: "/v1beta/models/gemini-embedding-001:batchEmbedContents", body: gemini("batchEmbedContents.request.json") },
    reply: fixtureReply("gemini", "batchEmbedContents.response.json"),
    expect: { count: 2, dims: 4 },
  },
  models: {
    upstream: { path: "/v1beta/models" },
    reply: fixtureReply("gemini", "models.response.json"),
    includes: ["gemini-2.5-flash", "gemini-embedding-001"],
  },
});

describe("gemini adapter beyond the shared contract", () => {
  let mock: MockUpstream;
  let adapter: ProviderAdapter;
  const ctx = (model = MODEL): CallContext => {
    const signal = new AbortController().signal;
    return { model, auth: { mode: "stored", key: adapter.keys[0]!, keyIndex: 0 }, signal, send: makeSend({ provider: adapter.name, signal, timeoutMs: 5000 }), reads: testReads(adapter.name) };
  };

  beforeAll(async () => {
    mock = await startMockUpstream();
    const config = v.parse(configSchema, { providers: { g: { type: "gemini", base_url: mock.url, keys: [{ value: "sk-extra" }] } } });
    adapter = buildSnapshot(config, providerFactories).providers.get("g")!;
  });
  afterAll(() => mock.stop());

  test("a single string embeds with :embedContent (task_type passed on); base64 is float32 LE", async () => {
    mock.reset();
    mock.when("POST", "*", fixtureReply("gemini", "embedContent.response.json"));
    const res = await adapter.embeddings(
      { model: "gemini-embedding-001", input: "The food was delicious", dimensions: 4, task_type: "RETRIEVAL_DOCUMENT", encoding_format: "base64" },
      ctx("gemini-embedding-001"),
    );
    const req = mock.requests[0]!;
    expect(req.path).toBe("/v1beta/models/gemini-embedding-001:embedContent");
    expect(req.json).toEqual(gemini("embedContent.request.json"));
    const b64 = res.data[0]!.embedding as string;
    const bytes = Buffer.from(b64, "base64");
    const floats = Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
    expect(floats.map((f) => Number(f.toFixed(4)))).toEqual([0.0123, -0.0456, 0.0789, 0.0011]);
    expect(res.usage).toEqual({ prompt_tokens: 0, total_tokens: 0 });
  });

  test("stream with two function calls in one chunk: two deltas with ordinals 0 and 1, finish tool_calls", async () => {
    mock.reset();
    mock.when("POST", "*", sse([
      { candidates: [{ content: { role: "model", parts: [{ text: "Checking both." }] } }], responseId: "r1", modelVersion: MODEL },
      `data: ${JSON.stringify({
        candidates: [{ content: { role: "model", parts: [
          { functionCall: { name: "get_weather", args: { location: "Paris" } }, thoughtSignature: "c2lnLW9uZQ==" },
          { functionCall: { name: "get_weather", args: { location: "Berlin" } } },
        ] }, finishReason: "STOP", index: 0 }],
        usageMetadata: { promptTokenCount: 30, candidatesTokenCount: 12, thoughtsTokenCount: 5, totalTokenCount: 47 },
      })}\r\n\r\n`,
    ]));
    const result = await adapter.chat({ ...tools, stream: true, stream_options: { include_usage: true } }, ctx());
    if (result.type !== "stream") throw new Error("not a stream");
    const out = await collectSse(result.events, true);
    expectStreamShape(out, {
      content: "Checking both.",
      finishReason: "tool_calls",
      toolCalls: [
        { id: /^call_[A-Za-z0-9]+__ts_c2lnLW9uZQ$/, name: "get_weather", arguments: { location: "Paris" } },
        { id: /^call_[A-Za-z0-9]+$/, name: "get_weather", arguments: { location: "Berlin" } },
      ],
      usage: { prompt_tokens: 30, completion_tokens: 17, total_tokens: 47, completion_tokens_details: { reasoning_tokens: 5 } },
    }, true);
  });

  test("a stream cut before any finishReason ends with an error event", async () => {
    mock.reset();
    mock.when("POST", "*", sse([{ candidates: [{ content: { role: "model", parts: [{ text: "Hel" }] } }] }]));
    const result = await adapter.chat({ model: MODEL, messages: [{ role: "user", content: "hi" }], stream: true }, ctx());
    if (result.type !== "stream") throw new Error("not a stream");
    const out = await collectSse(result.events, false);
    expect(out.stats.error?.code).toBe("stream_interrupted");
    expect(out.raw.endsWith("data: [DONE]\n\n")).toBe(true);
  });

  test("a blocked prompt (promptFeedback.blockReason, no candidates) → content_filter", async () => {
    mock.reset();
    mock.when("POST", "*", json({ promptFeedback: { blockReason: "SAFETY" }, usageMetadata: { promptTokenCount: 8, totalTokenCount: 8 } }));
    const result = await adapter.chat({ model: MODEL, messages: [{ role: "user", content: "bad" }] }, ctx());
    if (result.type !== "json") throw new Error("not json");
    expect(result.body.choices[0]!.finish_reason).toBe("content_filter");
    expect(result.body.choices[0]!.message.content).toBeNull();
    expect(result.body.usage).toEqual({ prompt_tokens: 8, completion_tokens: 0, total_tokens: 8, prompt_tokens_details: { cached_tokens: 0 } });
  });

  test("models listing follows nextPageToken", async () => {
    mock.reset();
    mock.setRoute("GET", "/v1beta/models", [
      json({ models: [{ name: "models/a" }], nextPageToken: "p2" }),
      json({ models: [{ name: "models/b" }] }),
    ]);
    expect(await adapter.listModels(ctx())).toEqual(["a", "b"]);
    expect(mock.requests[1]!.path).toBe("/v1beta/models?pageSize=1000&pageToken=p2");
    expect(mock.requests[1]!.headers["x-goog-api-key"]).toBe("sk-extra");
  });

  test("a 503 UNAVAILABLE is retryable and keeps its status", async () => {
    mock.reset();
    mock.when("POST", "*", json({ error: { code: 503, message: "The model is overloaded.", status: "UNAVAILABLE" } }, { status: 503 }));
    const err = (await adapter.chat({ model: MODEL, messages: [{ role: "user", content: "hi" }] }, ctx()).catch((e: unknown) => e)) as { status: number; retryable: boolean; code: string };
    expect(err.status).toBe(503);
    expect(err.retryable).toBe(true);
    expect(err.code).toBe("overloaded");
  });
});

describe("gemini translation fidelity (issue 10)", () => {
  let mock: MockUpstream;
  let adapter: ProviderAdapter;
  const ctx = (model = MODEL): CallContext => {
    const signal = new AbortController().signal;
    return { model, auth: { mode: "stored", key: adapter.keys[0]!, keyIndex: 0 }, signal, send: makeSend({ provider: adapter.name, signal, timeoutMs: 5000 }), reads: testReads(adapter.name) };
  };
  const reply = fixtureReply("gemini", "generateContent.response.json");
  const sent = async (request: ChatCompletionRequest, model = MODEL) => {
    mock.reset();
    mock.when("POST", "*", reply);
    await adapter.chat(request, ctx(model));
    return mock.requests[0]!.json as Record<string, any>;
  };

  beforeAll(async () => {
    mock = await startMockUpstream();
    const config = v.parse(configSchema, { providers: { g: { type: "gemini", base_url: mock.url, keys: [{ value: "sk-fidelity" }] } } });
    adapter = buildSnapshot(config, providerFactories).providers.get("g")!;
  });
  afterAll(() => mock.stop());

  test("tool schemas: arrays get items, const/enum get type string, number enums become a described type", async () => {
    const body = await sent({
      model: MODEL,
      messages: [{ role: "user", content: "tag it" }],
      tools: [{ type: "function", function: { name: "tag", parameters: { type: "object", properties: {
        tags: { type: "array" }, kind: { const: "note" }, level: { enum: [1, 2, 3] },
      } } } }],
    });
    expect(body.tools[0].functionDeclarations[0].parameters).toEqual({ type: "object", properties: {
      tags: { type: "array", items: { type: "string" } },
      kind: { type: "string", enum: ["note"] },
      level: { type: "integer", description: "Allowed values: 1, 2, 3." },
    } });
  });

  test("a request of system messages only sends them as the user turn, not contents: []", async () => {
    const body = await sent({ model: MODEL, messages: [{ role: "system", content: "Say hi." }] });
    expect(body.contents).toEqual([{ role: "user", parts: [{ text: "Say hi." }] }]);
    expect(body.systemInstruction).toBeUndefined();
  });

  test("reasoning_effort on Gemini 3 → thinkingLevel + includeThoughts; thoughts come back as reasoning_content; cached and reasoning tokens in usage", async () => {
    mock.reset();
    mock.when("POST", "*", json({
      candidates: [{ content: { role: "model", parts: [{ text: "Weighing it.", thought: true }, { text: "Yes.", thoughtSignature: "c2ln" }] }, finishReason: "STOP", index: 0 }],
      usageMetadata: { promptTokenCount: 100, cachedContentTokenCount: 80, candidatesTokenCount: 2, thoughtsTokenCount: 12, totalTokenCount: 114 },
      modelVersion: "gemini-3-pro-preview",
    }));
    const result = await adapter.chat({ model: "gemini/gemini-3-pro-preview", messages: [{ role: "user", content: "ok?" }], reasoning_effort: "high", logprobs: true, top_logprobs: 2 }, ctx("gemini-3-pro-preview"));
    expect((mock.requests[0]!.json as Record<string, any>).generationConfig).toEqual({ thinkingConfig: { thinkingLevel: "high", includeThoughts: true }, responseLogprobs: true, logprobs: 2 });
    if (result.type !== "json") throw new Error("not json");
    const message = result.body.choices[0]!.message;
    expect(message.content).toBe("Yes.");
    expect(message.reasoning_content).toBe("Weighing it.");
    expect(message.extra_content).toEqual({ google: { thought_signature: "c2ln" } });
    expect(message.reasoning_details).toEqual([{ type: "reasoning.encrypted", data: "c2ln", format: "google-gemini-v1" }]);
    expect(result.body.usage).toEqual({
      prompt_tokens: 100, completion_tokens: 14, total_tokens: 114,
      prompt_tokens_details: { cached_tokens: 80 }, completion_tokens_details: { reasoning_tokens: 12 },
    });
  });

  test("stream: thoughts as delta.reasoning_content, logprobs per chunk, Gemini's call id kept, cached tokens in the usage chunk", async () => {
    mock.reset();
    mock.when("POST", "*", sse([
      { candidates: [{ content: { role: "model", parts: [{ text: "Thinking", thought: true }] } }], usageMetadata: { promptTokenCount: 50, cachedContentTokenCount: 40, totalTokenCount: 50 } },
      { candidates: [{ content: { role: "model", parts: [{ text: "Hi", thoughtSignature: "dHh0" }] }, logprobsResult: { chosenCandidates: [{ token: "Hi", logProbability: -0.25 }], topCandidates: [{ candidates: [{ token: "Hi", logProbability: -0.25 }] }] } }] },
      { candidates: [{ content: { role: "model", parts: [{ functionCall: { id: "fc1", name: "get_weather", args: { location: "Paris" } }, thoughtSignature: "c2ln" }] }, finishReason: "STOP" }],
        usageMetadata: { promptTokenCount: 50, cachedContentTokenCount: 40, candidatesTokenCount: 5, thoughtsTokenCount: 3, totalTokenCount: 58 } },
    ]));
    const result = await adapter.chat({ ...tools, stream: true, stream_options: { include_usage: true }, logprobs: true }, ctx());
    if (result.type !== "stream") throw new Error("not a stream");
    const out = await collectSse(result.events, true);
    expectStreamShape(out, {
      content: "Hi",
      finishReason: "tool_calls",
      toolCalls: [{ id: "fc1__ts_c2ln", name: "get_weather", arguments: { location: "Paris" } }],
      usage: { prompt_tokens: 50, completion_tokens: 8, total_tokens: 58, prompt_tokens_details: { cached_tokens: 40 }, completion_tokens_details: { reasoning_tokens: 3 } },
    }, true);
    const choices = out.chunks.flatMap((c) => (c as { choices: Array<{ delta: Record<string, unknown>; logprobs?: unknown }> }).choices);
    expect(choices.map((c) => c.delta.reasoning_content).filter(Boolean)).toEqual(["Thinking"]);
    const signed = choices.find((c) => c.delta.content === "Hi")!.delta;
    expect(signed.extra_content).toEqual({ google: { thought_signature: "dHh0" } });
    expect(signed.reasoning_details).toEqual([{ type: "reasoning.encrypted", data: "dHh0", format: "google-gemini-v1" }]);
    expect(choices.map((c) => c.logprobs).filter(Boolean)).toEqual([{ content: [{ token: "Hi", logprob: -0.25, bytes: [72, 105], top_logprobs: [{ token: "Hi", logprob: -0.25, bytes: [72, 105] }] }], refusal: null }]);
  });

  test("embeddings: 250 inputs go as batches of at most 100, answered in input order", async () => {
    mock.reset();
    mock.when("POST", "*", (req) => {
      const requests = (req.json as { requests: Array<{ content: { parts: Array<{ text: string }> } }> }).requests;
      return json({ embeddings: requests.map((r) => ({ values: [Number(r.content.parts[0]!.text)] })) });
    });
    const input = Array.from({ length: 250 }, (_, i) => String(i));
    const res = await adapter.embeddings({ model: "gemini-embedding-001", input }, ctx("gemini-embedding-001"));
    expect(mock.requests.map((r) => (r.json as { requests: unknown[] }).requests.length).sort((a, b) => b - a)).toEqual([100, 100, 50]);
    for (const r of mock.requests) expect(r.path).toBe("/v1beta/models/gemini-embedding-001:batchEmbedContents");
    expect(res.data.map((d) => d.index)).toEqual(input.map((_, i) => i));
    expect(res.data.map((d) => (d.embedding as number[])[0])).toEqual(input.map(Number));
  });

  test("embeddings: one failing batch fails the request with that batch's error", async () => {
    mock.reset();
    mock.when("POST", "*", (req) => {
      const requests = (req.json as { requests: Array<{ content: { parts: Array<{ text: string }> } }> }).requests;
      if (requests[0]!.content.parts[0]!.text === "100") return json({ error: { code: 429, message: "Quota exceeded.", status: "RESOURCE_EXHAUSTED" } }, { status: 429 });
      return json({ embeddings: requests.map(() => ({ values: [0] })) });
    });
    const input = Array.from({ length: 201 }, (_, i) => String(i));
    const err = (await adapter.embeddings({ model: "gemini-embedding-001", input }, ctx("gemini-embedding-001")).catch((e: unknown) => e)) as { status: number; code: string; message: string };
    expect(err.status).toBe(429);
    expect(err.code).toBe("rate_limit_exceeded");
    expect(err.message).toContain("Quota exceeded.");
  });
});
