import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { collectSse, expectStreamShape, providerContract } from "./contract.ts";
import {
  errorFixtureReply, fixtureReply, loadJson, sse, sseFixtureReply, startMockUpstream, type MockUpstream, type RecordedRequest,
} from "../support/index.ts";
import type { ChatCompletionRequest } from "../../src/core/openai-types.ts";
import { configSchema } from "../../src/config/schema.ts";
import { buildSnapshot } from "../../src/config/snapshot.ts";
import { loadAllProviderFactories } from "../../src/providers/registry.ts";
import type { ProviderAdapter } from "../../src/providers/types.ts";
import { makeSend } from "../../src/transport/upstream-fetch.ts";
import { testReads } from "../support/reads.ts";

const providerFactories = await loadAllProviderFactories();

const MODEL = "claude-sonnet-4-5-20250929";
const upstream = (file: string) => loadJson("anthropic", file).body;
const openaiTools = loadJson<ChatCompletionRequest>("openai", "tools.request.json").body.tools!;
const weatherTool = openaiTools[0]!;

const auth = (req: RecordedRequest) => {
  expect(req.headers["x-api-key"]).toBe("sk-contract");
  expect(req.headers["anthropic-version"]).toBe("2023-06-01");
  expect(req.headers.authorization).toBeUndefined();
};

const chatRequest: ChatCompletionRequest = {
  model: MODEL,
  messages: [{ role: "system", content: "You are a helpful assistant." }, { role: "user", content: "Hello!" }],
  max_tokens: 1024,
  temperature: 0.7,
  stop: "\n\nHuman:",
};

const toolsRequest: ChatCompletionRequest = {
  model: MODEL, max_completion_tokens: 1024, tools: openaiTools, tool_choice: "auto",
  messages: [{ role: "user", content: "What's the weather in Paris?" }],
};

const toolResultRequest: ChatCompletionRequest = {
  model: MODEL, max_tokens: 1024, tools: openaiTools,
  messages: [
    { role: "user", content: "What's the weather in Paris?" },
    {
      role: "assistant", content: "I'll check the current weather in Paris for you.",
      tool_calls: [{ id: "toolu_01NRLabsLyVHZPKxbKvkfSMn", type: "function", function: { name: "get_weather", arguments: "{\"location\":\"Paris\"}" } }],
    },
    { role: "tool", tool_call_id: "toolu_01NRLabsLyVHZPKxbKvkfSMn", content: "{\"temperature_c\":18,\"condition\":\"cloudy\"}" },
  ],
};

// Anthropic streams an argument-less tool call as `input: {}` plus an empty input_json_delta.
const evt = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
const noArgsStream = [
  evt("message_start", { message: { id: "msg_noargs", type: "message", role: "assistant", content: [], model: MODEL, stop_reason: null, stop_sequence: null, usage: { input_tokens: 20, output_tokens: 1 } } }),
  evt("content_block_start", { index: 0, content_block: { type: "tool_use", id: "toolu_now", name: "get_time", input: {} } }),
  evt("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: "" } }),
  evt("content_block_stop", { index: 0 }),
  evt("message_delta", { delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 9 } }),
  evt("message_stop", {}),
];

providerContract({
  kind: "anthropic",
  model: MODEL,
  auth,
  chat: {
    request: chatRequest,
    upstream: { path: "/v1/messages", body: upstream("chat.request.json") },
    reply: fixtureReply("anthropic", "chat.response.json"),
    expect: {
      content: "Hello! How can I help you today?", finishReason: "stop",
      usage: { prompt_tokens: 12, completion_tokens: 12, total_tokens: 24, prompt_tokens_details: { cached_tokens: 0 } },
    },
  },
  tools: {
    request: toolsRequest,
    upstream: { path: "/v1/messages", body: upstream("tools.request.json") },
    reply: fixtureReply("anthropic", "tools.response.json"),
    expect: {
      content: "I'll check the current weather in Paris for you.", finishReason: "tool_calls",
      toolCalls: [{ id: "toolu_01NRLabsLyVHZPKxbKvkfSMn", name: "get_weather", arguments: { location: "Paris" } }],
      usage: { prompt_tokens: 377, completion_tokens: 65, total_tokens: 442 },
    },
  },
  toolResult: { request: toolResultRequest, upstream: { path: "/v1/messages", body: upstream("tool-result.request.json") } },
  requestMappings: [
    {
      name: "system messages only → the last system text is the user turn",
      request: { model: MODEL, max_tokens: 64, messages: [{ role: "system", content: "Be terse." }, { role: "system", content: "Say hi." }] },
      upstream: { path: "/v1/messages", body: { model: MODEL, max_tokens: 64, system: "Be terse.", messages: [{ role: "user", content: "Say hi." }] } },
    },
    {
      name: "legacy role: function → tool_result for the assistant's function_call",
      request: {
        model: MODEL, max_tokens: 64, messages: [
          { role: "user", content: "Weather?" },
          { role: "assistant", content: null, function_call: { name: "get_weather", arguments: "{\"location\":\"Paris\"}" } },
          { role: "function", name: "get_weather", content: "18C" },
        ],
      },
      upstream: {
        path: "/v1/messages", body: {
          model: MODEL, max_tokens: 64,
          messages: [
            { role: "user", content: "Weather?" },
            { role: "assistant", content: [{ type: "tool_use", id: "call_fn_1", name: "get_weather", input: { location: "Paris" } }] },
            { role: "user", content: [{ type: "tool_result", tool_use_id: "call_fn_1", content: "18C" }] },
          ],
          tools: [{ name: "get_weather", input_schema: { type: "object", properties: {} } }], tool_choice: { type: "none" },
        },
      },
    },
    {
      name: "tool_choice allowed_tools → tools filtered, mode required → any",
      request: {
        model: MODEL, max_tokens: 64, messages: [{ role: "user", content: "x" }],
        tools: [weatherTool, { type: "function", function: { name: "now" } }],
        tool_choice: { type: "allowed_tools", allowed_tools: { mode: "required", tools: [{ type: "function", function: { name: "now" } }] } } as never,
      },
      upstream: {
        path: "/v1/messages", body: {
          model: MODEL, max_tokens: 64, messages: [{ role: "user", content: "x" }],
          tools: [{ name: "now", input_schema: { type: "object", properties: {} } }], tool_choice: { type: "any" },
        },
      },
    },
    {
      name: "cache_control on content parts and tools still reaches Anthropic",
      request: {
        model: MODEL, max_tokens: 64,
        tools: [{ ...weatherTool, cache_control: { type: "ephemeral" } } as never],
        messages: [
          { role: "system", content: [{ type: "text", text: "Long manual.", cache_control: { type: "ephemeral" } }] },
          { role: "user", content: [{ type: "text", text: "Question", cache_control: { type: "ephemeral", ttl: "1h" } }] },
        ],
      },
      upstream: {
        path: "/v1/messages", check: (req) => {
          const sent = req.json as { system: unknown; messages: Array<{ content: unknown }>; tools: Array<Record<string, unknown>> };
          expect(sent.system).toEqual([{ type: "text", text: "Long manual.", cache_control: { type: "ephemeral" } }]);
          expect(sent.messages[0]!.content).toEqual([{ type: "text", text: "Question", cache_control: { type: "ephemeral", ttl: "1h" } }]);
          expect(sent.tools[0]!.cache_control).toEqual({ type: "ephemeral" });
        },
      },
    },
    {
      name: "data:image/jpg → image/jpeg; replayed arguments that are not JSON → {_raw}",
      request: {
        model: MODEL, max_tokens: 64, tools: openaiTools, messages: [
          { role: "user", content: [{ type: "image_url", image_url: { url: "data:image/jpg;base64,/9j/4AAQ" } }] },
          { role: "assistant", content: null, tool_calls: [{ id: "toolu_x", type: "function", function: { name: "get_weather", arguments: "{\"location\": \"Par" } }] },
          { role: "tool", tool_call_id: "toolu_x", content: "error: bad arguments" },
        ],
      },
      upstream: {
        path: "/v1/messages", check: (req) => {
          const sent = req.json as { messages: Array<{ content: Array<Record<string, unknown>> }> };
          expect(sent.messages[0]!.content[0]).toEqual({ type: "image", source: { type: "base64", media_type: "image/jpeg", data: "/9j/4AAQ" } });
          expect(sent.messages[1]!.content[0]!.input).toEqual({ _raw: "{\"location\": \"Par" });
        },
      },
    },
  ],
  stream: {
    request: { model: MODEL, max_tokens: 1024, messages: [{ role: "user", content: "Hello" }] },
    // stream_options never goes upstream: Anthropic always streams usage.
    upstream: { path: "/v1/messages", body: upstream("stream.request.json") },
    reply: sseFixtureReply("anthropic", "stream.sse"),
    expect: { content: "Hello there!", finishReason: "stop", usage: { prompt_tokens: 11, completion_tokens: 6, total_tokens: 17 } },
  },
  streamTools: {
    request: toolsRequest,
    upstream: { path: "/v1/messages" },
    reply: sseFixtureReply("anthropic", "stream-tools.sse"),
    expect: {
      content: "I'll check the current weather in Paris for you.", finishReason: "tool_calls",
      toolCalls: [{ id: "toolu_01NRLabsLyVHZPKxbKvkfSMn", name: "get_weather", arguments: { location: "Paris" } }],
      usage: { prompt_tokens: 377, completion_tokens: 65, total_tokens: 442 },
    },
  },
  streamToolsNoArgs: {
    request: { ...toolsRequest, tools: [{ type: "function", function: { name: "get_time", parameters: { type: "object", properties: {} } } }] },
    upstream: { path: "/v1/messages" },
    reply: sse(noArgsStream),
    expect: { content: null, finishReason: "tool_calls", toolCalls: [{ id: "toolu_now", name: "get_time", arguments: {} }], usage: { prompt_tokens: 20, completion_tokens: 9 } },
  },
  streamError: { request: chatRequest, reply: sseFixtureReply("anthropic", "stream-error.sse"), status: 503, type: "server_error" },
  errors: [
    { name: "400 invalid request", reply: errorFixtureReply("anthropic", "error-400-invalid.json"), status: 400, type: "invalid_request_error", code: null, messageIncludes: "max_tokens" },
    { name: "401 authentication", reply: errorFixtureReply("anthropic", "error-401.json"), status: 401, type: "authentication_error", code: "invalid_api_key" },
    { name: "429 rate limit keeps retry-after", reply: errorFixtureReply("anthropic", "error-429-rate-limit.json"), status: 429, type: "rate_limit_error", code: "rate_limit_exceeded", headers: { "retry-after": "14" } },
    { name: "529 overloaded becomes a 503", reply: errorFixtureReply("anthropic", "error-529-overloaded.json"), status: 503, type: "server_error", code: "overloaded" },
  ],
  embeddings: "unsupported",
  models: { upstream: { path: "/v1/models" }, reply: fixtureReply("anthropic", "models.response.json"), includes: [MODEL, "claude-3-5-haiku-20241022"] },
});

// Two tool_use blocks streamed one after another (after a text block), each keyed by its own index.
const ev = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
const twoToolStream = [
  ev("message_start", { message: { id: "msg_two", type: "message", role: "assistant", content: [], model: MODEL, stop_reason: null, stop_sequence: null, usage: { input_tokens: 50, cache_read_input_tokens: 100, cache_creation_input_tokens: 20, output_tokens: 1 } } }),
  ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
  ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: "Checking both." } }),
  ev("content_block_stop", { index: 0 }),
  ev("content_block_start", { index: 1, content_block: { type: "tool_use", id: "toolu_paris", name: "get_weather", input: {} } }),
  ev("content_block_delta", { index: 1, delta: { type: "input_json_delta", partial_json: "" } }),
  ev("content_block_delta", { index: 1, delta: { type: "input_json_delta", partial_json: "{\"location\": \"Pa" } }),
  ev("content_block_delta", { index: 1, delta: { type: "input_json_delta", partial_json: "ris\"}" } }),
  ev("content_block_stop", { index: 1 }),
  ev("ping", {}),
  ev("content_block_start", { index: 2, content_block: { type: "tool_use", id: "toolu_tokyo", name: "get_weather", input: {} } }),
  ev("content_block_delta", { index: 2, delta: { type: "input_json_delta", partial_json: "{\"location\":" } }),
  ev("content_block_delta", { index: 2, delta: { type: "input_json_delta", partial_json: " \"Tokyo\", \"unit\": \"celsius\"}" } }),
  ev("content_block_stop", { index: 2 }),
  ev("message_delta", { delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 80 } }),
  ev("message_stop", {}),
];

describe("anthropic adapter beyond the shared contract", () => {
  let mock: MockUpstream;
  let adapter: ProviderAdapter;
  const ctx = (auth?: Record<string, string>) => {
    const signal = new AbortController().signal;
    return {
      model: MODEL, signal, send: makeSend({ provider: adapter.name, signal, timeoutMs: 10_000 }), reads: testReads(adapter.name),
      auth: auth ? { mode: "passthrough" as const, headers: auth } : { mode: "stored" as const, key: adapter.keys[0]!, keyIndex: 0 },
    };
  };
  beforeAll(async () => {
    mock = await startMockUpstream();
    const config = v.parse(configSchema, { providers: { a: { type: "anthropic", base_url: mock.url, keys: [{ value: "sk-ant-x" }] } } });
    adapter = buildSnapshot(config, providerFactories).providers.get("a")!;
  });
  afterAll(() => mock.stop());

  test("two interleaved tool_use blocks: ordinal indexes, ids once, arguments reassembled, cache tokens in usage", async () => {
    mock.reset();
    mock.when("POST", "/v1/messages", sse(twoToolStream));
    const result = await adapter.chat({ ...toolsRequest, stream: true, stream_options: { include_usage: true } }, ctx());
    if (result.type !== "stream") throw new Error("not a stream");
    const out = await collectSse(result.events, true);
    expectStreamShape(out, {
      content: "Checking both.", finishReason: "tool_calls",
      toolCalls: [
        { id: "toolu_paris", name: "get_weather", arguments: { location: "Paris" } },
        { id: "toolu_tokyo", name: "get_weather", arguments: { location: "Tokyo", unit: "celsius" } },
      ],
      // 50 input + 100 cache read + 20 cache write
      usage: { prompt_tokens: 170, completion_tokens: 80, total_tokens: 250, prompt_tokens_details: { cached_tokens: 100, cache_write_tokens: 20 } },
    }, true);
    // The Anthropic block index (1, 2) never leaks: OpenAI indexes are 0 and 1.
    const indexes = out.chunks.flatMap((c) => ((c.choices as Array<{ delta: { tool_calls?: Array<{ index: number }> } }>)[0]?.delta.tool_calls ?? []).map((t) => t.index));
    expect(new Set(indexes)).toEqual(new Set([0, 1]));
  });

  // Thinking round trip: the answer's blocks (signatures included) come back unchanged on the next turn.
  const thinkingAnswer = {
    id: "msg_think", type: "message", role: "assistant", model: MODEL, stop_reason: "tool_use", stop_sequence: null,
    content: [
      { type: "thinking", thinking: "Paris weather needs the tool.", signature: "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds" },
      { type: "redacted_thinking", data: "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP" },
      { type: "tool_use", id: "toolu_think", name: "get_weather", input: { location: "Paris" } },
    ],
    usage: { input_tokens: 30, output_tokens: 40, cache_read_input_tokens: 500, cache_creation_input_tokens: 0 },
  };

  test("reasoning: reasoning_effort → thinking; thinking blocks round-trip with their signatures through reasoning_details", async () => {
    mock.reset();
    mock.when("POST", "/v1/messages", { kind: "json", body: thinkingAnswer });
    const first = await adapter.chat({ ...toolsRequest, reasoning_effort: "low", temperature: 0.3 }, ctx());
    const sent = mock.requests[0]!.json as Record<string, unknown>;
    expect(sent.thinking).toEqual({ type: "enabled", budget_tokens: 2048 });
    expect(sent.max_tokens).toBe(2048 + 1024);
    expect(sent.temperature).toBeUndefined();
    if (first.type !== "json") throw new Error("not json");
    const message = first.body.choices[0]!.message;
    expect(message.reasoning_content).toBe("Paris weather needs the tool.");
    expect(first.body.usage!.prompt_tokens_details).toEqual({ cached_tokens: 500, cache_write_tokens: 0 });

    mock.reset();
    mock.when("POST", "/v1/messages", fixtureReply("anthropic", "chat.response.json"));
    await adapter.chat({
      ...toolsRequest, reasoning_effort: "low",
      messages: [...toolsRequest.messages, message as never, { role: "tool", tool_call_id: "toolu_think", content: "18C" }],
    }, ctx());
    const next = mock.requests[0]!.json as { thinking?: unknown; messages: Array<{ role: string; content: unknown }> };
    expect(next.thinking).toBeDefined();
    expect(next.messages[1]).toEqual({ role: "assistant", content: thinkingAnswer.content });
  });

  test("reasoning in a stream: delta.reasoning_content, then the signed block as delta.reasoning_details", async () => {
    mock.reset();
    mock.when("POST", "/v1/messages", sse([
      ev("message_start", { message: { id: "msg_ts", type: "message", role: "assistant", content: [], model: MODEL, stop_reason: null, stop_sequence: null, usage: { input_tokens: 5, cache_read_input_tokens: 7, output_tokens: 1 } } }),
      ev("content_block_start", { index: 0, content_block: { type: "thinking", thinking: "" } }),
      ev("content_block_delta", { index: 0, delta: { type: "thinking_delta", thinking: "Hmm." } }),
      ev("content_block_delta", { index: 0, delta: { type: "signature_delta", signature: "SIG" } }),
      ev("content_block_stop", { index: 0 }),
      ev("content_block_start", { index: 1, content_block: { type: "text", text: "" } }),
      ev("content_block_delta", { index: 1, delta: { type: "text_delta", text: "Hi" } }),
      ev("content_block_stop", { index: 1 }),
      ev("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 12 } }),
      ev("message_stop", {}),
    ]));
    const result = await adapter.chat({ ...chatRequest, reasoning_effort: "minimal", stream: true, stream_options: { include_usage: true } }, ctx());
    if (result.type !== "stream") throw new Error("not a stream");
    const out = await collectSse(result.events, true);
    expectStreamShape(out, { content: "Hi", finishReason: "stop", usage: { prompt_tokens: 12, completion_tokens: 12, prompt_tokens_details: { cached_tokens: 7 } } }, true);
    const deltas = out.chunks.flatMap((c) => (c.choices as Array<{ delta: Record<string, unknown> }>).map((ch) => ch.delta));
    expect(deltas.map((d) => d.reasoning_content ?? "").join("")).toBe("Hmm.");
    expect(deltas.flatMap((d) => (d.reasoning_details as unknown[]) ?? [])).toEqual([{ type: "reasoning.text", text: "Hmm.", signature: "SIG", format: "anthropic-claude-v1" }]);
  });

  test("a stream cut off before message_stop ends with an error event", async () => {
    mock.reset();
    mock.when("POST", "/v1/messages", sse(twoToolStream.slice(0, 7)));
    const result = await adapter.chat({ ...toolsRequest, stream: true }, ctx());
    if (result.type !== "stream") throw new Error("not a stream");
    const out = await collectSse(result.events, false);
    expect(out.stats.error?.kind).toBe("stream_interrupted");
    expect(out.raw.endsWith("data: [DONE]\n\n")).toBe(true);
  });

  test("a connection reset mid-stream ends with an error event", async () => {
    mock.reset();
    mock.when("POST", "/v1/messages", sse(twoToolStream, { failAfterChunks: 5 }));
    const result = await adapter.chat({ ...toolsRequest, stream: true }, ctx());
    if (result.type !== "stream") throw new Error("not a stream");
    const out = await collectSse(result.events, false);
    expect(out.stats.error?.kind).toBe("stream_interrupted");
  });

  test("passthrough: the client's x-api-key and authorization go upstream unchanged, no stored key", async () => {
    mock.reset();
    mock.when("POST", "/v1/messages", fixtureReply("anthropic", "chat.response.json"));
    await adapter.chat(chatRequest, ctx({ "x-api-key": "sk-ant-client", authorization: "Bearer client-token" }));
    const sent = mock.requests[0]!;
    expect(sent.headers["x-api-key"]).toBe("sk-ant-client");
    expect(sent.headers.authorization).toBe("Bearer client-token");
    expect(sent.headers["anthropic-version"]).toBe("2023-06-01");
  });

  test("embeddings reject with a clean 400 unsupported_operation", async () => {
    const err = await adapter.embeddings({ model: MODEL, input: "x" }, ctx()).catch((e: unknown) => e);
    expect((err as { status: number; code: string }).status).toBe(400);
    expect((err as { code: string }).code).toBe("unsupported_operation");
  });

  test("models: pages followed with after_id", async () => {
    mock.reset();
    mock.when("GET", "/v1/models").replyOnce(
      { kind: "json", body: { data: [{ type: "model", id: "m1" }], has_more: true, first_id: "m1", last_id: "m1" } },
      { kind: "json", body: { data: [{ type: "model", id: "m2" }], has_more: false, first_id: "m2", last_id: "m2" } },
    );
    expect(await adapter.listModels(ctx())).toEqual(["m1", "m2"]);
    expect(mock.requests[1]!.path).toContain("after_id=m1");
  });
});
