// Anthropic's Messages API as a client API: the official Anthropic SDK → the gateway → mock
// upstreams of other formats (OpenAI chat, translated) and Anthropic itself (passed through natively).
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { errorFixtureReply, fixtureReply, json, sse, sseFixtureReply, startGateway, startMockUpstream, type Gateway, type MockUpstream } from "../support/index.ts";
import { parseSse } from "../support/sse.ts";

let mock: MockUpstream;
let gw: Gateway;
let client: Anthropic;

beforeAll(async () => {
  mock = await startMockUpstream();
  gw = await startGateway({
    providers: {
      openai: { base_url: `${mock.url}/v1`, keys: [{ value: "sk-stored-secret" }] },
      anthropic: { base_url: `${mock.url}/ant`, keys: [{ value: "sk-ant-stored" }] },
    },
    failover: { timeout: "2s", max_attempts: 1 },
  });
  client = new Anthropic({ baseURL: gw.baseURL, apiKey: "btr_client_key", maxRetries: 0 });
});
afterAll(async () => {
  await gw?.stop();
  await mock?.stop();
});
beforeEach(() => mock.reset());

const OPENAI = "openai/gpt-4o-mini";
const sentChat = (i = 0) => mock.requests[i]!.json as Record<string, unknown>;
const chunk = (delta: object, finish: string | null = null, extra: object = {}) => ({
  id: "chatcmpl-s1", object: "chat.completion.chunk", created: 1, model: "gpt-4o-mini", choices: [{ index: 0, delta, finish_reason: finish }], ...extra,
});
const usageChunk = (prompt: number, completion: number, cached = 0) => ({
  id: "chatcmpl-s1", object: "chat.completion.chunk", created: 1, model: "gpt-4o-mini", choices: [],
  usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, prompt_tokens_details: { cached_tokens: cached } },
});
const done = "data: [DONE]\n\n";

describe("Messages → an OpenAI-format provider", () => {
  test("JSON: the request is translated, the answer is an Anthropic message with usage", async () => {
    mock.when("POST", "/v1/chat/completions", fixtureReply("openai", "chat.response.json"));
    const { data, response } = await client.messages.create({
      model: OPENAI, max_tokens: 256, system: "Be brief.", messages: [{ role: "user", content: "Hello!" }],
      stop_sequences: ["END"], metadata: { user_id: "u-1" },
    }, { headers: { "anthropic-beta": "prompt-caching-2024-07-31" } }).withResponse();
    expect(response.status).toBe(200);
    expect(response.headers.get("x-butter-provider")).toBe("openai");
    expect(data as unknown).toEqual({
      id: "msg_B9MBs8CjcvOU2jLn4n570S5qMJKcT", type: "message", role: "assistant", model: "gpt-4o-mini-2024-07-18",
      content: [{ type: "text", text: "Hello! How can I assist you today?" }], stop_reason: "end_turn", stop_sequence: null,
      usage: { input_tokens: 19, output_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
    const sent = sentChat();
    expect(sent).toMatchObject({
      model: "gpt-4o-mini", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hello!" }], stop: ["END"], user: "u-1",
    });
    expect(mock.requests[0]!.headers.authorization).toBe("Bearer sk-stored-secret");
    expect(mock.requests[0]!.headers["x-api-key"]).toBeUndefined();
  });

  test("stream: Anthropic's event sequence; finalMessage() equals the JSON answer; usage in message_start / message_delta", async () => {
    mock.when("POST", "/v1/chat/completions", sse([
      chunk({ role: "assistant", content: "" }), chunk({ content: "Hello! How can I " }), chunk({ content: "assist you today?" }),
      chunk({}, "stop"), usageChunk(19, 10), done,
    ]));
    const stream = client.messages.stream({ model: OPENAI, max_tokens: 256, messages: [{ role: "user", content: "Hello!" }] });
    const events: string[] = [];
    const starts: unknown[] = [];
    const deltas: unknown[] = [];
    stream.on("streamEvent", (e) => {
      events.push(e.type);
      if (e.type === "message_start") starts.push({ ...e.message.usage });
      if (e.type === "message_delta") deltas.push(e);
    });
    const final = await stream.finalMessage();
    expect(events).toEqual([
      "message_start", "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop",
    ]);
    expect(starts[0]).toMatchObject({ input_tokens: 0, output_tokens: 0 });
    expect(deltas[0]).toMatchObject({ delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { input_tokens: 19, output_tokens: 10 } });
    expect(sentChat()).toMatchObject({ stream: true, stream_options: { include_usage: true } });

    mock.when("POST", "/v1/chat/completions", fixtureReply("openai", "chat.response.json"));
    const json = await client.messages.create({ model: OPENAI, max_tokens: 256, messages: [{ role: "user", content: "Hello!" }] });
    const pick = (m: Anthropic.Message) => ({
      type: m.type, role: m.role, stop_reason: m.stop_reason, stop_sequence: m.stop_sequence, usage: { ...m.usage },
      content: m.content.map((b) => ({ type: b.type, text: (b as Anthropic.TextBlock).text })),
    });
    expect(pick(final)).toEqual(pick(json));
  });

  test("tool use round trip: tool_use out, then tool_result back as a tool message", async () => {
    mock.when("POST", "/v1/chat/completions").replyOnce(fixtureReply("openai", "tools.response.json"), fixtureReply("openai", "chat.response.json"));
    const tools: Anthropic.Tool[] = [{
      name: "get_weather", description: "Weather for a city",
      input_schema: { type: "object", properties: { location: { type: "string" } }, required: ["location"] },
    }];
    const messages: Anthropic.MessageParam[] = [{ role: "user", content: "What's the weather like in Paris today?" }];
    const first = await client.messages.create({ model: OPENAI, max_tokens: 256, messages, tools, tool_choice: { type: "any", disable_parallel_tool_use: true } });
    expect(first.stop_reason).toBe("tool_use");
    const use = first.content.find((b) => b.type === "tool_use")!;
    expect(use).toMatchObject({ type: "tool_use", name: "get_weather" });
    expect(typeof (use as Anthropic.ToolUseBlock).input).toBe("object");
    expect(sentChat(0)).toMatchObject({
      tools: [{ type: "function", function: { name: "get_weather", description: "Weather for a city", parameters: tools[0]!.input_schema } }],
      tool_choice: "required", parallel_tool_calls: false,
    });

    messages.push({ role: "assistant", content: first.content });
    messages.push({ role: "user", content: [{ type: "tool_result", tool_use_id: (use as Anthropic.ToolUseBlock).id, content: "18C, cloudy" }, { type: "text", text: "Thanks" }] });
    const second = await client.messages.create({ model: OPENAI, max_tokens: 256, messages, tools });
    expect(second.content[0]).toEqual({ type: "text", text: "Hello! How can I assist you today?" } as never);
    const sent = sentChat(1).messages as Array<Record<string, unknown>>;
    expect(sent[1]).toMatchObject({ role: "assistant", tool_calls: [{ id: (use as Anthropic.ToolUseBlock).id, type: "function", function: { name: "get_weather", arguments: JSON.stringify((use as Anthropic.ToolUseBlock).input) } }] });
    expect(sent[2]).toEqual({ role: "tool", tool_call_id: (use as Anthropic.ToolUseBlock).id, content: "18C, cloudy" });
    expect(sent[3]).toEqual({ role: "user", content: "Thanks" });
  });

  test("stream: text then two tool_use blocks, each with its own index and input_json_delta pieces", async () => {
    mock.when("POST", "/v1/chat/completions", sse([
      chunk({ role: "assistant", content: "Checking both." }),
      chunk({ tool_calls: [{ index: 0, id: "call_a", type: "function", function: { name: "get_weather", arguments: "" } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: "{\"location\":" } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: "\"Paris\"}" } }] }),
      chunk({ tool_calls: [{ index: 1, id: "call_b", type: "function", function: { name: "get_time", arguments: "{\"tz\":\"CET\"}" } }] }),
      chunk({}, "tool_calls"), usageChunk(50, 30, 20), done,
    ]));
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: "POST", headers: { "content-type": "application/json", "x-api-key": "k", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: OPENAI, max_tokens: 100, stream: true, temperature: 0.2, top_p: 0.9, messages: [{ role: "user", content: "Weather and time in Paris?" }] }),
    });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    expect(sentChat()).toMatchObject({ temperature: 0.2, top_p: 0.9 });
    const events = parseSse(await res.text()).map((e) => ({ event: e.event, data: JSON.parse(e.data) }));
    for (const e of events) expect(e.data.type).toBe(e.event ?? "");
    const seq = events.filter((e) => (e.event ?? "").startsWith("content_block")).map((e) => `${e.event}:${e.data.index}`);
    expect(seq).toEqual([
      "content_block_start:0", "content_block_delta:0", "content_block_stop:0",
      "content_block_start:1", "content_block_delta:1", "content_block_delta:1", "content_block_stop:1",
      "content_block_start:2", "content_block_delta:2", "content_block_stop:2",
    ]);
    expect(events.find((e) => e.event === "content_block_start" && e.data.index === 1)!.data.content_block).toEqual({ type: "tool_use", id: "call_a", name: "get_weather", input: {} });
    expect(events.filter((e) => e.data.index === 1 && e.event === "content_block_delta").map((e) => e.data.delta)).toEqual([
      { type: "input_json_delta", partial_json: "{\"location\":" }, { type: "input_json_delta", partial_json: "\"Paris\"}" },
    ]);
    const delta = events.find((e) => e.event === "message_delta")!.data;
    expect(delta).toEqual({
      type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null },
      usage: { input_tokens: 30, output_tokens: 30, cache_creation_input_tokens: 0, cache_read_input_tokens: 20 },
    });
    expect(events.at(-1)!.event).toBe("message_stop");

    // The same stream through the SDK: the final message holds both calls with parsed input.
    const final = await client.messages.stream({ model: OPENAI, max_tokens: 100, messages: [{ role: "user", content: "Weather and time in Paris?" }] }).finalMessage();
    expect(final.content).toEqual([
      { type: "text", text: "Checking both." },
      { type: "tool_use", id: "call_a", name: "get_weather", input: { location: "Paris" } },
      { type: "tool_use", id: "call_b", name: "get_time", input: { tz: "CET" } },
    ] as never);
    expect(final.stop_reason).toBe("tool_use");
    expect(final.usage).toMatchObject({ input_tokens: 30, output_tokens: 30, cache_read_input_tokens: 20 });
  });

  test("an upstream failure becomes the SDK's typed error, in Anthropic's envelope", async () => {
    mock.when("POST", "/v1/chat/completions", errorFixtureReply("openai", "error-429-rate-limit.json"));
    const err = await client.messages.create({ model: OPENAI, max_tokens: 10, messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect((err as { error?: unknown }).error).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });

    mock.when("POST", "/v1/chat/completions", json({ error: { message: "The engine is currently overloaded", type: "server_error" } }, { status: 503 }));
    const over = await client.messages.create({ model: OPENAI, max_tokens: 10, messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e);
    expect(over).toBeInstanceOf(Anthropic.InternalServerError);
    expect((over as { status?: number }).status).toBe(529);
    expect((over as { error?: unknown }).error).toMatchObject({ type: "error", error: { type: "overloaded_error" } });
  });

  test("a stream that fails after it started ends with `event: error`", async () => {
    mock.when("POST", "/v1/chat/completions", sse([chunk({ role: "assistant", content: "Hi" }), "data: {\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}\n\n"]));
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: OPENAI, max_tokens: 100, stream: true, messages: [{ role: "user", content: "x" }] }),
    });
    const events = parseSse(await res.text());
    expect(events[0]!.event).toBe("message_start");
    const last = events.at(-1)!;
    expect(last.event).toBe("error");
    expect(JSON.parse(last.data)).toMatchObject({ type: "error", error: { type: expect.any(String), message: expect.any(String) } });
    expect(events.some((e) => e.event === "message_stop")).toBe(false);
  });
});

describe("malformed requests → 400 in Anthropic's envelope", () => {
  const cases: Array<[string, unknown, string]> = [
    ["no max_tokens", { model: OPENAI, messages: [{ role: "user", content: "x" }] }, "max_tokens"],
    ["no model", { max_tokens: 5, messages: [{ role: "user", content: "x" }] }, "model"],
    ["bad role", { model: OPENAI, max_tokens: 5, messages: [{ role: "tool", content: "x" }] }, "messages[0].role"],
    ["server tool", { model: OPENAI, max_tokens: 5, messages: [{ role: "user", content: "x" }], tools: [{ type: "web_search_20250305", name: "web_search" }] }, "tools[0].type"],
    ["unknown field", { model: OPENAI, max_tokens: 5, messages: [{ role: "user", content: "x" }], service_tier: "auto" }, "service_tier"],
    ["bad block", { model: OPENAI, max_tokens: 5, messages: [{ role: "user", content: [{ type: "search_result" }] }] }, "messages[0].content[0].type"],
    ["file image", { model: OPENAI, max_tokens: 5, messages: [{ role: "user", content: [{ type: "image", source: { type: "file", file_id: "f" } }] }] }, "messages[0].content[0].source.type"],
  ];
  for (const [name, body, param] of cases) {
    test(name, async () => {
      const res = await fetch(`${gw.url}/v1/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      expect(res.status).toBe(400);
      const err = (await res.json()) as { type: string; error: { type: string; message: string } };
      expect(err.type).toBe("error");
      expect(err.error.type).toBe("invalid_request_error");
      expect(err.error.message).toContain(param);
      expect(mock.requests.length).toBe(0);
    });
  }

  test("invalid JSON and the SDK's BadRequestError", async () => {
    const res = await fetch(`${gw.url}/v1/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
    const err = await client.messages.create({ model: OPENAI, max_tokens: 0, messages: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
  });
});

describe("Messages → a provider that reasons (Anthropic, passed through natively)", () => {
  const MODEL = "anthropic/claude-sonnet-4-5-20250929";
  test("thinking: the budget goes up as sent; the signed thinking block comes back, and goes up again", async () => {
    mock.when("POST", "/ant/v1/messages").replyOnce(json({
      id: "msg_t1", type: "message", role: "assistant", model: "claude-sonnet-4-5-20250929", stop_reason: "end_turn", stop_sequence: null,
      content: [{ type: "thinking", thinking: "Let me think.", signature: "sig-123" }, { type: "text", text: "42." }],
      usage: { input_tokens: 10, output_tokens: 20, cache_read_input_tokens: 5, cache_creation_input_tokens: 3 },
    }), fixtureReply("anthropic", "chat.response.json"));
    const first = await client.messages.create({
      model: MODEL, max_tokens: 4000, thinking: { type: "enabled", budget_tokens: 2000 }, messages: [{ role: "user", content: "Answer?" }],
    });
    expect(first.content).toEqual([{ type: "thinking", thinking: "Let me think.", signature: "sig-123" }, { type: "text", text: "42." }] as never);
    expect(first.usage).toEqual({ input_tokens: 10, output_tokens: 20, cache_read_input_tokens: 5, cache_creation_input_tokens: 3 } as never);
    expect((mock.requests[0]!.json as { thinking: unknown }).thinking).toEqual({ type: "enabled", budget_tokens: 2000 });

    await client.messages.create({
      model: MODEL, max_tokens: 4000, thinking: { type: "enabled", budget_tokens: 2000 },
      messages: [{ role: "user", content: "Answer?" }, { role: "assistant", content: first.content }, { role: "user", content: "Again?" }],
    });
    const sent = mock.requests[1]!.json as { messages: Array<{ role: string; content: unknown }> };
    expect(sent.messages[1]).toEqual({ role: "assistant", content: [{ type: "thinking", thinking: "Let me think.", signature: "sig-123" }, { type: "text", text: "42." }] });
  });

  test("thinking in a stream: thinking_delta, then signature_delta, then the text block", async () => {
    const ev = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    mock.when("POST", "/ant/v1/messages", sse([
      ev("message_start", { message: { id: "msg_s", type: "message", role: "assistant", content: [], model: "claude-sonnet-4-5-20250929", stop_reason: null, stop_sequence: null, usage: { input_tokens: 7, output_tokens: 1 } } }),
      ev("content_block_start", { index: 0, content_block: { type: "thinking", thinking: "", signature: "" } }),
      ev("content_block_delta", { index: 0, delta: { type: "thinking_delta", thinking: "Hmm." } }),
      ev("content_block_delta", { index: 0, delta: { type: "signature_delta", signature: "sig-s" } }),
      ev("content_block_stop", { index: 0 }),
      ev("content_block_start", { index: 1, content_block: { type: "text", text: "" } }),
      ev("content_block_delta", { index: 1, delta: { type: "text_delta", text: "Done." } }),
      ev("content_block_stop", { index: 1 }),
      ev("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 9 } }),
      ev("message_stop", {}),
    ]));
    const final = await client.messages.stream({ model: MODEL, max_tokens: 4000, thinking: { type: "enabled", budget_tokens: 1024 }, messages: [{ role: "user", content: "Go" }] }).finalMessage();
    expect(final.content).toMatchObject([{ type: "thinking", thinking: "Hmm.", signature: "sig-s" }, { type: "text", text: "Done." }]);
    expect(final.usage).toMatchObject({ input_tokens: 7, output_tokens: 9 });
  });
});

test("stream fixture from Anthropic itself, translated out and back, reads the same in the SDK", async () => {
  mock.when("POST", "/ant/v1/messages", sseFixtureReply("anthropic", "stream.sse"));
  const final = await client.messages.stream({ model: "anthropic/claude-sonnet-4-5-20250929", max_tokens: 100, messages: [{ role: "user", content: "Hi" }] }).finalMessage();
  expect(final.role).toBe("assistant");
  expect(final.content[0]!.type).toBe("text");
  expect(final.stop_reason).toBe("end_turn");
});

test("with plugins and telemetry on: a rate-limit plugin's 429 and the metrics plugin see /v1/messages, answers in Anthropic's envelope", async () => {
  const g = await startGateway({
    providers: { openai: { base_url: `${mock.url}/v1`, keys: [{ value: "sk-stored-secret" }] } },
    plugins: [{ name: "ratelimit", config: { mode: "global", rate: 0.01, burst: 1 } }, { name: "logging" }, { name: "metrics" }],
  });
  try {
    mock.when("POST", "/v1/chat/completions", fixtureReply("openai", "chat.response.json"));
    const c = new Anthropic({ baseURL: g.baseURL, apiKey: "k", maxRetries: 0 });
    const ok = await c.messages.create({ model: OPENAI, max_tokens: 10, messages: [{ role: "user", content: "hi" }] });
    expect(ok.type).toBe("message");
    const err = await c.messages.create({ model: OPENAI, max_tokens: 10, messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect((err as { error?: unknown }).error).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });
    const metrics = await (await fetch(`${g.url}/metrics`)).text();
    expect(metrics).toContain(`path="/v1/messages",provider="openai",model="gpt-4o-mini",status="200"`);
    expect(metrics).toContain(`path="/v1/messages",provider="none",model="none",status="429"`);
  } finally {
    await g.stop();
  }
});
