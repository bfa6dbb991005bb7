// The official openai client → the gateway process → a mock Gemini API.
import { afterAll, beforeAll, beforeEach, expect, test } from "bun:test";
import OpenAI from "openai";
import { fixtureReply, json, loadJson, openaiClient, sse, sseFixtureReply, startGateway, startMockUpstream, type Gateway, type MockUpstream } from "../support/index.ts";

let mock: MockUpstream;
let gw: Gateway;
let client: OpenAI;

beforeAll(async () => {
  mock = await startMockUpstream();
  gw = await startGateway({ providers: { gemini: { base_url: mock.url, keys: [{ value: "gm-secret-key" }] } }, failover: { timeout: "5s" } });
  client = openaiClient(gw);
});
afterAll(async () => {
  await gw?.stop();
  await mock?.stop();
});
beforeEach(() => mock.reset());

const tools = loadJson<OpenAI.ChatCompletionCreateParamsNonStreaming>("openai", "tools.request.json").body.tools!;
type Body = { contents: Array<{ role: string; parts: Array<Record<string, unknown>> }> };

test("plain chat: system instruction, api key header, usage with thoughts", async () => {
  mock.when("POST", "/v1beta/models/gemini-2.5-flash:generateContent", fixtureReply("gemini", "generateContent.response.json"));
  const { data, response } = await client.chat.completions
    .create({ model: "gemini/gemini-2.5-flash", messages: [{ role: "system", content: "I say high you say low" }, { role: "user", content: "high" }] })
    .withResponse();
  expect(data.choices[0]!.message.content).toBe("low");
  expect(data.choices[0]!.finish_reason).toBe("stop");
  expect(data.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 21, total_tokens: 30 });
  expect(response.headers.get("x-butter-provider")).toBe("gemini");
  const sent = mock.requests[0]!;
  expect(sent.headers["x-goog-api-key"]).toBe("gm-secret-key");
  expect((sent.json as { systemInstruction: unknown }).systemInstruction).toEqual({ parts: [{ text: "I say high you say low" }] });
});

test("tools round trip: the tool result goes back as functionResponse named after the call, with the thoughtSignature", async () => {
  const signature = Buffer.from([0x0a, 0xc4, 0x01, 0xfb, 0xef, 0xbf, 0x3e, 0x7f, 0xff, 0x10]).toString("base64"); // has + / and =
  mock.when("POST", "/v1beta/models/gemini-2.5-flash:generateContent", json({
    candidates: [{ content: { role: "model", parts: [{ functionCall: { name: "get_weather", args: { location: "Paris" } }, thoughtSignature: signature }] }, finishReason: "STOP" }],
    usageMetadata: { promptTokenCount: 21, candidatesTokenCount: 6, totalTokenCount: 27 },
  }));
  const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "What's the weather in Paris?" }];
  const first = await client.chat.completions.create({ model: "gemini/gemini-2.5-flash", messages, tools, tool_choice: "auto" });
  expect(first.choices[0]!.finish_reason).toBe("tool_calls");
  const call = first.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
  expect(call.function.name).toBe("get_weather");
  expect(JSON.parse(call.function.arguments)).toEqual({ location: "Paris" });

  mock.reset();
  mock.when("POST", "/v1beta/models/gemini-2.5-flash:generateContent", json({
    candidates: [{ content: { role: "model", parts: [{ text: "It is 18°C and cloudy in Paris." }] }, finishReason: "STOP" }],
  }));
  // The client keeps only what the SDK types know: id, type, function.
  const assistant: OpenAI.ChatCompletionAssistantMessageParam = {
    role: "assistant", content: null, tool_calls: [{ id: call.id, type: "function", function: { name: call.function.name, arguments: call.function.arguments } }],
  };
  const second = await client.chat.completions.create({
    model: "gemini/gemini-2.5-flash", tools,
    messages: [...messages, assistant, { role: "tool", tool_call_id: call.id, content: "{\"temperature_c\":18,\"condition\":\"cloudy\"}" }],
  });
  expect(second.choices[0]!.message.content).toBe("It is 18°C and cloudy in Paris.");
  const body = mock.requests[0]!.json as Body;
  expect(body.contents[1]).toEqual({ role: "model", parts: [{ functionCall: { name: "get_weather", args: { location: "Paris" } }, thoughtSignature: signature }] });
  expect(body.contents[2]).toEqual({ role: "user", parts: [{ functionResponse: { name: "get_weather", response: { temperature_c: 18, condition: "cloudy" } } }] });
});

test("streaming with two tool calls through the SDK's stream helper", async () => {
  mock.when("POST", "/v1beta/models/gemini-2.5-flash:streamGenerateContent", sse([
    `data: ${JSON.stringify({ candidates: [{ content: { role: "model", parts: [{ text: "Let me check." }] } }], responseId: "s1", modelVersion: "gemini-2.5-flash" })}\r\n\r\n`,
    `data: ${JSON.stringify({
      candidates: [{ content: { role: "model", parts: [
        { functionCall: { name: "get_weather", args: { location: "Paris" } }, thoughtSignature: "c2ln" },
        { functionCall: { name: "get_weather", args: { location: "Berlin", unit: "celsius" } } },
      ] }, finishReason: "STOP" }],
      usageMetadata: { promptTokenCount: 21, candidatesTokenCount: 12, totalTokenCount: 33 },
    })}\r\n\r\n`,
  ]));
  const stream = client.chat.completions.stream({
    model: "gemini/gemini-2.5-flash", messages: [{ role: "user", content: "Weather in Paris and Berlin?" }], tools, stream_options: { include_usage: true },
  });
  const final = await stream.finalChatCompletion();
  const calls = final.choices[0]!.message.tool_calls! as OpenAI.ChatCompletionMessageFunctionToolCall[];
  expect(final.choices[0]!.finish_reason).toBe("tool_calls");
  expect(final.choices[0]!.message.content).toBe("Let me check.");
  expect(calls.map((c) => [c.function.name, JSON.parse(c.function.arguments)])).toEqual([
    ["get_weather", { location: "Paris" }],
    ["get_weather", { location: "Berlin", unit: "celsius" }],
  ]);
  expect(calls[0]!.id).not.toBe(calls[1]!.id);
  expect(final.usage).toMatchObject({ prompt_tokens: 21, completion_tokens: 12, total_tokens: 33 });
  expect(mock.requests[0]!.path).toBe("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
});

test("plain text stream from the recorded fixture ends with [DONE]", async () => {
  mock.when("POST", "*", sseFixtureReply("gemini", "stream.sse"));
  const res = await fetch(`${gw.baseURL}/v1/chat/completions`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "gemini/gemini-2.5-flash", stream: true, messages: [{ role: "user", content: "why is the sky blue?" }] }),
  });
  const text = await res.text();
  expect(text).toContain("Rayleigh scattering.");
  expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
});

test("embeddings: the SDK's default base64 encoding is produced by the gateway", async () => {
  mock.when("POST", "/v1beta/models/gemini-embedding-001:batchEmbedContents", fixtureReply("gemini", "batchEmbedContents.response.json"));
  const res = await client.embeddings.create({ model: "gemini/gemini-embedding-001", input: ["The food was delicious", "and the waiter was friendly"], dimensions: 4 });
  expect(res.data.length).toBe(2);
  expect(res.data[1]!.embedding.map((v) => Number(v.toFixed(4)))).toEqual([-0.0201, 0.0333, 0.0044, 0.0122]);
  expect(mock.requests[0]!.json).toEqual(loadJson("gemini", "batchEmbedContents.request.json").body);
});

test("an invalid key upstream reaches the SDK as AuthenticationError without the key in the message", async () => {
  mock.when("POST", "*", json(loadJson("gemini", "error-400-key.json").body.body, { status: 400 }));
  const err = await client.chat.completions.create({ model: "gemini/gemini-2.5-flash", messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
  expect(String((err as Error).message)).not.toContain("gm-secret-key");
});
