// The official openai client → the gateway process → a mock Bedrock runtime (JSON and binary event streams).
import { afterAll, beforeAll, beforeEach, expect, test } from "bun:test";
import OpenAI, { APIError, AuthenticationError } from "openai";
import {
  errorFixtureReply, eventStreamFixtureReply, fixtureReply, json, loadJson, openaiClient, startGateway, startMockUpstream, stream,
  type Gateway, type MockUpstream, type RecordedRequest,
} from "../support/index.ts";
import { converseEvent, encodeEventStream } from "../support/event-stream-encoder.ts";

const MODEL = "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0";
const PATH = "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0";
const SECRET = "e2e-secret-access-key";

let mock: MockUpstream;
let gw: Gateway;
let client: OpenAI;

beforeAll(async () => {
  mock = await startMockUpstream();
  gw = await startGateway({
    providers: {
      bedrock: {
        region: "us-west-2", base_url: mock.url,
        keys: [{ access_key_id: "AKIDE2E", secret_access_key: SECRET, session_token: "e2e-session-token" }],
      },
    },
    failover: { timeout: "5s", max_attempts: 1 },
  });
  client = openaiClient(gw);
});
afterAll(async () => {
  await gw?.stop();
  await mock?.stop();
});
beforeEach(() => mock.reset());

const tools = loadJson<OpenAI.ChatCompletionCreateParamsNonStreaming>("openai", "tools.request.json").body.tools!;

function expectSigned(req: RecordedRequest): void {
  expect(req.headers.authorization).toMatch(
    /^AWS4-HMAC-SHA256 Credential=AKIDE2E\/\d{8}\/us-west-2\/bedrock\/aws4_request, SignedHeaders=accept;content-type;host;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
  );
  expect(req.headers["x-amz-security-token"]).toBe("e2e-session-token");
  expect(req.headers["x-amz-date"]).toMatch(/^\d{8}T\d{6}Z$/);
}

test("plain chat: Converse request signed with SigV4, response and usage mapped", async () => {
  mock.when("POST", `${PATH}/converse`, fixtureReply("bedrock", "converse.response.json"));
  const { data, response } = await client.chat.completions
    .create({ model: MODEL, messages: [{ role: "system", content: "You are a helpful assistant." }, { role: "user", content: "Hello!" }], max_tokens: 512 })
    .withResponse();
  expect(data.choices[0]!.message.content).toBe("Hello! How can I help you today?");
  expect(data.choices[0]!.finish_reason).toBe("stop");
  expect(data.usage).toMatchObject({ prompt_tokens: 15, completion_tokens: 12, total_tokens: 27 });
  expect(response.headers.get("x-butter-provider")).toBe("bedrock");
  const sent = mock.requests[0]!;
  expectSigned(sent);
  expect(sent.json).toEqual({
    system: [{ text: "You are a helpful assistant." }],
    messages: [{ role: "user", content: [{ text: "Hello!" }] }],
    inferenceConfig: { maxTokens: 512 },
  });
});

test("tools round trip: tool call, then the result with tool_choice none still sends toolConfig (Bedrock requires it)", async () => {
  mock.when("POST", `${PATH}/converse`, fixtureReply("bedrock", "tools.response.json"));
  const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "What's the weather in Paris?" }];
  const first = await client.chat.completions.create({ model: MODEL, messages, tools, tool_choice: "auto" });
  expect(first.choices[0]!.finish_reason).toBe("tool_calls");
  const call = first.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
  expect(call.id).toBe("tooluse_kZJMlvQmRJ6eAyJE5GIl7Q");
  expect(JSON.parse(call.function.arguments)).toEqual({ location: "Paris" });
  expect((mock.requests[0]!.json as { toolConfig: { toolChoice: unknown } }).toolConfig.toolChoice).toEqual({ auto: {} });

  mock.reset();
  mock.when("POST", `${PATH}/converse`, json({
    output: { message: { role: "assistant", content: [{ text: "It is 18°C and cloudy in Paris." }] } }, stopReason: "end_turn",
    usage: { inputTokens: 420, outputTokens: 12, totalTokens: 432 },
  }));
  const second = await client.chat.completions.create({
    model: MODEL, tools, tool_choice: "none",
    messages: [
      ...messages,
      { role: "assistant", content: first.choices[0]!.message.content, tool_calls: [{ id: call.id, type: "function", function: call.function }] },
      { role: "tool", tool_call_id: call.id, content: "{\"temperature_c\":18,\"condition\":\"cloudy\"}" },
    ],
  });
  expect(second.choices[0]!.message.content).toBe("It is 18°C and cloudy in Paris.");
  const body = mock.requests[0]!.json as { toolConfig?: { tools: Array<{ toolSpec: { name: string } }>; toolChoice?: unknown }; messages: unknown[] };
  expect(body.toolConfig).toBeDefined();
  expect(body.toolConfig!.tools.map((t) => t.toolSpec.name)).toEqual(["get_weather"]);
  expect(body.toolConfig!.toolChoice).toBeUndefined();
  expect(body.messages.at(-1)).toEqual({
    role: "user",
    content: [{ toolResult: { toolUseId: call.id, content: [{ json: { temperature_c: 18, condition: "cloudy" } }], status: "success" } }],
  });
});

test("streaming with two tool calls over a binary event stream: deltas reassemble, usage chunk, [DONE]", async () => {
  mock.when("POST", `${PATH}/converse-stream`, stream(encodeEventStream([
    converseEvent("messageStart", { role: "assistant" }),
    converseEvent("contentBlockStart", { contentBlockIndex: 0, start: { toolUse: { toolUseId: "tooluse_paris", name: "get_weather" } } }),
    converseEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { toolUse: { input: "{\"loca" } } }),
    converseEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { toolUse: { input: "tion\":\"Paris\"}" } } }),
    converseEvent("contentBlockStop", { contentBlockIndex: 0 }),
    converseEvent("contentBlockStart", { contentBlockIndex: 1, start: { toolUse: { toolUseId: "tooluse_rome", name: "get_weather" } } }),
    converseEvent("contentBlockDelta", { contentBlockIndex: 1, delta: { toolUse: { input: "{\"location\":\"Rome\"}" } } }),
    converseEvent("contentBlockStop", { contentBlockIndex: 1 }),
    converseEvent("messageStop", { stopReason: "tool_use" }),
    converseEvent("metadata", { usage: { inputTokens: 400, outputTokens: 40, totalTokens: 440 }, metrics: { latencyMs: 700 } }),
  ]), "application/vnd.amazon.eventstream", { chunkDelayMs: 2 }));

  const events = await client.chat.completions.create({
    model: MODEL, messages: [{ role: "user", content: "Weather in Paris and Rome?" }], tools, stream: true, stream_options: { include_usage: true },
  });
  const calls: Array<{ id: string; name: string; args: string }> = [];
  const finishes: string[] = [];
  let usage: OpenAI.CompletionUsage | null | undefined;
  let firstRole: string | undefined;
  for await (const chunk of events) {
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    firstRole ??= choice.delta.role;
    if (choice.finish_reason) finishes.push(choice.finish_reason);
    for (const d of choice.delta.tool_calls ?? []) {
      if (d.id) calls[d.index] = { id: d.id, name: d.function!.name!, args: "" };
      calls[d.index]!.args += d.function?.arguments ?? "";
    }
  }
  expect(firstRole).toBe("assistant");
  expect(finishes).toEqual(["tool_calls"]);
  expect(calls.map((c) => [c.id, c.name, JSON.parse(c.args)])).toEqual([
    ["tooluse_paris", "get_weather", { location: "Paris" }],
    ["tooluse_rome", "get_weather", { location: "Rome" }],
  ]);
  expect(usage).toMatchObject({ prompt_tokens: 400, completion_tokens: 40, total_tokens: 440 });
  expect(mock.requests[0]!.headers.accept).toBe("application/vnd.amazon.eventstream");
  expectSigned(mock.requests[0]!);
});

test("an exception inside a 200 stream reaches the SDK as an error after the text already sent", async () => {
  mock.when("POST", `${PATH}/converse-stream`, eventStreamFixtureReply("bedrock", "converse-stream-exception.bin", { chunkDelayMs: 2 }));
  const events = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "Hi" }], stream: true });
  let text = "";
  const err = await (async () => {
    for await (const chunk of events) text += chunk.choices[0]?.delta.content ?? "";
  })().catch((e: unknown) => e);
  expect(text).toBe("Hello");
  expect(err).toBeInstanceOf(APIError);
  expect(String((err as Error).message)).toContain("Too many requests");
});

test("embeddings: Titan (one call per input, SDK's default base64) and Cohere (one call)", async () => {
  mock.when("POST", "/model/amazon.titan-embed-text-v2%3A0/invoke", (req) => {
    const text = (req.json as { inputText: string }).inputText;
    return json({ embedding: [text.length / 10, -0.5, 0.25], inputTextTokenCount: 4 });
  });
  const titan = await client.embeddings.create({ model: "bedrock/amazon.titan-embed-text-v2:0", input: ["first", "second!"], dimensions: 256 });
  expect(titan.data.map((d) => d.embedding)).toEqual([[0.5, -0.5, 0.25], [Math.fround(0.7), -0.5, 0.25]]);
  expect(titan.usage).toEqual({ prompt_tokens: 8, total_tokens: 8 });
  expect(mock.requests.length).toBe(2);
  for (const req of mock.requests) {
    expectSigned(req);
    expect((req.json as { dimensions: number }).dimensions).toBe(256);
  }

  mock.reset();
  mock.when("POST", "/model/cohere.embed-english-v3/invoke", fixtureReply("bedrock", "embed-cohere.response.json"));
  const cohere = await client.embeddings.create({ model: "bedrock/cohere.embed-english-v3", input: ["The food was delicious", "and the waiter was friendly"], encoding_format: "float" });
  expect(cohere.data.map((d) => d.embedding)).toEqual([[0.0123, -0.0456], [0.0222, 0.0111]]);
  expect(mock.requests.length).toBe(1);
  expect(mock.requests[0]!.json).toEqual(loadJson("bedrock", "embed-cohere.request.json").body);
});

test("a signature rejected by AWS (403 InvalidSignatureException) is an AuthenticationError without secrets", async () => {
  mock.when("POST", `${PATH}/converse`, errorFixtureReply("bedrock", "error-403-signature.json"));
  const err = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "Hi" }] }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AuthenticationError);
  expect((err as AuthenticationError).status).toBe(401);
  expect(JSON.stringify((err as AuthenticationError).error)).not.toContain(SECRET);
  expect(gw.logs.join("\n")).not.toContain(SECRET);
});

test("translation refusals reach the SDK as 400s in the OpenAI envelope, naming the param, with nothing sent upstream", async () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ n: 2 }, "n"],
    [{ messages: [{ role: "user", content: [{ type: "text", text: "x", cache_control: { type: "forever" } }] }] }, "messages[0].content[0].cache_control"],
    [{ messages: [{ role: "user", content: [{ type: "file", file: { file_data: "data:application/zip;base64,UEsDBA==", filename: "a.zip" } }] }] }, "messages[0].content[0].file.file_data"],
    [{ reasoning_effort: "extreme" }, "reasoning_effort"],
  ];
  for (const [extra, param] of cases) {
    const err = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "Hi" }], ...extra } as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect([(err as APIError).status, (err as APIError).type, (err as APIError).param]).toEqual([400, "invalid_request_error", param]);
  }
  expect(mock.requests.length).toBe(0);
});

test("a PDF with a cache mark: document and cachePoint sent; cached tokens come back in usage", async () => {
  mock.when("POST", `${PATH}/converse`, fixtureReply("bedrock", "converse-cache.response.json"));
  const data = await client.chat.completions.create({
    model: MODEL,
    messages: [{ role: "user", content: [
      { type: "file", file: { file_data: "data:application/pdf;base64,JVBERi0=", filename: "contract.pdf" } },
      { type: "text", text: "Summarise.", cache_control: { type: "ephemeral" } } as never,
    ] }],
  });
  expect(mock.requests[0]!.json).toMatchObject({ messages: [{ role: "user", content: [
    { document: { format: "pdf", name: "contract", source: { bytes: "JVBERi0=" } } }, { text: "Summarise." }, { cachePoint: { type: "default" } },
  ] }] });
  expect(data.usage).toEqual({ prompt_tokens: 2068, completion_tokens: 40, total_tokens: 2108, prompt_tokens_details: { cached_tokens: 2048, cache_write_tokens: 0 } });
});
