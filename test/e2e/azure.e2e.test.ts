// The official openai SDK → the gateway process → a mock Azure OpenAI resource.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import OpenAI, { BadRequestError, RateLimitError } from "openai";
import {
  errorFixtureReply, fixtureReply, loadJson, openaiClient, sse, sseFixtureReply, startGateway, startMockUpstream,
  type Gateway, type MockUpstream,
} from "../support/index.ts";

const DEPLOYMENT = "my-gpt-4o-mini";
const CHAT = `/openai/deployments/${DEPLOYMENT}/chat/completions`;
let mock: MockUpstream;
let gw: Gateway;
let client: OpenAI;

beforeAll(async () => {
  mock = await startMockUpstream();
  gw = await startGateway({
    providers: {
      azure: { base_url: mock.url, keys: [{ value: "azure-stored-secret" }], models: [DEPLOYMENT, "my-embedding"] },
      "azure-v1": { type: "azure", base_url: mock.url, api_version: "v1", keys: [{ value: "azure-v1-secret" }] },
    },
    failover: { timeout: "2s", max_attempts: 1 },
  });
  client = openaiClient(gw);
});
afterAll(async () => {
  await gw?.stop();
  await mock?.stop();
});
beforeEach(() => mock.reset());

const tools = loadJson<OpenAI.ChatCompletionCreateParamsNonStreaming>("openai", "tools.request.json").body.tools!;
const hello: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "Hello!" }];

test("plain chat: deployment URL, api-version, api-key header, no model in the body", async () => {
  mock.when("POST", CHAT, fixtureReply("azure-openai", "chat.response.json"));
  const { data, response } = await client.chat.completions.create({ model: `azure/${DEPLOYMENT}`, messages: hello, max_tokens: 256 }).withResponse();
  expect(data.choices[0]!.message.content).toBe("Hello! How can I assist you today?");
  expect(data.usage?.total_tokens).toBe(19);
  expect(response.headers.get("x-butter-provider")).toBe("azure");
  const req = mock.requests[0]!;
  expect(req.path).toBe(`${CHAT}?api-version=2024-10-21`);
  expect(req.headers["api-key"]).toBe("azure-stored-secret");
  expect(req.headers.authorization).toBeUndefined();
  expect(req.json).toEqual(loadJson("azure-openai", "chat.request.json").body);
});

test("the /openai/v1 form: model in the body, no api-version", async () => {
  mock.when("POST", "/openai/v1/chat/completions", fixtureReply("azure-openai", "chat.response.json"));
  await client.chat.completions.create({ model: `azure-v1/${DEPLOYMENT}`, messages: hello });
  const req = mock.requests[0]!;
  expect(req.path).toBe("/openai/v1/chat/completions");
  expect((req.json as { model: string }).model).toBe(DEPLOYMENT);
  expect(req.headers["api-key"]).toBe("azure-v1-secret");
});

test("tools round trip: tool call, then the tool result sent back to the deployment", async () => {
  mock.when("POST", CHAT).replyOnce(fixtureReply("openai", "tools.response.json"), fixtureReply("azure-openai", "chat.response.json"));
  const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "What's the weather in Paris?" }];
  const first = await client.chat.completions.create({ model: `azure/${DEPLOYMENT}`, messages, tools });
  const call = first.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
  expect(first.choices[0]!.finish_reason).toBe("tool_calls");
  expect(JSON.parse(call.function.arguments)).toEqual({ location: "Paris" });
  messages.push(first.choices[0]!.message, { role: "tool", tool_call_id: call.id, content: "18C, cloudy" });
  await client.chat.completions.create({ model: `azure/${DEPLOYMENT}`, messages, tools });
  const second = mock.requests[1]!.json as { messages: Array<Record<string, unknown>>; tools: unknown };
  expect(second.tools).toEqual(tools);
  expect(second.messages[1]!.tool_calls).toEqual([call]);
  expect(second.messages[2]).toEqual({ role: "tool", tool_call_id: call.id, content: "18C, cloudy" });
});

describe("streaming", () => {
  const base = { id: "chatcmpl-az2", object: "chat.completion.chunk", created: 1741569952, model: "gpt-4o-mini-2024-07-18" };
  const delta = (d: object, finish: string | null = null) => ({ ...base, choices: [{ index: 0, delta: d, finish_reason: finish, content_filter_results: {} }] });
  const twoTools = [
    // Azure's opening chunk: no choices, only prompt filter results.
    { choices: [], created: 0, id: "", model: "", object: "", prompt_filter_results: [{ prompt_index: 0, content_filter_results: {} }] },
    delta({ role: "assistant", content: null, tool_calls: [{ index: 0, id: "call_paris", type: "function", function: { name: "get_weather", arguments: "" } }] }),
    delta({ tool_calls: [{ index: 0, function: { arguments: "{\"location\":" } }] }),
    delta({ tool_calls: [{ index: 0, function: { arguments: "\"Paris\"}" } }] }),
    delta({ tool_calls: [{ index: 1, id: "call_tokyo", type: "function", function: { name: "get_weather", arguments: "" } }] }),
    delta({ tool_calls: [{ index: 1, function: { arguments: "{\"location\":\"Tokyo\"}" } }] }),
    delta({}, "tool_calls"),
    { ...base, choices: [], usage: { prompt_tokens: 80, completion_tokens: 30, total_tokens: 110 } },
    "data: [DONE]\n\n",
  ];

  test("two tool calls through Azure's quirky stream: the SDK accumulates both, never sees the empty first chunk", async () => {
    mock.when("POST", CHAT, sse(twoTools));
    const stream = await client.chat.completions.create({
      model: `azure/${DEPLOYMENT}`, messages: [{ role: "user", content: "Paris and Tokyo?" }], tools, stream: true, stream_options: { include_usage: true },
    });
    const calls: Array<{ id?: string; name?: string; args: string }> = [];
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    let first = true;
    for await (const chunk of stream) {
      if (first) {
        expect(chunk.id).toBe("chatcmpl-az2");
        expect(chunk.choices.length).toBe(1);
        first = false;
      }
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices[0];
      if (!choice) continue;
      finish = choice.finish_reason ?? finish;
      for (const d of choice.delta.tool_calls ?? []) {
        const c = (calls[d.index] ??= { args: "" });
        if (d.id) c.id = d.id;
        if (d.function?.name) c.name = d.function.name;
        c.args += d.function?.arguments ?? "";
      }
    }
    expect(finish).toBe("tool_calls");
    expect(calls.map((c) => [c.id, c.name, JSON.parse(c.args)])).toEqual([
      ["call_paris", "get_weather", { location: "Paris" }],
      ["call_tokyo", "get_weather", { location: "Tokyo" }],
    ]);
    expect(usage?.total_tokens).toBe(110);
  });

  test("the fixture stream through the SDK's stream helper", async () => {
    mock.when("POST", CHAT, sseFixtureReply("azure-openai", "stream.sse"));
    const final = await client.chat.completions.stream({ model: `azure/${DEPLOYMENT}`, messages: hello }).finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe("Hello!");
  });
});

test("embeddings: real embeddings from the embeddings deployment", async () => {
  mock.when("POST", "/openai/deployments/my-embedding/embeddings", fixtureReply("openai", "embeddings.response.json"));
  const res = await client.embeddings.create({ model: "azure/my-embedding", input: ["The food was delicious", "and the waiter was friendly"], encoding_format: "float" });
  expect(res.data.length).toBe(2);
  expect(res.data[0]!.embedding.length).toBe(4);
  const req = mock.requests[0]!;
  expect(req.path).toBe("/openai/deployments/my-embedding/embeddings?api-version=2024-10-21");
  expect(req.headers["api-key"]).toBe("azure-stored-secret");
  expect((req.json as { model?: string }).model).toBeUndefined();
});

test("content-filter 400: the SDK's BadRequestError with code content_filter", async () => {
  mock.when("POST", CHAT, errorFixtureReply("azure-openai", "error-400-content-filter.json"));
  const err = await client.chat.completions.create({ model: `azure/${DEPLOYMENT}`, messages: hello }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(BadRequestError);
  expect((err as BadRequestError).code).toBe("content_filter");
});

test("429 keeps retry-after for the client", async () => {
  mock.when("POST", CHAT, errorFixtureReply("azure-openai", "error-429.json"));
  const err = await client.chat.completions.create({ model: `azure/${DEPLOYMENT}`, messages: hello }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(RateLimitError);
  expect((err as RateLimitError).headers?.get("retry-after")).toBe("6");
});

test("models: the configured deployment names", async () => {
  const ids: string[] = [];
  for await (const m of client.models.list()) ids.push(m.id);
  expect(ids).toContain(`azure/${DEPLOYMENT}`);
});
