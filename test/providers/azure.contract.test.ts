import * as v from "valibot";
import { describe, expect, test } from "bun:test";
import { collectSse, expectStreamShape, providerContract } from "./contract.ts";
import { errorFixtureReply, fixtureReply, loadJson, sse, sseFixtureReply, startMockUpstream, type RecordedRequest } from "../support/index.ts";
import type { ChatCompletionRequest, EmbeddingRequest } from "../../src/core/openai-types.ts";
import { configSchema } from "../../src/config/schema.ts";
import { buildSnapshot } from "../../src/config/snapshot.ts";
import { loadAllProviderFactories } from "../../src/providers/registry.ts";
import { makeSend } from "../../src/transport/upstream-fetch.ts";
import { testReads } from "../support/reads.ts";

const providerFactories = await loadAllProviderFactories();

const DEPLOYMENT = "my-gpt-4o-mini";
const CHAT = `/openai/deployments/${DEPLOYMENT}/chat/completions`;
const azureRequest = loadJson<ChatCompletionRequest>("azure-openai", "chat.request.json").body;
const openaiTools = loadJson<ChatCompletionRequest>("openai", "tools.request.json").body;
const embeddingsRequest = loadJson<EmbeddingRequest>("openai", "embeddings.request.json").body;
const { model: _m, ...embeddingsBody } = embeddingsRequest;

const apiKey = (req: RecordedRequest) => {
  expect(req.headers["api-key"]).toBe("sk-contract");
  expect(req.headers.authorization).toBeUndefined();
};
const apiVersion = (v: string) => (req: RecordedRequest) => expect(new URL(req.url).searchParams.get("api-version")).toBe(v);

providerContract({
  kind: "azure",
  model: DEPLOYMENT,
  auth: apiKey,
  chat: {
    request: { ...azureRequest, model: DEPLOYMENT },
    // The deployment in the URL decides the model: none in the body, exactly as the fixture.
    upstream: { path: CHAT, body: azureRequest, check: apiVersion("2024-10-21") },
    reply: fixtureReply("azure-openai", "chat.response.json"),
    expect: { content: "Hello! How can I assist you today?", finishReason: "stop", usage: { prompt_tokens: 9, completion_tokens: 10, total_tokens: 19 } },
  },
  tools: {
    request: openaiTools,
    upstream: { path: CHAT, check: (req) => expect((req.json as { tools: unknown }).tools).toEqual(openaiTools.tools) },
    reply: fixtureReply("openai", "tools.response.json"),
    expect: { content: null, finishReason: "tool_calls", toolCalls: [{ id: "call_DdmO9pD3xa9XTPNJ32zg2hcA", name: "get_weather", arguments: { location: "Paris" } }] },
  },
  stream: {
    request: { model: DEPLOYMENT, messages: [{ role: "user", content: "Hello!" }] },
    upstream: {
      path: CHAT,
      check: (req) => expect((req.json as { stream_options: unknown }).stream_options).toEqual({ include_usage: true }),
    },
    // First chunk: choices [] with only prompt_filter_results (dropped, never reaches the client).
    reply: sseFixtureReply("azure-openai", "stream.sse"),
    expect: { content: "Hello!", finishReason: "stop", usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 } },
  },
  streamTools: {
    request: openaiTools,
    upstream: { path: CHAT },
    reply: sseFixtureReply("openai", "stream-tools.sse"),
    expect: { content: null, finishReason: "tool_calls", toolCalls: [{ id: "call_DdmO9pD3xa9XTPNJ32zg2hcA", name: "get_weather", arguments: { location: "Paris" } }], usage: { total_tokens: 88 } },
  },
  errors: [
    { name: "400 content filter keeps 400 and code content_filter", reply: errorFixtureReply("azure-openai", "error-400-content-filter.json"), status: 400, type: "invalid_request_error", code: "content_filter", messageIncludes: "content management policy" },
    { name: "401 (code \"401\" → invalid_api_key)", reply: errorFixtureReply("azure-openai", "error-401.json"), status: 401, type: "authentication_error", code: "invalid_api_key" },
    { name: "404 DeploymentNotFound → model_not_found", reply: errorFixtureReply("azure-openai", "error-404-deployment.json"), status: 404, code: "model_not_found" },
    { name: "429 keeps retry-after", reply: errorFixtureReply("azure-openai", "error-429.json"), status: 429, type: "rate_limit_error", code: "rate_limit_exceeded", headers: { "retry-after": "6" } },
    {
      name: "429 keeps retry-after-ms",
      reply: { kind: "json", status: 429, headers: { "retry-after-ms": "1500" }, body: { error: { code: "429", message: "slow down" } } },
      status: 429, headers: { "retry-after-ms": "1500" },
    },
  ],
  embeddings: {
    model: "my-embedding",
    request: embeddingsRequest,
    upstream: { path: "/openai/deployments/my-embedding/embeddings", body: embeddingsBody, check: apiVersion("2024-10-21") },
    reply: fixtureReply("openai", "embeddings.response.json"),
    expect: { count: 2, dims: 4 },
  },
});

// The newer v1 API: /openai/v1/..., the deployment name as `model` in the body, no api-version.
providerContract({
  kind: "azure",
  model: DEPLOYMENT,
  config: { api_version: "v1" },
  // base_url given with the /openai/v1 suffix is tolerated.
  baseUrl: (u) => `${u}/openai/v1`,
  auth: (req) => {
    apiKey(req);
    expect(new URL(req.url).searchParams.has("api-version")).toBe(false);
  },
  chat: {
    request: { ...azureRequest, model: DEPLOYMENT },
    upstream: { path: "/openai/v1/chat/completions", body: { ...azureRequest, model: DEPLOYMENT } },
    reply: fixtureReply("azure-openai", "chat.response.json"),
    expect: { content: "Hello! How can I assist you today?", finishReason: "stop" },
  },
  stream: {
    request: { model: DEPLOYMENT, messages: [{ role: "user", content: "Hello!" }] },
    upstream: { path: "/openai/v1/chat/completions", check: (req) => expect((req.json as { model: string }).model).toBe(DEPLOYMENT) },
    reply: sseFixtureReply("azure-openai", "stream.sse"),
    expect: { content: "Hello!", finishReason: "stop", usage: { total_tokens: 11 } },
  },
  errors: [{ name: "429", reply: errorFixtureReply("azure-openai", "error-429.json"), status: 429 }],
  embeddings: {
    model: "my-embedding",
    request: embeddingsRequest,
    upstream: { path: "/openai/v1/embeddings", body: { ...embeddingsRequest, model: "my-embedding" } },
    reply: fixtureReply("openai", "embeddings.response.json"),
    expect: { count: 2 },
  },
});

describe("azure beyond the shared contract", () => {
  test("base_url is required: the config is rejected with a message naming the field", () => {
    const config = v.parse(configSchema, { providers: { az: { type: "azure", keys: [{ value: "k" }] } } });
    expect(() => buildSnapshot(config, providerFactories)).toThrow(/providers\.az\.base_url: required for azure/);
  });

  test("finish_reason content_filter is kept; choices with only filter results (no delta) are dropped", async () => {
    await using mock = await startMockUpstream();
    const config = v.parse(configSchema, { providers: { az: { type: "azure", base_url: mock.url, keys: [{ value: "k" }] } } });
    const adapter = buildSnapshot(config, providerFactories).providers.get("az")!;
    const base = { id: "chatcmpl-x", object: "chat.completion.chunk", created: 1, model: "gpt-4o-mini" };
    mock.when("POST", "*", sse([
      { choices: [], created: 0, id: "", model: "", object: "", prompt_filter_results: [{ prompt_index: 0, content_filter_results: {} }] },
      { ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] },
      { ...base, choices: [{ index: 0, delta: { content: "Hel" }, finish_reason: null }] },
      { ...base, choices: [{ index: 0, delta: {}, finish_reason: "content_filter" }] },
      { ...base, choices: [{ index: 0, finish_reason: null, content_filter_offsets: { check_offset: 0 }, content_filter_results: { violence: { filtered: true } } }] },
      "data: [DONE]\n\n",
    ]));
    const signal = new AbortController().signal;
    const result = await adapter.chat({ model: "d", messages: [{ role: "user", content: "x" }], stream: true }, {
      model: "d", signal, auth: { mode: "stored", key: adapter.keys[0]!, keyIndex: 0 }, send: makeSend({ provider: "az", signal, timeoutMs: 5000 }), reads: testReads("az"),
    });
    if (result.type !== "stream") throw new Error("not a stream");
    const out = await collectSse(result.events, false);
    expect(out.chunks.every((c) => (c.choices as Array<{ delta?: unknown }>).every((ch) => ch.delta !== undefined))).toBe(true);
    expectStreamShape(out, { content: "Hel", finishReason: "content_filter" }, false);
  });
});
