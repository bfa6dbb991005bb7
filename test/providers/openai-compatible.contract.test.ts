import { expect } from "bun:test";
import { providerContract, type ProviderContract } from "./contract.ts";
import { errorFixtureReply, fixtureReply, loadJson, sseFixtureReply, type RecordedRequest } from "../support/index.ts";
import type { ChatCompletionRequest } from "../../src/core/openai-types.ts";

const bearer = (req: RecordedRequest) => expect(req.headers.authorization).toBe("Bearer sk-contract");
const fixtureRequest = (provider: string, file = "chat.request.json") => loadJson<ChatCompletionRequest>(provider, file).body;
const hello: ChatCompletionRequest = { model: "m", messages: [{ role: "user", content: "Hello!" }] };

function simple(kind: string, base: string, over: Partial<ProviderContract> & Pick<ProviderContract, "model" | "errors">): ProviderContract {
  const request = fixtureRequest(kind);
  return {
    kind,
    auth: bearer,
    baseUrl: (u) => u + base,
    chat: {
      request,
      upstream: { path: `${base}/chat/completions`, body: request },
      reply: fixtureReply(kind, "chat.response.json"),
      expect: { content: "Hello! How can I help you today?", finishReason: "stop" },
    },
    stream: {
      request: { ...hello, model: over.model },
      upstream: { path: `${base}/chat/completions` },
      reply: sseFixtureReply(kind, "stream.sse"),
      expect: { content: "Hello!", finishReason: "stop" },
    },
    ...over,
  };
}

const openaiTools = fixtureRequest("openai", "tools.request.json");

providerContract({
  kind: "openai",
  model: "gpt-4o-mini",
  auth: bearer,
  baseUrl: (u) => u + "/v1",
  chat: {
    request: fixtureRequest("openai"),
    upstream: { path: "/v1/chat/completions", body: fixtureRequest("openai") },
    reply: fixtureReply("openai", "chat.response.json"),
    expect: { content: "Hello! How can I assist you today?", finishReason: "stop", usage: { prompt_tokens: 19, completion_tokens: 10, total_tokens: 29 } },
  },
  tools: {
    request: openaiTools,
    upstream: { path: "/v1/chat/completions", body: openaiTools },
    reply: fixtureReply("openai", "tools.response.json"),
    expect: { content: null, finishReason: "tool_calls", toolCalls: [{ id: "call_DdmO9pD3xa9XTPNJ32zg2hcA", name: "get_weather", arguments: { location: "Paris" } }] },
  },
  toolResult: {
    request: fixtureRequest("openai", "tool-result.request.json"),
    upstream: { path: "/v1/chat/completions", body: fixtureRequest("openai", "tool-result.request.json") },
  },
  stream: {
    request: fixtureRequest("openai", "stream.request.json"),
    upstream: {
      path: "/v1/chat/completions",
      // The gateway always asks for stream usage (for accounting) and hides it when the client did not.
      check: (req) => expect((req.json as { stream_options: unknown }).stream_options).toEqual({ include_usage: true }),
    },
    reply: sseFixtureReply("openai", "stream.sse"),
    expect: { content: "Hello!", finishReason: "stop", usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 } },
  },
  streamTools: {
    request: openaiTools,
    upstream: { path: "/v1/chat/completions" },
    reply: sseFixtureReply("openai", "stream-tools.sse"),
    expect: { content: null, finishReason: "tool_calls", toolCalls: [{ id: "call_DdmO9pD3xa9XTPNJ32zg2hcA", name: "get_weather", arguments: { location: "Paris" } }], usage: { total_tokens: 88 } },
  },
  errors: [
    { name: "401 invalid key", reply: errorFixtureReply("openai", "error-401.json"), status: 401, type: "invalid_request_error", code: "invalid_api_key" },
    { name: "404 model", reply: errorFixtureReply("openai", "error-404-model.json"), status: 404, code: "model_not_found" },
    { name: "429 rate limit keeps retry-after", reply: errorFixtureReply("openai", "error-429-rate-limit.json"), status: 429, type: "tokens", code: "rate_limit_exceeded", headers: { "retry-after": "2" } },
    { name: "429 quota", reply: errorFixtureReply("openai", "error-429-quota.json"), status: 429, code: "insufficient_quota" },
    { name: "400 context length", reply: errorFixtureReply("openai", "error-400-context.json"), status: 400, code: "context_length_exceeded" },
  ],
  embeddings: {
    model: "text-embedding-3-small",
    request: fixtureRequest("openai", "embeddings.request.json") as never,
    upstream: { path: "/v1/embeddings", body: fixtureRequest("openai", "embeddings.request.json") },
    reply: fixtureReply("openai", "embeddings.response.json"),
    expect: { count: 2, dims: 4 },
  },
  models: { upstream: { path: "/v1/models" }, reply: fixtureReply("openai", "models.response.json"), includes: ["gpt-4o-mini"] },
});

providerContract(simple("openrouter", "/api/v1", {
  model: "anthropic/claude-sonnet-4.5",
  stream: {
    request: { ...hello, model: "anthropic/claude-sonnet-4.5" },
    upstream: { path: "/api/v1/chat/completions" },
    reply: sseFixtureReply("openrouter", "stream.sse"),
    expect: { content: "Hello!", finishReason: "stop", usage: { prompt_tokens: 14, completion_tokens: 9, total_tokens: 23 } },
  },
  streamError: { request: hello, reply: sseFixtureReply("openrouter", "stream-midstream-error.sse"), status: 502, type: "server_error" },
  errors: [
    { name: "402 credits (numeric code becomes a string)", reply: errorFixtureReply("openrouter", "error-402.json"), status: 402, code: "402" },
    { name: "429", reply: errorFixtureReply("openrouter", "error-429.json"), status: 429 },
  ],
  models: { upstream: { path: "/api/v1/models" }, reply: fixtureReply("openrouter", "models.response.json"), includes: [] },
}));

providerContract(simple("groq", "/openai/v1", {
  model: "llama-3.3-70b-versatile",
  stream: {
    request: { ...hello, model: "llama-3.3-70b-versatile", logprobs: true, messages: [{ role: "user", content: "Hello!", name: "ann" }] },
    upstream: {
      path: "/openai/v1/chat/completions",
      check: (req) => {
        const body = req.json as Record<string, unknown> & { messages: Array<Record<string, unknown>> };
        expect(body.logprobs).toBeUndefined();
        expect(body.messages[0]!.name).toBeUndefined();
      },
    },
    reply: sseFixtureReply("groq", "stream.sse"),
    // x_groq.usage lifted into the standard usage chunk.
    expect: { content: "Hello!", finishReason: "stop", usage: { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 } },
  },
  errors: [
    { name: "429", reply: errorFixtureReply("groq", "error-429.json"), status: 429, code: "rate_limit_exceeded" },
    { name: "400 tool_use_failed", reply: errorFixtureReply("groq", "error-400-tool-use-failed.json"), status: 400, code: "tool_use_failed" },
  ],
  embeddings: "unsupported",
}));

const mistralUpstream = fixtureRequest("mistral");
providerContract(simple("mistral", "/v1", {
  model: "mistral-small-latest",
  chat: {
    request: { model: "mistral-small-latest", messages: [{ role: "user", content: "Hello!" }], max_tokens: 256, seed: 42, safe_prompt: false, user: "u1" },
    upstream: { path: "/v1/chat/completions", body: mistralUpstream },
    reply: fixtureReply("mistral", "chat.response.json"),
    expect: { content: "Hello! How can I assist you today?", finishReason: "stop", usage: { total_tokens: 19 } },
  },
  tools: {
    request: { ...openaiTools, model: "mistral-small-latest" },
    upstream: { path: "/v1/chat/completions" },
    reply: fixtureReply("mistral", "tools.response.json"),
    expect: { content: "", finishReason: "tool_calls", toolCalls: [{ id: "D681PevKs", name: "get_weather", arguments: { location: "Paris" } }] },
  },
  stream: {
    request: { ...hello, model: "mistral-small-latest" },
    upstream: { path: "/v1/chat/completions", check: (req) => expect((req.json as Record<string, unknown>).stream_options).toBeUndefined() },
    reply: sseFixtureReply("mistral", "stream.sse"),
    expect: { content: "Hello!", finishReason: "stop", usage: { prompt_tokens: 10, completion_tokens: 9, total_tokens: 19 } },
  },
  errors: [
    { name: "422 pydantic detail flattened to a message", reply: errorFixtureReply("mistral", "error-422.json"), status: 422, type: "invalid_request_error", messageIncludes: "Field required" },
    { name: "429", reply: errorFixtureReply("mistral", "error-429.json"), status: 429 },
  ],
  embeddings: {
    model: "mistral-embed",
    request: { model: "mistral/mistral-embed", input: ["a"] },
    upstream: { path: "/v1/embeddings", body: { model: "mistral-embed", input: ["a"] } },
    reply: fixtureReply("mistral", "embeddings.response.json"),
    expect: { count: 1 },
  },
}));

providerContract(simple("together", "/v1", {
  model: "meta-llama/Llama-3.3-70B-Instruct-Turbo",
  stream: {
    request: { ...hello, model: "meta-llama/Llama-3.3-70B-Instruct-Turbo" },
    upstream: { path: "/v1/chat/completions" },
    reply: sseFixtureReply("together", "stream.sse"),
    // `eos` becomes `stop`; usage from the last content chunk moves to its own chunk.
    expect: { content: "Hello!", finishReason: "stop", usage: { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 } },
  },
  errors: [{ name: "429", reply: errorFixtureReply("together", "error-429.json"), status: 429 }],
}));

providerContract(simple("fireworks", "/inference/v1", {
  model: "accounts/fireworks/models/llama-v3p1-8b-instruct",
  chat: {
    request: fixtureRequest("fireworks"),
    upstream: { path: "/inference/v1/chat/completions", body: fixtureRequest("fireworks") },
    reply: fixtureReply("fireworks", "chat.response.json"),
    expect: { content: "{\"greeting\": \"Hello!\"}", finishReason: "stop" },
  },
  errors: [{ name: "404 model", reply: errorFixtureReply("fireworks", "error-404.json"), status: 404 }],
}));

providerContract(simple("perplexity", "", {
  model: "sonar",
  chat: {
    request: fixtureRequest("perplexity"),
    upstream: { path: "/chat/completions", body: fixtureRequest("perplexity") },
    reply: fixtureReply("perplexity", "chat.response.json"),
    expect: { content: "The sky appears blue because of Rayleigh scattering [1][2].", finishReason: "stop" },
  },
  stream: {
    request: { ...hello, model: "sonar" },
    upstream: { path: "/chat/completions" },
    reply: sseFixtureReply("perplexity", "stream.sse"),
    expect: { content: "The sky appears blue because of Rayleigh scattering [1].", finishReason: "stop", usage: { total_tokens: 53 } },
  },
  errors: [
    { name: "401 as an HTML page", reply: errorFixtureReply("perplexity", "error-401.json"), status: 401, type: "authentication_error", messageIncludes: "401 Authorization Required" },
    { name: "400", reply: errorFixtureReply("perplexity", "error-400.json"), status: 400 },
  ],
  embeddings: "unsupported",
}));
