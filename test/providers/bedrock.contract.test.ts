import * as v from "valibot";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { collectSse, expectStreamShape, providerContract } from "./contract.ts";
import {
  errorFixtureReply, eventStreamFixtureReply, fixtureReply, json, loadBytes, loadJson, startMockUpstream, stream,
  type MockUpstream, type RecordedRequest, type Reply,
} from "../support/index.ts";
import { concatBytes, converseEvent, converseException, encodeEventStream } from "../support/event-stream-encoder.ts";
import type { ChatCompletionRequest } from "../../src/core/openai-types.ts";
import { GatewayError } from "../../src/core/errors.ts";
import { configSchema } from "../../src/config/schema.ts";
import { buildSnapshot } from "../../src/config/snapshot.ts";
import { resolveProviderBlock } from "../../src/config/provider-block.ts";
import { loadAllProviderFactories } from "../../src/providers/registry.ts";
import type { ProviderAdapter } from "../../src/providers/types.ts";
import { makeSend } from "../../src/transport/upstream-fetch.ts";
import { signRequest } from "../../src/providers/bedrock/sigv4.ts";
import { testReads } from "../support/reads.ts";

const providerFactories = await loadAllProviderFactories();

const MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0";
const PATH = "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0";
const KEY = { access_key_id: "AKIDCONTRACT", secret_access_key: "contract-secret-key", session_token: "contract-session-token" };
const upstream = (file: string) => loadJson("bedrock", file).body;
const openaiTools = loadJson<ChatCompletionRequest>("openai", "tools.request.json").body.tools!;
const EVENT_STREAM = "application/vnd.amazon.eventstream";

/**
 * The request carries a valid SigV4 signature: the right credential scope, the session token, and a
 * signature that recomputes from exactly what arrived (method, path, signed headers, body bytes).
 */
function sigv4(req: RecordedRequest): void {
  const authz = req.headers.authorization ?? "";
  const m = /^AWS4-HMAC-SHA256 Credential=AKIDCONTRACT\/(\d{8})\/us-east-1\/bedrock\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=[0-9a-f]{64}$/.exec(authz);
  expect(m).not.toBeNull();
  const stamp = req.headers["x-amz-date"]!;
  expect(stamp.slice(0, 8)).toBe(m![1]!);
  expect(req.headers["x-amz-security-token"]).toBe("contract-session-token");
  const signed = m![2]!.split(";");
  expect(signed).toEqual(expect.arrayContaining(["host", "x-amz-date", "x-amz-security-token"]));
  const headers: Record<string, string> = {};
  for (const name of signed) if (name !== "host" && name !== "x-amz-date" && name !== "x-amz-security-token") headers[name] = req.headers[name]!;
  const now = new Date(`${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`);
  const again = signRequest({
    method: req.method, url: new URL(req.url), headers, body: req.body, region: "us-east-1", service: "bedrock", now,
    credentials: { accessKeyId: KEY.access_key_id, secretAccessKey: KEY.secret_access_key, sessionToken: KEY.session_token },
  });
  expect(authz).toBe(again.headers.authorization!);
}

const chatRequest: ChatCompletionRequest = {
  model: MODEL,
  messages: [{ role: "system", content: "You are a helpful assistant." }, { role: "user", content: "Hello!" }],
  max_tokens: 512, temperature: 0.7, top_p: 0.9, stop: ["\n\nHuman:"],
};

const toolsRequest: ChatCompletionRequest = {
  model: MODEL, max_tokens: 512, tools: openaiTools, tool_choice: "auto", parallel_tool_calls: true,
  messages: [{ role: "user", content: "What's the weather in Paris?" }],
};

const TOOL_ID = "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q";
const toolResultRequest: ChatCompletionRequest = {
  model: MODEL, tools: openaiTools,
  messages: [
    { role: "user", content: "What's the weather in Paris?" },
    {
      role: "assistant", content: "I'll check the weather in Paris.",
      tool_calls: [{ id: TOOL_ID, type: "function", function: { name: "get_weather", arguments: "{\"location\":\"Paris\"}" } }],
    },
    { role: "tool", tool_call_id: TOOL_ID, content: "{\"temperature_c\":18,\"condition\":\"cloudy\"}" },
  ],
};

const streamRequest: ChatCompletionRequest = { model: MODEL, max_tokens: 256, messages: [{ role: "user", content: "Hello" }] };

providerContract({
  kind: "bedrock",
  model: MODEL,
  config: { region: "us-east-1", keys: [KEY] },
  auth: sigv4,
  chat: {
    request: chatRequest,
    upstream: { path: `${PATH}/converse`, body: upstream("converse.request.json"), check: (r) => expect(r.headers["content-type"]).toBe("application/json") },
    reply: fixtureReply("bedrock", "converse.response.json"),
    expect: { content: "Hello! How can I help you today?", finishReason: "stop", usage: { prompt_tokens: 15, completion_tokens: 12, total_tokens: 27 } },
  },
  tools: {
    request: toolsRequest,
    upstream: { path: `${PATH}/converse`, body: upstream("tools.request.json") },
    reply: fixtureReply("bedrock", "tools.response.json"),
    expect: {
      content: "I'll check the weather in Paris.", finishReason: "tool_calls",
      toolCalls: [{ id: TOOL_ID, name: "get_weather", arguments: { location: "Paris" } }],
      usage: { prompt_tokens: 380, completion_tokens: 68, total_tokens: 448 },
    },
  },
  toolResult: { request: toolResultRequest, upstream: { path: `${PATH}/converse`, body: upstream("tool-result.request.json") } },
  stream: {
    request: streamRequest,
    upstream: { path: `${PATH}/converse-stream`, body: upstream("converse-stream.request.json") },
    reply: eventStreamFixtureReply("bedrock", "converse-stream.bin", { headers: loadJson("bedrock", "converse-stream.request.json").annotations._response_headers }),
    expect: { content: "Hello there!", finishReason: "stop", usage: { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14 } },
  },
  streamTools: {
    request: toolsRequest,
    upstream: { path: `${PATH}/converse-stream` },
    reply: eventStreamFixtureReply("bedrock", "converse-stream-tools.bin"),
    expect: {
      content: "Checking.", finishReason: "tool_calls",
      toolCalls: [{ id: TOOL_ID, name: "get_weather", arguments: { location: "Paris" } }],
      usage: { prompt_tokens: 380, completion_tokens: 68, total_tokens: 448 },
    },
  },
  streamToolsNoArgs: {
    request: toolsRequest,
    upstream: { path: `${PATH}/converse-stream` },
    reply: stream(encodeEventStream([
      converseEvent("messageStart", { role: "assistant" }),
      converseEvent("contentBlockStart", { contentBlockIndex: 0, start: { toolUse: { toolUseId: "tooluse_N", name: "get_weather" } } }),
      converseEvent("contentBlockStop", { contentBlockIndex: 0 }),
      converseEvent("messageStop", { stopReason: "tool_use" }),
      converseEvent("metadata", { usage: { inputTokens: 5, outputTokens: 3, totalTokens: 8 } }),
    ]), EVENT_STREAM),
    expect: { content: null, finishReason: "tool_calls", toolCalls: [{ id: "tooluse_N", name: "get_weather", arguments: {} }] },
  },
  requestMappings: [
    {
      name: "system messages only: the last one is the user turn",
      request: { model: MODEL, messages: [{ role: "system", content: "Be terse." }, { role: "developer", content: "Name a prime." }] },
      upstream: { path: `${PATH}/converse`, body: { system: [{ text: "Be terse." }], messages: [{ role: "user", content: [{ text: "Name a prime." }] }] } },
    },
    {
      name: "cache_control on a system part and a user part → cachePoint blocks",
      request: { model: MODEL, messages: [
        { role: "system", content: [{ type: "text", text: "Manual.", cache_control: { type: "ephemeral" } }] },
        { role: "user", content: [{ type: "text", text: "Context.", cache_control: { type: "ephemeral", ttl: "1h" } }, { type: "text", text: "Q?" }] },
      ] },
      upstream: { path: `${PATH}/converse`, body: {
        system: [{ text: "Manual." }, { cachePoint: { type: "default" } }],
        messages: [{ role: "user", content: [{ text: "Context." }, { cachePoint: { type: "default", ttl: "1h" } }, { text: "Q?" }] }],
      } },
    },
    {
      name: "Claude: reasoning_effort → additionalModelRequestFields.thinking, maxTokens above the budget, temperature left out",
      request: { model: MODEL, reasoning_effort: "low", max_tokens: 512, temperature: 0.5, messages: [{ role: "user", content: "Why is the sky blue?" }] },
      upstream: { path: `${PATH}/converse`, body: {
        messages: [{ role: "user", content: [{ text: "Why is the sky blue?" }] }],
        inferenceConfig: { maxTokens: 2560 },
        additionalModelRequestFields: { thinking: { type: "enabled", budget_tokens: 2048 } },
      } },
    },
    {
      name: "a PDF file part → a document block",
      request: { model: MODEL, messages: [{ role: "user", content: [
        { type: "text", text: "Summarise." }, { type: "file", file: { file_data: "data:application/pdf;base64,JVBERi0=", filename: "notes.v2.pdf" } },
      ] }] },
      upstream: { path: `${PATH}/converse`, body: { messages: [{ role: "user", content: [
        { text: "Summarise." }, { document: { format: "pdf", name: "notes-v2", source: { bytes: "JVBERi0=" } } },
      ] }] } },
    },
  ],
  streamError: { request: streamRequest, reply: eventStreamFixtureReply("bedrock", "converse-stream-exception.bin"), status: 429, type: "rate_limit_error" },
  errors: [
    { name: "400 ValidationException", reply: errorFixtureReply("bedrock", "error-400-validation.json"), status: 400, type: "invalid_request_error", messageIncludes: "roles must alternate" },
    { name: "403 InvalidSignatureException → 401", reply: errorFixtureReply("bedrock", "error-403-signature.json"), status: 401, type: "authentication_error", code: "invalid_api_key" },
    { name: "404 ResourceNotFoundException", reply: errorFixtureReply("bedrock", "error-404-model.json"), status: 404, code: "model_not_found", messageIncludes: "Model not found." },
    { name: "424 ModelErrorException → 502", reply: errorFixtureReply("bedrock", "error-424-model.json"), status: 502, type: "server_error" },
    { name: "429 ThrottlingException", reply: errorFixtureReply("bedrock", "error-429-throttling.json"), status: 429, type: "rate_limit_error", code: "rate_limit_exceeded" },
  ],
  embeddings: {
    model: "amazon.titan-embed-text-v2:0",
    request: { model: "bedrock/amazon.titan-embed-text-v2:0", input: "The food was delicious", dimensions: 256 },
    upstream: { path: "/model/amazon.titan-embed-text-v2%3A0/invoke", body: upstream("embed-titan.request.json") },
    reply: fixtureReply("bedrock", "embed-titan.response.json"),
    expect: { count: 1, dims: 3, usage: { prompt_tokens: 5, total_tokens: 5 } },
  },
  models: {
    upstream: { path: "/foundation-models" },
    reply: fixtureReply("bedrock", "list-foundation-models.response.json"),
    includes: ["anthropic.claude-3-5-sonnet-20240620-v1:0"],
  },
});

// Bedrock specifics beyond the shared contract.
describe("bedrock adapter", () => {
  let mock: MockUpstream;
  let adapter: ProviderAdapter;
  let bearer: ProviderAdapter;

  const make = (name: string, block: Record<string, unknown>) => {
    const config = v.parse(configSchema, { providers: { [name]: { type: "bedrock", region: "us-east-1", base_url: mock.url, ...block } } });
    return buildSnapshot(config, providerFactories).providers.get(name)!;
  };
  beforeAll(async () => {
    mock = await startMockUpstream();
    adapter = make("bedrock-a", { keys: [KEY] });
    bearer = make("bedrock-b", { keys: [{ value: "bedrock-api-key-secret" }] });
  });
  afterAll(() => mock.stop());
  beforeEach(() => mock.reset());

  const ctx = (model = MODEL, a = adapter) => {
    const signal = new AbortController().signal;
    return { model, signal, auth: { mode: "stored" as const, key: a.keys[0]!, keyIndex: 0 }, send: makeSend({ provider: a.name, signal, timeoutMs: 5_000 }), reads: testReads(a.name) };
  };
  const sent = () => mock.requests.at(-1)!.json as Record<string, unknown>;
  const chat = async (request: Partial<ChatCompletionRequest>, reply: Reply = fixtureReply("bedrock", "converse.response.json"), a = adapter) => {
    mock.when("*", "*", reply);
    return a.chat({ model: MODEL, messages: [{ role: "user", content: "Hi" }], ...request } as ChatCompletionRequest, ctx(MODEL, a));
  };
  const streamOf = async (reply: Reply, includeUsage = true) => {
    const result = await chat({ stream: true }, reply);
    if (result.type !== "stream") throw new Error("not a stream");
    return collectSse(result.events, includeUsage);
  };

  describe("request mapping", () => {
    test("image data URL becomes an image block with bytes (converse-image fixture)", async () => {
      const png = (upstream("converse-image.request.json") as { messages: Array<{ content: Array<{ image?: { source: { bytes: string } } }> }> })
        .messages[0]!.content[1]!.image!.source.bytes;
      await chat({
        max_tokens: 300,
        messages: [{ role: "user", content: [{ type: "text", text: "What is in this image?" }, { type: "image_url", image_url: { url: `data:image/png;base64,${png}` } }] }],
      });
      expect(sent()).toEqual(upstream("converse-image.request.json"));
    });

    test("a remote image URL is refused with a clear 400 (no server-side fetch)", async () => {
      const err = await chat({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "http://169.254.169.254/latest" } }] }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GatewayError);
      expect((err as GatewayError).status).toBe(400);
      expect((err as GatewayError).param).toBe("messages[0].content[0].image_url.url");
      expect((err as GatewayError).message).toContain("data URL");
      expect(mock.requests.length).toBe(0);
    });

    test("consecutive same-role messages merge; system and developer go to `system`", async () => {
      await chat({
        messages: [
          { role: "system", content: "A" }, { role: "developer", content: [{ type: "text", text: "B" }] },
          { role: "user", content: "one" }, { role: "user", content: "two" }, { role: "assistant", content: "x" }, { role: "assistant", content: "y" }, { role: "user", content: "z" },
        ],
      });
      expect(sent()).toEqual({
        system: [{ text: "A" }, { text: "B" }],
        messages: [
          { role: "user", content: [{ text: "one" }, { text: "two" }] },
          { role: "assistant", content: [{ text: "x" }, { text: "y" }] },
          { role: "user", content: [{ text: "z" }] },
        ],
      });
    });

    test("system messages alone: the last one is sent as the user turn (Converse rejects an empty conversation)", async () => {
      await chat({ messages: [{ role: "system", content: "You are terse." }, { role: "system", content: "List three primes." }] });
      expect(sent()).toEqual({ system: [{ text: "You are terse." }], messages: [{ role: "user", content: [{ text: "List three primes." }] }] });
    });

    test("prompt caching: parts and tools marked cache_control are followed by cachePoint blocks", async () => {
      const ephemeral = { type: "ephemeral" };
      await chat({
        tools: [{ ...openaiTools[0]!, cache_control: ephemeral } as never],
        messages: [
          { role: "system", content: [{ type: "text", text: "You answer from the manual below.", cache_control: ephemeral }] },
          { role: "user", content: [{ type: "text", text: "MANUAL ...", cache_control: ephemeral }, { type: "text", text: "How do I reset it?" }] },
        ],
      });
      const body = sent() as { system: unknown; messages: unknown; toolConfig: { tools: unknown[] } };
      expect(body.system).toEqual([{ text: "You answer from the manual below." }, { cachePoint: { type: "default" } }]);
      expect(body.messages).toEqual([{ role: "user", content: [{ text: "MANUAL ..." }, { cachePoint: { type: "default" } }, { text: "How do I reset it?" }] }]);
      expect(body.toolConfig.tools.length).toBe(2);
      expect(body.toolConfig.tools[1]).toEqual({ cachePoint: { type: "default" } });
      const bad = await chat({ messages: [{ role: "user", content: [{ type: "text", text: "x", cache_control: { type: "forever" } }] }] }).catch((e: unknown) => e);
      expect([(bad as GatewayError).status, (bad as GatewayError).param]).toEqual([400, "messages[0].content[0].cache_control"]);
    });

    test("a PDF file part becomes a Converse document block (name sanitised); a zip is a 400 naming the part", async () => {
      await chat({ messages: [{ role: "user", content: [
        { type: "text", text: "Summarise this." },
        { type: "file", file: { file_data: "data:application/pdf;base64,JVBERi0xLjQK", filename: "annual_report 2025.pdf" } },
      ] }] });
      expect(sent().messages).toEqual([{ role: "user", content: [
        { text: "Summarise this." }, { document: { format: "pdf", name: "annual-report 2025", source: { bytes: "JVBERi0xLjQK" } } },
      ] }]);
      const err = await chat({ messages: [{ role: "user", content: [{ type: "file", file: { file_data: "data:application/zip;base64,UEsDBA==" } }] }] }).catch((e: unknown) => e);
      expect([(err as GatewayError).status, (err as GatewayError).param]).toEqual([400, "messages[0].content[0].file.file_data"]);
    });

    test("n > 1 is a 400 naming n before anything is sent, streamed or not", async () => {
      for (const stream of [false, true]) {
        const err = await chat({ n: 2, stream }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(GatewayError);
        expect([(err as GatewayError).status, (err as GatewayError).param]).toEqual([400, "n"]);
      }
      expect(mock.requests.length).toBe(0);
    });

    test("parallel tool results merge into one user turn; plain-text results stay text", async () => {
      await chat({
        tools: openaiTools,
        messages: [
          { role: "user", content: "Weather in Paris and Rome?" },
          { role: "assistant", content: null, tool_calls: [
            { id: "t1", type: "function", function: { name: "get_weather", arguments: "{\"location\":\"Paris\"}" } },
            { id: "t2", type: "function", function: { name: "get_weather", arguments: "{\"location\":\"Rome\"}" } },
          ] },
          { role: "tool", tool_call_id: "t1", content: "18C" },
          { role: "tool", tool_call_id: "t2", content: [{ type: "text", text: "25C" }] },
        ],
      });
      const messages = sent().messages as Array<{ role: string; content: unknown[] }>;
      expect(messages.length).toBe(3);
      expect(messages[1]!.content).toEqual([
        { toolUse: { toolUseId: "t1", name: "get_weather", input: { location: "Paris" } } },
        { toolUse: { toolUseId: "t2", name: "get_weather", input: { location: "Rome" } } },
      ]);
      expect(messages[2]).toEqual({ role: "user", content: [
        { toolResult: { toolUseId: "t1", content: [{ text: "18C" }], status: "success" } },
        { toolResult: { toolUseId: "t2", content: [{ text: "25C" }], status: "success" } },
      ] });
    });

    test("tool-call ids minted elsewhere are rewritten to Bedrock's alphabet, the same on both sides", async () => {
      const id = "call.9f/x+y=";
      await chat({
        tools: openaiTools,
        messages: [
          { role: "user", content: "Weather?" },
          { role: "assistant", content: null, tool_calls: [{ id, type: "function", function: { name: "get_weather", arguments: "" } }] },
          { role: "tool", tool_call_id: id, content: "sunny" },
        ],
      });
      const messages = sent().messages as Array<{ content: Array<{ toolUse?: { toolUseId: string; input: unknown }; toolResult?: { toolUseId: string } }> }>;
      expect(messages[1]!.content[0]!.toolUse).toMatchObject({ toolUseId: "call_9f_x_y_", input: {} });
      expect(messages[2]!.content[0]!.toolResult!.toolUseId).toBe("call_9f_x_y_");
    });

    test("tool_choice none without tool history: no toolConfig at all", async () => {
      await chat({ tools: openaiTools, tool_choice: "none" });
      expect(sent().toolConfig).toBeUndefined();
    });

    test("tool_choice none with tool history: tools kept (Bedrock requires them), toolChoice dropped", async () => {
      await chat({ ...toolResultRequest, tool_choice: "none" });
      expect(sent().toolConfig).toEqual((upstream("tool-result.request.json") as { toolConfig: unknown }).toolConfig);
    });

    test("tool history without declared tools: minimal specs synthesised for the names used", async () => {
      await chat({ ...toolResultRequest, tools: undefined });
      expect(sent().toolConfig).toEqual({ tools: [{ toolSpec: { name: "get_weather", inputSchema: { json: { type: "object", properties: {} } } } }] });
    });

    test("required and named tool choices map to any / tool", async () => {
      await chat({ tools: openaiTools, tool_choice: "required" });
      expect((sent().toolConfig as { toolChoice: unknown }).toolChoice).toEqual({ any: {} });
      await chat({ tools: openaiTools, tool_choice: { type: "function", function: { name: "get_weather" } } });
      expect((sent().toolConfig as { toolChoice: unknown }).toolChoice).toEqual({ tool: { name: "get_weather" } });
    });

    test("max_completion_tokens wins over max_tokens; a single stop string becomes a list", async () => {
      await chat({ max_tokens: 10, max_completion_tokens: 20, stop: "END" });
      expect(sent().inferenceConfig).toEqual({ maxTokens: 20, stopSequences: ["END"] });
    });

    test("a Bedrock API key is sent as a bearer token, unsigned", async () => {
      await chat({}, fixtureReply("bedrock", "converse.response.json"), bearer);
      const req = mock.requests.at(-1)!;
      expect(req.headers.authorization).toBe("Bearer bedrock-api-key-secret");
      expect(req.headers["x-amz-date"]).toBeUndefined();
    });
  });

  describe("response mapping", () => {
    test("cache reads and writes are added back into prompt_tokens (converse-cache fixture)", async () => {
      const result = await chat({}, fixtureReply("bedrock", "converse-cache.response.json"));
      if (result.type !== "json") throw new Error("not json");
      expect(result.body.usage).toEqual({
        prompt_tokens: 2068, completion_tokens: 40, total_tokens: 2108, prompt_tokens_details: { cached_tokens: 2048, cache_write_tokens: 0 },
      });
    });

    test("Claude reasoning: reasoningContent → reasoning_content and reasoning_details, JSON and streamed", async () => {
      const result = await chat({ reasoning_effort: "low" }, json({
        output: { message: { role: "assistant", content: [{ reasoningContent: { reasoningText: { text: "Rayleigh.", signature: "sig" } } }, { text: "Scattering." }] } },
        stopReason: "end_turn", usage: { inputTokens: 9, outputTokens: 30, totalTokens: 39 },
      }));
      if (result.type !== "json") throw new Error("not json");
      expect(result.body.choices[0]!.message).toMatchObject({
        content: "Scattering.", reasoning_content: "Rayleigh.",
        reasoning_details: [{ type: "reasoning.text", text: "Rayleigh.", signature: "sig", format: "anthropic-claude-v1" }],
      });
      const out = await streamOf(stream(encodeEventStream([
        converseEvent("messageStart", { role: "assistant" }),
        converseEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { reasoningContent: { text: "Rayleigh." } } }),
        converseEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { reasoningContent: { signature: "sig" } } }),
        converseEvent("contentBlockStop", { contentBlockIndex: 0 }),
        converseEvent("contentBlockDelta", { contentBlockIndex: 1, delta: { text: "Scattering." } }),
        converseEvent("messageStop", { stopReason: "end_turn" }),
        converseEvent("metadata", { usage: { inputTokens: 9, outputTokens: 30, totalTokens: 39 } }),
      ]), EVENT_STREAM));
      expectStreamShape(out, { content: "Scattering.", finishReason: "stop" }, true);
      const reasoningDeltas = out.chunks.flatMap((c) => (c.choices as Array<{ delta: Record<string, unknown> }>).map((ch) => ch.delta))
        .filter((d) => d.reasoning_content !== undefined || d.reasoning_details !== undefined);
      expect(reasoningDeltas).toEqual([
        { reasoning_content: "Rayleigh." },
        { reasoning_details: [{ type: "reasoning.text", text: "Rayleigh.", signature: "sig", format: "anthropic-claude-v1" }] },
      ]);
    });

    test("cached tokens: cached_tokens is 0 when Bedrock reports no cache; streams carry the cache counts too", async () => {
      const plain = await chat({});
      if (plain.type !== "json") throw new Error("not json");
      expect(plain.body.usage!.prompt_tokens_details).toEqual({ cached_tokens: 0 });
      const out = await streamOf(stream(encodeEventStream([
        converseEvent("messageStart", { role: "assistant" }),
        converseEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Summary" } }),
        converseEvent("messageStop", { stopReason: "end_turn" }),
        converseEvent("metadata", { usage: { inputTokens: 20, outputTokens: 40, totalTokens: 2108, cacheReadInputTokens: 2048, cacheWriteInputTokens: 0 } }),
      ]), EVENT_STREAM));
      expectStreamShape(out, {
        content: "Summary", finishReason: "stop",
        usage: { prompt_tokens: 2068, completion_tokens: 40, total_tokens: 2108, prompt_tokens_details: { cached_tokens: 2048, cache_write_tokens: 0 } },
      }, true);
    });

    test("stop reasons map to OpenAI finish reasons", async () => {
      const cases: Array<[string, string]> = [
        ["max_tokens", "length"], ["stop_sequence", "stop"], ["guardrail_intervened", "content_filter"],
        ["content_filtered", "content_filter"], ["model_context_window_exceeded", "length"],
      ];
      for (const [stopReason, finish] of cases) {
        const result = await chat({}, json({ output: { message: { role: "assistant", content: [{ text: "x" }] } }, stopReason, usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 } }));
        if (result.type !== "json") throw new Error("not json");
        expect(result.body.choices[0]!.finish_reason).toBe(finish as never);
      }
    });

    test("a 200 without output.message is a bad upstream response (502)", async () => {
      const err = await chat({}, json({ hello: 1 })).catch((e: unknown) => e);
      expect((err as GatewayError).status).toBe(502);
      expect((err as GatewayError).code).toBe("bad_upstream_response");
    });

    test("errors: __type in the body, 503 overloaded, 403 AccessDenied stays 403, retryable flags", async () => {
      const cases: Array<[Reply, number, string, boolean]> = [
        [json({ __type: "com.amazon.coral.service#UnrecognizedClientException", message: "bad token" }, { status: 403 }), 401, "authentication_error", false],
        [json({ message: "no access" }, { status: 403, headers: { "x-amzn-errortype": "AccessDeniedException:http://x/" } }), 403, "permission_error", false],
        [json({ message: "busy" }, { status: 503, headers: { "x-amzn-errortype": "ServiceUnavailableException" } }), 503, "server_error", true],
        [json({ Message: "slow" }, { status: 408, headers: { "x-amzn-errortype": "ModelTimeoutException" } }), 408, "timeout", true],
        [json({ message: "later", }, { status: 429, headers: { "x-amzn-errortype": "ThrottlingException", "retry-after": "3" } }), 429, "rate_limit_error", true],
      ];
      for (const [reply, status, type, retryable] of cases) {
        const err = (await chat({}, reply).catch((e: unknown) => e)) as GatewayError;
        expect(err).toBeInstanceOf(GatewayError);
        expect([err.status, err.type, err.retryable]).toEqual([status, type, retryable]);
      }
      const err = (await chat({}, json({ message: "later" }, { status: 429, headers: { "x-amzn-errortype": "ThrottlingException", "retry-after": "3" } })).catch((e: unknown) => e)) as GatewayError;
      expect(err.headers?.["retry-after"]).toBe("3");
      expect(err.message).toBe("later");
    });
  });

  describe("stream mapping", () => {
    const twoTools = encodeEventStream([
      converseEvent("messageStart", { role: "assistant" }),
      converseEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Checking both." } }),
      converseEvent("contentBlockStop", { contentBlockIndex: 0 }),
      converseEvent("contentBlockStart", { contentBlockIndex: 1, start: { toolUse: { toolUseId: "tooluse_A", name: "get_weather" } } }),
      converseEvent("contentBlockDelta", { contentBlockIndex: 1, delta: { toolUse: { input: "{\"location\":" } } }),
      converseEvent("contentBlockDelta", { contentBlockIndex: 1, delta: { toolUse: { input: "\"Paris\"}" } } }),
      converseEvent("contentBlockStop", { contentBlockIndex: 1 }),
      converseEvent("contentBlockStart", { contentBlockIndex: 2, start: { toolUse: { toolUseId: "tooluse_B", name: "get_time" } } }),
      converseEvent("contentBlockDelta", { contentBlockIndex: 2, delta: { toolUse: { input: "{\"city\":\"Rome\"}" } } }),
      converseEvent("contentBlockStop", { contentBlockIndex: 2 }),
      converseEvent("messageStop", { stopReason: "tool_use" }),
      converseEvent("metadata", { usage: { inputTokens: 50, outputTokens: 30, totalTokens: 90, cacheReadInputTokens: 10 }, metrics: { latencyMs: 5 } }),
    ]);

    test("two tool calls: ordinal indexes 0 and 1 (not block indexes 1 and 2), ids and names once, cache usage", async () => {
      const out = await streamOf(stream(twoTools, EVENT_STREAM));
      expectStreamShape(out, {
        content: "Checking both.", finishReason: "tool_calls",
        toolCalls: [{ id: "tooluse_A", name: "get_weather", arguments: { location: "Paris" } }, { id: "tooluse_B", name: "get_time", arguments: { city: "Rome" } }],
        usage: { prompt_tokens: 60, completion_tokens: 30, total_tokens: 90, prompt_tokens_details: { cached_tokens: 10 } },
      }, true);
      const indexes = out.chunks.flatMap((c) => ((c.choices as Array<{ delta: { tool_calls?: Array<{ index: number }> } }>)[0]?.delta.tool_calls ?? []).map((t) => t.index));
      expect(indexes).toEqual([0, 0, 0, 1, 1]);
    });

    test("a tool call that streams no input arrives with arguments {} (as non-streamed), not \"\"", async () => {
      const out = await streamOf(stream(encodeEventStream([
        converseEvent("messageStart", { role: "assistant" }),
        converseEvent("contentBlockStart", { contentBlockIndex: 0, start: { toolUse: { toolUseId: "tooluse_N", name: "get_time" } } }),
        converseEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { toolUse: { input: "" } } }),
        converseEvent("contentBlockStop", { contentBlockIndex: 0 }),
        converseEvent("contentBlockStart", { contentBlockIndex: 1, start: { toolUse: { toolUseId: "tooluse_M", name: "get_date" } } }),
        converseEvent("contentBlockStop", { contentBlockIndex: 1 }),
        converseEvent("messageStop", { stopReason: "tool_use" }),
        converseEvent("metadata", { usage: { inputTokens: 5, outputTokens: 3, totalTokens: 8 } }),
      ]), EVENT_STREAM));
      expectStreamShape(out, {
        content: null, finishReason: "tool_calls",
        toolCalls: [{ id: "tooluse_N", name: "get_time", arguments: {} }, { id: "tooluse_M", name: "get_date", arguments: {} }],
      }, true);
    });

    test("the whole body in one read, and split at odd offsets, give the same SSE", async () => {
      const whole = concatBytes(twoTools);
      const a = await streamOf(stream([whole], EVENT_STREAM));
      const cuts = [3, 50, 51, 400, whole.length - 2];
      const pieces = [0, ...cuts].map((from, i) => whole.subarray(from, cuts[i] ?? whole.length));
      const b = await streamOf(stream(pieces, EVENT_STREAM));
      const strip = (raw: string) => raw.replace(/"id":"chatcmpl-[^"]+"|"created":\d+/g, "");
      expect(strip(b.raw)).toBe(strip(a.raw));
    });

    test("a corrupt CRC mid-stream ends with a stream_interrupted error event", async () => {
      const bad = twoTools.map((m) => m.slice());
      bad[3]![bad[3]!.length - 1]! ^= 0xff;
      const out = await streamOf(stream(bad, EVENT_STREAM), false);
      expect(out.stats.error?.code).toBe("stream_interrupted");
      expect(out.raw.endsWith("data: [DONE]\n\n")).toBe(true);
      // Messages before the corrupt one were delivered (role, text), even though they arrived in the same read.
      expect(out.stats.chunks).toBe(2);
    });

    test("a stream cut inside a message, or closed before messageStop, is interrupted", async () => {
      const whole = concatBytes(twoTools.slice(0, 5));
      const cut = await streamOf(stream([whole.subarray(0, whole.length - 7)], EVENT_STREAM), false);
      expect(cut.stats.error?.code).toBe("stream_interrupted");
      const early = await streamOf(stream(twoTools.slice(0, 5), EVENT_STREAM), false);
      expect(early.stats.error?.code).toBe("stream_interrupted");
      const reset = await streamOf(eventStreamFixtureReply("bedrock", "converse-stream.bin", { failAfterChunks: 2 }), false);
      expect(reset.stats.error?.code).toBe("stream_interrupted");
    });

    test("exceptions inside a 200 stream map like HTTP ones; unmodelled `error` messages too", async () => {
      const model = await streamOf(stream(encodeEventStream([converseEvent("messageStart", { role: "assistant" }), converseException("modelStreamErrorException", "model broke")]), EVENT_STREAM), false);
      expect([model.stats.error?.status, model.stats.error?.message]).toEqual([502, "model broke"]);
      const unavailable = await streamOf(stream(encodeEventStream([converseException("serviceUnavailableException", "busy")]), EVENT_STREAM), false);
      expect(unavailable.stats.error?.status).toBe(503);
      const unmodelled = await streamOf(stream(encodeEventStream([{ headers: { ":message-type": "error", ":error-code": "InternalFailure", ":error-message": "oops" }, payload: "" }]), EVENT_STREAM), false);
      expect([unmodelled.stats.error?.status, unmodelled.stats.error?.message]).toEqual([502, "oops"]);
    });

    test("the fixture streams byte-exact: role chunk first, usage after finish", async () => {
      const out = await streamOf(stream([loadBytes("bedrock", "converse-stream.bin")], EVENT_STREAM));
      const shapes = out.chunks.map((c) => {
        const ch = c as { choices: Array<{ delta: Record<string, unknown>; finish_reason: string | null }>; usage?: unknown };
        return ch.choices.length === 0 ? { usage: ch.usage } : { delta: ch.choices[0]!.delta, finish: ch.choices[0]!.finish_reason };
      });
      expect(shapes).toEqual([
        { delta: { role: "assistant", content: "" }, finish: null },
        { delta: { content: "Hello" }, finish: null },
        { delta: { content: " there!" }, finish: null },
        { delta: {}, finish: "stop" },
        { usage: { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14, prompt_tokens_details: { cached_tokens: 0 } } },
      ]);
    });
  });

  describe("JSON mode (response_format)", () => {
    const jsonRequest = loadJson<ChatCompletionRequest>("openai", "json-mode.request.json").body;
    const schema = (jsonRequest.response_format as { json_schema: { schema: Record<string, unknown> } }).json_schema.schema;
    const forced = json({
      output: { message: { role: "assistant", content: [{ toolUse: { toolUseId: "tooluse_j", name: "json_output", input: { capital: "Paris" } } }] } },
      stopReason: "tool_use", usage: { inputTokens: 30, outputTokens: 8, totalTokens: 38 },
    });

    test("Claude: a forced json_output tool; its input comes back as content with finish stop", async () => {
      const result = await chat({ messages: jsonRequest.messages, response_format: jsonRequest.response_format }, forced);
      expect(sent().toolConfig).toEqual({
        tools: [{ toolSpec: { name: "json_output", description: "Respond with a JSON object that matches the schema.", inputSchema: { json: schema } } }],
        toolChoice: { tool: { name: "json_output" } },
      });
      if (result.type !== "json") throw new Error("not json");
      expect(result.body.choices[0]!.message.content).toBe("{\"capital\":\"Paris\"}");
      expect(result.body.choices[0]!.message.tool_calls).toBeUndefined();
      expect(result.body.choices[0]!.finish_reason).toBe("stop");
    });

    test("streamed: the forced tool's input fragments are content, no tool call", async () => {
      const events = encodeEventStream([
        converseEvent("messageStart", { role: "assistant" }),
        converseEvent("contentBlockStart", { contentBlockIndex: 0, start: { toolUse: { toolUseId: "tooluse_j", name: "json_output" } } }),
        converseEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { toolUse: { input: "{\"capital\":" } } }),
        converseEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { toolUse: { input: "\"Paris\"}" } } }),
        converseEvent("messageStop", { stopReason: "tool_use" }),
        converseEvent("metadata", { usage: { inputTokens: 30, outputTokens: 8, totalTokens: 38 } }),
      ]);
      mock.when("*", "*", stream(events, EVENT_STREAM));
      const result = await adapter.chat({ model: MODEL, messages: jsonRequest.messages, response_format: jsonRequest.response_format, stream: true }, ctx());
      if (result.type !== "stream") throw new Error("not a stream");
      expectStreamShape(await collectSse(result.events, true), { content: "{\"capital\":\"Paris\"}", finishReason: "stop" }, true);
    });

    test("with the client's own tools, or a model that cannot be forced, JSON mode is an instruction", async () => {
      await chat({ messages: jsonRequest.messages, response_format: { type: "json_object" }, tools: openaiTools });
      expect((sent().toolConfig as { tools: Array<{ toolSpec: { name: string } }> }).tools.map((t) => t.toolSpec.name)).toEqual(["get_weather"]);
      expect((sent().system as Array<{ text: string }>)[0]!.text).toContain("valid JSON object");
      mock.when("*", "*", fixtureReply("bedrock", "converse.response.json"));
      await adapter.chat({ model: "x", messages: jsonRequest.messages, response_format: jsonRequest.response_format }, ctx("meta.llama3-1-70b-instruct-v1:0"));
      expect(sent().toolConfig).toBeUndefined();
      expect((sent().system as Array<{ text: string }>)[0]!.text).toContain("\"capital\"");
    });
  });

  describe("embeddings and models", () => {
    test("Titan: one call per text, concurrently, in input order; usage summed; base64 on request", async () => {
      mock.when("POST", "/model/amazon.titan-embed-text-v2%3A0/invoke", async (req) => {
        const text = (req.json as { inputText: string }).inputText;
        await Bun.sleep(text === "a" ? 30 : 0);
        return json({ embedding: [text.length, 0.5], inputTextTokenCount: text.length });
      });
      const res = await adapter.embeddings({ model: "x", input: ["a", "bbb", "cc"] }, ctx("amazon.titan-embed-text-v2:0"));
      expect(res.data.map((d) => d.embedding)).toEqual([[1, 0.5], [3, 0.5], [2, 0.5]]);
      expect(res.usage).toEqual({ prompt_tokens: 6, total_tokens: 6 });
      expect(mock.requests.map((r) => (r.json as { normalize: boolean }).normalize)).toEqual([true, true, true]);
      const b64 = await adapter.embeddings({ model: "x", input: "bbb", encoding_format: "base64" }, ctx("amazon.titan-embed-text-v2:0"));
      const bytes = Buffer.from(b64.data[0]!.embedding as string, "base64");
      expect(Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, 2))).toEqual([3, 0.5]);
    });

    test("Cohere: all texts in one call; token count from Bedrock's header", async () => {
      mock.when("POST", "/model/cohere.embed-english-v3/invoke", fixtureReply("bedrock", "embed-cohere.response.json", { headers: { "x-amzn-bedrock-input-token-count": "9" } }));
      const res = await adapter.embeddings({ model: "x", input: ["The food was delicious", "and the waiter was friendly"] }, ctx("cohere.embed-english-v3"));
      expect(mock.requests.length).toBe(1);
      expect(mock.requests[0]!.json).toEqual(upstream("embed-cohere.request.json"));
      sigv4(mock.requests[0]!);
      expect(res.data.map((d) => d.embedding)).toEqual([[0.0123, -0.0456], [0.0222, 0.0111]]);
      expect(res.usage).toEqual({ prompt_tokens: 9, total_tokens: 9 });
    });

    test("an embedding model of another family, or token-array input, is a 400", async () => {
      const other = await adapter.embeddings({ model: "x", input: "a" }, ctx(MODEL)).catch((e: unknown) => e);
      expect((other as GatewayError).status).toBe(400);
      const tokens = await adapter.embeddings({ model: "x", input: [1, 2, 3] }, ctx("cohere.embed-english-v3")).catch((e: unknown) => e);
      expect((tokens as GatewayError).param).toBe("input");
    });

    test("the model list comes from the control plane (derived host without base_url)", async () => {
      const config = v.parse(configSchema, { providers: { b: { type: "bedrock", region: "eu-west-3", keys: [KEY] } } });
      const seen: string[] = [];
      const a = buildSnapshot(config, providerFactories).providers.get("b")!;
      const ids = await a.listModels({
        model: "", signal: new AbortController().signal, auth: { mode: "stored", key: a.keys[0]!, keyIndex: 0 }, reads: testReads("b"),
        send: async (r) => {
          seen.push(`${r.method} ${r.url}`);
          return Response.json(upstream("list-foundation-models.response.json"));
        },
      });
      expect(seen).toEqual(["GET https://bedrock.eu-west-3.amazonaws.com/foundation-models"]);
      expect(ids).toEqual(["anthropic.claude-3-5-sonnet-20240620-v1:0"]);
    });
  });

  describe("configuration", () => {
    test("region is required and checked, with a message naming the field", () => {
      const build = (block: Record<string, unknown>) => () => buildSnapshot(v.parse(configSchema, { providers: { aws: { type: "bedrock", ...block } } }), providerFactories);
      expect(build({ keys: [KEY] })).toThrow("providers.aws.region: required for bedrock");
      expect(build({ region: "Virginia", keys: [KEY] })).toThrow("is not an AWS region name");
      expect(build({ region: "us-gov-west-1", keys: [KEY] })).not.toThrow();
    });

    test("a key needs both AWS halves, or a Bedrock API key", () => {
      const usable = providerFactories.get("bedrock")!.keyUsable;
      // The key as the snapshot hands it to the factory: the shared and the bedrock fields parsed.
      const key = (k: Record<string, unknown>) => {
        const block = v.parse(configSchema, { providers: { b: { region: "us-east-1", keys: [k] } } }).providers.b!;
        const resolved = resolveProviderBlock("b", block, providerFactories.get("bedrock")!);
        if (!resolved.ok) throw new Error(resolved.problem);
        return resolved.block.keys[0]!;
      };
      expect(usable(key({ access_key_id: "A", secret_access_key: "" }))).toBe(false);
      expect(usable(key({ access_key_id: "A", secret_access_key: "S" }))).toBe(true);
      expect(usable(key({ value: "bedrock-key" }))).toBe(true);
    });
  });
});
