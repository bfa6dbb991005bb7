// The official openai SDK → the gateway process → a mock Anthropic Messages API.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import OpenAI, { APIError, BadRequestError } from "openai";
import {
  errorFixtureReply, fixtureReply, json, loadJson, openaiClient, sse, sseFixtureReply, startGateway, startMockUpstream,
  type Gateway, type MockUpstream,
} from "../support/index.ts";

const MODEL = "claude-sonnet-4-5-20250929";
let mock: MockUpstream;
let gw: Gateway;
let client: OpenAI;

beforeAll(async () => {
  mock = await startMockUpstream();
  gw = await startGateway({
    providers: {
      anthropic: { base_url: mock.url, keys: [{ value: "sk-ant-stored-secret" }] },
      "anthropic-byok": { type: "anthropic", base_url: mock.url, credential_mode: "passthrough" },
    },
    failover: { timeout: "2s", backoff: { initial: "10ms", max: "20ms" } },
  });
  client = openaiClient(gw);
});
afterAll(async () => {
  await gw?.stop();
  await mock?.stop();
});
beforeEach(() => mock.reset());

const tools = loadJson<OpenAI.ChatCompletionCreateParamsNonStreaming>("openai", "tools.request.json").body.tools!;
type Sent = { system?: unknown; max_tokens: number; messages: Array<{ role: string; content: unknown }>; tools?: unknown; tool_choice?: unknown; model: string; stream?: boolean };
const sent = (i: number) => mock.requests[i]!.json as Sent;

test("plain chat: system hoisted, default max_tokens, x-api-key + anthropic-version, OpenAI answer with usage", async () => {
  mock.when("POST", "/v1/messages", fixtureReply("anthropic", "chat.response.json"));
  const { data, response } = await client.chat.completions.create({
    model: `anthropic/${MODEL}`,
    messages: [{ role: "system", content: "You are a helpful assistant." }, { role: "user", content: "Hello!" }],
  }).withResponse();
  expect(data.object).toBe("chat.completion");
  expect(data.choices[0]!.message).toMatchObject({ role: "assistant", content: "Hello! How can I help you today?" });
  expect(data.choices[0]!.finish_reason).toBe("stop");
  expect(data.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 12, total_tokens: 24 });
  expect(response.headers.get("x-butter-provider")).toBe("anthropic");
  const req = mock.requests[0]!;
  expect(req.headers["x-api-key"]).toBe("sk-ant-stored-secret");
  expect(req.headers["anthropic-version"]).toBe("2023-06-01");
  expect(req.headers.authorization).toBeUndefined();
  expect(sent(0)).toEqual({ model: MODEL, max_tokens: 4096, system: "You are a helpful assistant.", messages: [{ role: "user", content: "Hello!" }] });
});

test("tools round trip: tool call returned, then the tool result goes back as a tool_result block in a user turn", async () => {
  mock.when("POST", "/v1/messages").replyOnce(fixtureReply("anthropic", "tools.response.json"), fixtureReply("anthropic", "chat.response.json"));
  const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "What's the weather in Paris?" }];
  const first = await client.chat.completions.create({ model: `anthropic/${MODEL}`, messages, tools, tool_choice: "auto", max_tokens: 1024 });
  const choice = first.choices[0]!;
  expect(choice.finish_reason).toBe("tool_calls");
  const call = choice.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
  expect(call).toMatchObject({ id: "toolu_01NRLabsLyVHZPKxbKvkfSMn", type: "function", function: { name: "get_weather" } });
  expect(JSON.parse(call.function.arguments)).toEqual({ location: "Paris" });
  expect(sent(0)).toMatchObject(loadJson("anthropic", "tools.request.json").body);

  messages.push(choice.message, { role: "tool", tool_call_id: call.id, content: "{\"temperature_c\":18,\"condition\":\"cloudy\"}" });
  const second = await client.chat.completions.create({ model: `anthropic/${MODEL}`, messages, tools, max_tokens: 1024 });
  expect(second.choices[0]!.message.content).toBe("Hello! How can I help you today?");
  // What Anthropic received is exactly the documented tool-result turn.
  expect(sent(1)).toEqual(loadJson("anthropic", "tool-result.request.json").body as never);
});

const ev = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
const twoToolStream = [
  ev("message_start", { message: { id: "msg_two", type: "message", role: "assistant", content: [], model: MODEL, stop_reason: null, stop_sequence: null, usage: { input_tokens: 40, cache_read_input_tokens: 60, output_tokens: 1 } } }),
  ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
  ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: "Let me check both." } }),
  ev("content_block_stop", { index: 0 }),
  ev("content_block_start", { index: 1, content_block: { type: "tool_use", id: "toolu_paris", name: "get_weather", input: {} } }),
  ev("content_block_delta", { index: 1, delta: { type: "input_json_delta", partial_json: "" } }),
  ev("content_block_delta", { index: 1, delta: { type: "input_json_delta", partial_json: "{\"location\": " } }),
  ev("content_block_delta", { index: 1, delta: { type: "input_json_delta", partial_json: "\"Paris\"}" } }),
  ev("content_block_stop", { index: 1 }),
  ev("content_block_start", { index: 2, content_block: { type: "tool_use", id: "toolu_tokyo", name: "get_weather", input: {} } }),
  ev("content_block_delta", { index: 2, delta: { type: "input_json_delta", partial_json: "{\"location\": \"Tok" } }),
  ev("content_block_delta", { index: 2, delta: { type: "input_json_delta", partial_json: "yo\"}" } }),
  ev("content_block_stop", { index: 2 }),
  ev("message_delta", { delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 70 } }),
  ev("message_stop", {}),
];

describe("streaming", () => {
  test("two tool calls: the SDK accumulates both by index; usage chunk with cache tokens added back", async () => {
    mock.when("POST", "/v1/messages", sse(twoToolStream, { chunkDelayMs: 1 }));
    const stream = await client.chat.completions.create({
      model: `anthropic/${MODEL}`, messages: [{ role: "user", content: "Weather in Paris and Tokyo?" }], tools, stream: true,
      stream_options: { include_usage: true },
    });
    const calls: Array<{ id?: string; name?: string; args: string }> = [];
    let content = "";
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    const ids = new Set<string>();
    for await (const chunk of stream) {
      ids.add(chunk.id);
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices[0];
      if (!choice) continue;
      content += choice.delta.content ?? "";
      finish = choice.finish_reason ?? finish;
      for (const d of choice.delta.tool_calls ?? []) {
        const c = (calls[d.index] ??= { args: "" });
        if (d.id) c.id = d.id;
        if (d.function?.name) c.name = d.function.name;
        c.args += d.function?.arguments ?? "";
      }
    }
    expect(ids.size).toBe(1);
    expect(content).toBe("Let me check both.");
    expect(finish).toBe("tool_calls");
    expect(calls.map((c) => [c.id, c.name, JSON.parse(c.args)])).toEqual([
      ["toolu_paris", "get_weather", { location: "Paris" }],
      ["toolu_tokyo", "get_weather", { location: "Tokyo" }],
    ]);
    expect(usage).toMatchObject({ prompt_tokens: 100, completion_tokens: 70, total_tokens: 170, prompt_tokens_details: { cached_tokens: 60 } });
    expect(sent(0).stream).toBe(true);
  });

  test("the SDK's own stream helper assembles the same final message", async () => {
    mock.when("POST", "/v1/messages", sse(twoToolStream));
    const runner = client.chat.completions.stream({ model: `anthropic/${MODEL}`, messages: [{ role: "user", content: "Weather?" }], tools });
    const final = await runner.finalChatCompletion();
    const calls = final.choices[0]!.message.tool_calls as OpenAI.ChatCompletionMessageFunctionToolCall[];
    expect(calls.map((c) => c.id)).toEqual(["toolu_paris", "toolu_tokyo"]);
    expect(calls.map((c) => JSON.parse(c.function.arguments).location)).toEqual(["Paris", "Tokyo"]);
  });

  test("plain text stream from the fixture", async () => {
    mock.when("POST", "/v1/messages", sseFixtureReply("anthropic", "stream.sse"));
    const stream = await client.chat.completions.create({ model: `anthropic/${MODEL}`, messages: [{ role: "user", content: "Hello" }], stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("Hello there!");
  });

  test("event: error inside a 200 stream reaches the SDK as an error", async () => {
    mock.when("POST", "/v1/messages", sseFixtureReply("anthropic", "stream-error.sse"));
    const stream = await client.chat.completions.create({ model: `anthropic/${MODEL}`, messages: [{ role: "user", content: "Hello" }], stream: true });
    let text = "";
    const err = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect(String((err as APIError).message)).toContain("Overloaded");
    expect(text).toBe("Hel");
  });
});

test("embeddings: a clean 400 unsupported_operation, nothing sent upstream", async () => {
  const err = await client.embeddings.create({ model: `anthropic/${MODEL}`, input: "hi" }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(BadRequestError);
  expect((err as BadRequestError).code).toBe("unsupported_operation");
  expect(mock.requests.length).toBe(0);
});

test("529 overloaded is retried as a 503 and the retry succeeds", async () => {
  mock.when("POST", "/v1/messages").replyOnce(errorFixtureReply("anthropic", "error-529-overloaded.json")).reply(fixtureReply("anthropic", "chat.response.json"));
  const { data, response } = await client.chat.completions.create({ model: `anthropic/${MODEL}`, messages: [{ role: "user", content: "Hi" }] }).withResponse();
  expect(data.choices[0]!.message.content).toBe("Hello! How can I help you today?");
  expect(response.headers.get("x-butter-attempts")).toBe("2");
});

test("401 from Anthropic: the SDK's AuthenticationError, the stored key never echoed", async () => {
  mock.when("POST", "/v1/messages", errorFixtureReply("anthropic", "error-401.json"));
  const err = await client.chat.completions.create({ model: `anthropic/${MODEL}`, messages: [{ role: "user", content: "Hi" }] }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
  expect(JSON.stringify((err as APIError).error)).not.toContain("sk-ant-stored-secret");
});

test("JSON mode: response_format json_schema rides on a forced tool; the client gets the JSON as content", async () => {
  mock.when("POST", "/v1/messages", json({
    id: "msg_json", type: "message", role: "assistant", model: MODEL, stop_reason: "tool_use", stop_sequence: null,
    content: [{ type: "tool_use", id: "toolu_j", name: "json_output", input: { city: "Paris", temperature_c: 18 } }],
    usage: { input_tokens: 20, output_tokens: 10 },
  }));
  const schema = { type: "object", properties: { city: { type: "string" }, temperature_c: { type: "number" } }, required: ["city"] };
  const res = await client.chat.completions.create({
    model: `anthropic/${MODEL}`, messages: [{ role: "user", content: "Weather in Paris as JSON" }],
    response_format: { type: "json_schema", json_schema: { name: "weather", schema } },
  });
  expect(JSON.parse(res.choices[0]!.message.content!)).toEqual({ city: "Paris", temperature_c: 18 });
  expect(res.choices[0]!.finish_reason).toBe("stop");
  expect(sent(0).tool_choice).toEqual({ type: "tool", name: "json_output" });
  expect(sent(0).tools).toEqual([{ name: "json_output", description: "Respond with a JSON object that matches the schema.", input_schema: schema }]);
});

test("passthrough: the client's own key travels as x-api-key", async () => {
  mock.when("POST", "/v1/messages", fixtureReply("anthropic", "chat.response.json"));
  const res = await fetch(`${gw.baseURL}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": "sk-ant-client-own" },
    body: JSON.stringify({ model: `anthropic-byok/${MODEL}`, messages: [{ role: "user", content: "Hi" }] }),
  });
  expect(res.status).toBe(200);
  expect(mock.requests[0]!.headers["x-api-key"]).toBe("sk-ant-client-own");
});

test("models: Anthropic's listing appears as anthropic/<id>", async () => {
  mock.when("GET", "/v1/models", fixtureReply("anthropic", "models.response.json"));
  const ids: string[] = [];
  for await (const m of client.models.list()) ids.push(m.id);
  expect(ids).toContain(`anthropic/${MODEL}`);
  expect(ids).toContain("anthropic/claude-3-5-haiku-20241022");
});

test("reasoning round trip through the SDK: reasoning_effort → thinking; the signed thinking comes back as reasoning_details and goes up again unchanged", async () => {
  const content = [
    { type: "thinking", thinking: "Need the weather tool.", signature: "EqQBCgIYAhIMsig" },
    { type: "tool_use", id: "toolu_r1", name: "get_weather", input: { location: "Paris" } },
  ];
  mock.when("POST", "/v1/messages").replyOnce(
    json({ id: "msg_r", type: "message", role: "assistant", model: MODEL, content, stop_reason: "tool_use", stop_sequence: null, usage: { input_tokens: 10, output_tokens: 20 } }),
    fixtureReply("anthropic", "chat.response.json"),
  );
  const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "What's the weather in Paris?" }];
  const first = await client.chat.completions.create({ model: `anthropic/${MODEL}`, messages, tools, reasoning_effort: "low" });
  expect((sent(0) as unknown as { thinking: unknown }).thinking).toEqual({ type: "enabled", budget_tokens: 2048 });
  const message = first.choices[0]!.message as OpenAI.ChatCompletionMessage & { reasoning_content?: string; reasoning_details?: unknown };
  expect(message.reasoning_content).toBe("Need the weather tool.");
  expect(message.reasoning_details).toEqual([{ type: "reasoning.text", text: "Need the weather tool.", signature: "EqQBCgIYAhIMsig", format: "anthropic-claude-v1" }]);
  await client.chat.completions.create({
    model: `anthropic/${MODEL}`, tools, reasoning_effort: "low",
    messages: [...messages, message as OpenAI.ChatCompletionAssistantMessageParam, { role: "tool", tool_call_id: "toolu_r1", content: "18C" }],
  });
  expect(sent(1).messages[1]).toEqual({ role: "assistant", content });
  expect((sent(1) as unknown as { thinking?: unknown }).thinking).toBeDefined();
});
