// Anthropic's Messages API as a client API, translated to Gemini (generateContent) and to Bedrock
// (Converse, a non-Claude model): the official Anthropic SDK → the gateway process → mock upstreams
// speaking Gemini's JSON/SSE and Bedrock's JSON/binary event streams. Each JSON answer and its stream
// are built from the same upstream content, so `stream.finalMessage()` must equal the JSON answer.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { errorFixtureReply, eventStreamFixtureReply, json, sse, startGateway, startMockUpstream, stream, type Gateway, type MockUpstream, type Reply } from "../support/index.ts";
import { converseEvent, encodeEventStream, type EncodableMessage } from "../support/event-stream-encoder.ts";
import { parseSse } from "../support/sse.ts";

let mock: MockUpstream;
let gw: Gateway;
let client: Anthropic;

beforeAll(async () => {
  mock = await startMockUpstream();
  gw = await startGateway({
    providers: {
      gemini: { base_url: mock.url, keys: [{ value: "gm-secret-key" }] },
      bedrock: { region: "us-east-1", base_url: mock.url, keys: [{ access_key_id: "AKIDE2E", secret_access_key: "e2e-secret" }] },
    },
    failover: { timeout: "5s", max_attempts: 1 },
  });
  client = new Anthropic({ baseURL: gw.baseURL, apiKey: "btr_client_key", maxRetries: 0 });
});
afterAll(async () => {
  await gw?.stop();
  await mock?.stop();
});
beforeEach(() => mock.reset());

const tools: Anthropic.Tool[] = [
  { name: "get_weather", description: "Weather for a city", input_schema: { type: "object", properties: { location: { type: "string" } }, required: ["location"] } },
  { name: "get_time", description: "Local time in a zone", input_schema: { type: "object", properties: { tz: { type: "string" } }, required: ["tz"] } },
];
const ask: Anthropic.MessageParam[] = [{ role: "user", content: "Weather and time in Paris?" }];

type ApiError = { error?: unknown; status?: number };

/** What a JSON answer and the SDK's final message of a stream must agree on. */
const pick = (m: Anthropic.Message) => ({ id: m.id, content: m.content, stop_reason: m.stop_reason, stop_sequence: m.stop_sequence, usage: { ...m.usage } });

/** Every event the SDK parsed, with message_start's usage and the message_delta events. */
async function streamed(params: Anthropic.MessageStreamParams) {
  const s = client.messages.stream(params);
  const types: string[] = [];
  let startUsage: unknown;
  const deltas: Anthropic.MessageDeltaEvent[] = [];
  s.on("streamEvent", (e) => {
    types.push(e.type);
    if (e.type === "message_start") startUsage = { ...e.message.usage };
    if (e.type === "message_delta") deltas.push(e);
  });
  const final = await s.finalMessage();
  return { final, types, startUsage, deltas };
}

/** The raw SSE of /v1/messages, for what the SDK hides (`event: error`, ping). */
async function rawStream(body: object) {
  const res = await fetch(`${gw.url}/v1/messages`, {
    method: "POST", headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body: JSON.stringify({ ...body, stream: true }),
  });
  return { status: res.status, events: parseSse(await res.text()) };
}

describe("Messages → Gemini", () => {
  const MODEL = "gemini/gemini-3-pro-preview";
  const BASE = "/v1beta/models/gemini-3-pro-preview";
  // Bytes chosen so the base64 has + / and padding: the id must carry them as base64url and give them back exactly.
  const SIG = Buffer.from([0x0a, 0xc4, 0x01, 0xfb, 0xef, 0xbf, 0x3e, 0x7f, 0xff, 0x10, 0x42]).toString("base64");
  type Part = Record<string, unknown>;
  type Body = { contents: Array<{ role: string; parts: Part[] }>; [k: string]: unknown };
  const sent = (i: number) => mock.requests[i]!.json as Body;
  const usageMetadata = { promptTokenCount: 40, candidatesTokenCount: 12, thoughtsTokenCount: 8, totalTokenCount: 60 };

  const geminiJson = (parts: Part[], finishReason = "STOP"): Reply => json({
    candidates: [{ content: { role: "model", parts }, finishReason, index: 0 }], usageMetadata, modelVersion: "gemini-3-pro-preview", responseId: "resp-g1",
  });
  /** One SSE event per part (CRLF, no [DONE], as Google sends it); the finish and the full usage on the last. */
  const geminiSse = (parts: Part[], finishReason = "STOP"): Reply => sse(parts.map((part, i) => {
    const last = i === parts.length - 1;
    const candidate = { content: { role: "model", parts: [part] }, index: 0, ...(last ? { finishReason } : {}) };
    const usage = last ? usageMetadata : { promptTokenCount: 40, totalTokenCount: 40 };
    return `data: ${JSON.stringify({ candidates: [candidate], usageMetadata: usage, modelVersion: "gemini-3-pro-preview", responseId: "resp-g1" })}\r\n\r\n`;
  }), { chunkDelayMs: 2 });

  test("JSON: system, max_tokens, stop_sequences, temperature and tools are translated; the answer is an Anthropic message with usage", async () => {
    mock.when("POST", `${BASE}:generateContent`, geminiJson([{ text: "Bonjour from Gemini." }]));
    const { data, response } = await client.messages.create({
      model: MODEL, max_tokens: 300, system: "Be brief.", messages: ask, stop_sequences: ["END"], tools, tool_choice: { type: "auto" },
      // This SDK's types leave sampling parameters out; the API still takes them.
      ...({ temperature: 0.3 } as object),
    }).withResponse();
    expect(response.headers.get("x-butter-provider")).toBe("gemini");
    expect(data as unknown).toEqual({
      id: "msg_resp-g1", type: "message", role: "assistant", model: "gemini-3-pro-preview",
      content: [{ type: "text", text: "Bonjour from Gemini." }], stop_reason: "end_turn", stop_sequence: null,
      // Gemini's thoughts count as output, as Anthropic counts thinking.
      usage: { input_tokens: 40, output_tokens: 20, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
    const req = mock.requests[0]!;
    expect(req.path).toBe(`${BASE}:generateContent`);
    expect(req.headers["x-goog-api-key"]).toBe("gm-secret-key");
    const body = sent(0);
    expect(body.systemInstruction).toEqual({ parts: [{ text: "Be brief." }] });
    expect(body.contents).toEqual([{ role: "user", parts: [{ text: "Weather and time in Paris?" }] }]);
    expect(body.generationConfig).toMatchObject({ maxOutputTokens: 300, stopSequences: ["END"], temperature: 0.3 });
    expect(body.tools).toEqual([{ functionDeclarations: tools.map((t) => ({ name: t.name, description: t.description, parameters: t.input_schema })) }]);
    expect(body.toolConfig).toEqual({ functionCallingConfig: { mode: "AUTO" } });
  });

  test("stream: thought summary → thinking block, then text; finalMessage() equals the JSON answer; usage in message_start and message_delta", async () => {
    const parts = [{ text: "Paris, so CET.", thought: true }, { text: "It is sunny " }, { text: "in Paris." }];
    mock.when("POST", `${BASE}:streamGenerateContent`, geminiSse(parts));
    const params: Anthropic.MessageCreateParamsNonStreaming = { model: MODEL, max_tokens: 300, messages: ask, thinking: { type: "enabled", budget_tokens: 2048 } };
    const { final, types, startUsage, deltas } = await streamed(params);
    expect(mock.requests[0]!.path).toBe(`${BASE}:streamGenerateContent?alt=sse`);
    // 2048 is the "low" bucket; Gemini 3 Pro takes a level, and thought summaries must be asked for.
    expect((sent(0).generationConfig as Record<string, unknown>).thinkingConfig).toEqual({ thinkingLevel: "low", includeThoughts: true });
    expect(types).toEqual([
      "message_start",
      "content_block_start", "content_block_delta", "content_block_stop",
      "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
      "message_delta", "message_stop",
    ]);
    expect([0, 40, 55]).toContain((startUsage as Anthropic.Usage).input_tokens);
    expect(startUsage).toMatchObject({ output_tokens: 0 });
    expect(deltas).toHaveLength(1);
    expect(deltas[0]!.delta).toEqual({ stop_reason: "end_turn", stop_sequence: null } as never);
    expect(deltas[0]!.usage).toMatchObject({ input_tokens: 40, output_tokens: 20 });
    // Gemini signs nothing an Anthropic client could return: the thinking block's signature is empty.
    expect(final.content).toEqual([
      { type: "thinking", thinking: "Paris, so CET.", signature: "" },
      { type: "text", text: "It is sunny in Paris." },
    ] as never);

    mock.when("POST", `${BASE}:generateContent`, geminiJson([{ text: "Paris, so CET.", thought: true }, { text: "It is sunny in Paris." }]));
    const answer = await client.messages.create(params);
    expect(pick(final)).toEqual(pick(answer));

    // The unsigned thinking block goes back with the turn: accepted, and not sent to Gemini as text.
    mock.when("POST", `${BASE}:generateContent`, geminiJson([{ text: "Also sunny." }]));
    await client.messages.create({ ...params, messages: [...ask, { role: "assistant", content: final.content }, { role: "user", content: "And Berlin?" }] });
    expect(sent(2).contents).toEqual([
      { role: "user", parts: [{ text: "Weather and time in Paris?" }] },
      { role: "model", parts: [{ text: "It is sunny in Paris." }] },
      { role: "user", parts: [{ text: "And Berlin?" }] },
    ]);
  });

  test("tool use round trip: text + two calls; thoughtSignature and ids survive tool_use ids; results go back as functionResponses matched by id", async () => {
    // Gemini 3 signs the first call of a turn only; these calls come with Gemini's own ids.
    const parts = [
      { text: "Checking both." },
      { functionCall: { id: "fc-paris", name: "get_weather", args: { location: "Paris" } }, thoughtSignature: SIG },
      { functionCall: { id: "fc-time", name: "get_time", args: { tz: "CET" } } },
    ];
    mock.when("POST", `${BASE}:generateContent`).replyOnce(geminiJson(parts), geminiJson([{ text: "Sunny, 14:00." }]));
    mock.when("POST", `${BASE}:streamGenerateContent`, geminiSse(parts));

    const { final, deltas } = await streamed({ model: MODEL, max_tokens: 300, messages: ask, tools });
    const first = await client.messages.create({ model: MODEL, max_tokens: 300, messages: ask, tools });
    expect(pick(final)).toEqual(pick(first));
    expect(deltas[0]!.delta.stop_reason).toBe("tool_use");
    expect(first.stop_reason).toBe("tool_use");
    expect(first.content.map((b) => b.type)).toEqual(["text", "tool_use", "tool_use"]);
    const [weather, time] = first.content.slice(1) as Anthropic.ToolUseBlock[];
    expect(weather).toMatchObject({ name: "get_weather", input: { location: "Paris" } });
    expect(time).toMatchObject({ name: "get_time", input: { tz: "CET" } });
    expect(weather!.id).toStartWith("fc-paris");
    expect(weather!.id).toMatch(/^[A-Za-z0-9_-]+$/); // a valid Anthropic tool_use id
    expect(time!.id).toBe("fc-time");

    // The results come back in the other order: each must find its call by id.
    const second = await client.messages.create({
      model: MODEL, max_tokens: 300, tools,
      messages: [...ask, { role: "assistant", content: first.content }, { role: "user", content: [
        { type: "tool_result", tool_use_id: time!.id, content: "14:00" },
        { type: "tool_result", tool_use_id: weather!.id, content: "{\"sky\":\"sunny\"}" },
      ] }],
    });
    expect(second.content).toEqual([{ type: "text", text: "Sunny, 14:00." }] as never);
    const body = sent(2);
    expect(body.contents[1]).toEqual({ role: "model", parts: [
      { text: "Checking both." },
      { functionCall: { id: "fc-paris", name: "get_weather", args: { location: "Paris" } }, thoughtSignature: SIG },
      { functionCall: { id: "fc-time", name: "get_time", args: { tz: "CET" } } },
    ] });
    expect(body.contents[2]).toEqual({ role: "user", parts: [
      { functionResponse: { id: "fc-time", name: "get_time", response: { output: "14:00" } } },
      { functionResponse: { id: "fc-paris", name: "get_weather", response: { sky: "sunny" } } },
    ] });
  });

  test("calls without Gemini ids: synthesised tool_use ids still bring the signature back and name each functionResponse", async () => {
    mock.when("POST", `${BASE}:generateContent`).replyOnce(geminiJson([
      { functionCall: { name: "get_weather", args: { location: "Paris" } }, thoughtSignature: SIG },
      { functionCall: { name: "get_time", args: { tz: "CET" } } },
    ]), geminiJson([{ text: "Done." }]));
    const first = await client.messages.create({ model: MODEL, max_tokens: 300, messages: ask, tools });
    const [weather, time] = first.content as Anthropic.ToolUseBlock[];
    expect(weather!.id).not.toBe(time!.id);
    await client.messages.create({
      model: MODEL, max_tokens: 300, tools,
      messages: [...ask, { role: "assistant", content: first.content }, { role: "user", content: [
        { type: "tool_result", tool_use_id: time!.id, content: "14:00" },
        { type: "tool_result", tool_use_id: weather!.id, content: "sunny", is_error: false },
      ] }],
    });
    const body = sent(1);
    // Ids Gemini never gave are not sent to it; the signature rides on the call it came with.
    expect(body.contents[1]).toEqual({ role: "model", parts: [
      { functionCall: { name: "get_weather", args: { location: "Paris" } }, thoughtSignature: SIG },
      { functionCall: { name: "get_time", args: { tz: "CET" } } },
    ] });
    expect(body.contents[2]).toEqual({ role: "user", parts: [
      { functionResponse: { name: "get_time", response: { output: "14:00" } } },
      { functionResponse: { name: "get_weather", response: { output: "sunny" } } },
    ] });
  });

  test("a history that lost its signatures (another provider's tool_use ids) gets Gemini 3's documented placeholder on the first call", async () => {
    mock.when("POST", `${BASE}:generateContent`, geminiJson([{ text: "ok" }]));
    await client.messages.create({
      model: MODEL, max_tokens: 50, tools,
      messages: [...ask, { role: "assistant", content: [
        { type: "tool_use", id: "toolu_01A", name: "get_weather", input: { location: "Paris" } },
        { type: "tool_use", id: "toolu_01B", name: "get_time", input: { tz: "CET" } },
      ] }, { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_01A", content: "sunny" }, { type: "tool_result", tool_use_id: "toolu_01B", content: "14:00" }] }],
    });
    const model = sent(0).contents[1]!.parts;
    expect(model.map((p) => p.thoughtSignature)).toEqual(["skip_thought_signature_validator", undefined]);
  });

  test("hostile: a tool_result for a tool_use id no assistant turn holds is a 400 naming the message, with nothing sent upstream", async () => {
    const err = await client.messages.create({
      model: MODEL, max_tokens: 50, tools,
      messages: [...ask, { role: "assistant", content: [{ type: "tool_use", id: "fc-a", name: "get_weather", input: {} }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "fc-forged", content: "x" }] }],
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as ApiError).error).toMatchObject({ type: "error", error: { type: "invalid_request_error", message: expect.stringContaining("fc-forged") } });
    expect(mock.requests.length).toBe(0);
  });

  test("an upstream 429 RESOURCE_EXHAUSTED is the SDK's RateLimitError in Anthropic's envelope", async () => {
    mock.when("POST", `${BASE}:generateContent`, errorFixtureReply("gemini", "error-429.json"));
    const err = await client.messages.create({ model: MODEL, max_tokens: 10, messages: ask }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect((err as ApiError).error).toMatchObject({ type: "error", error: { type: "rate_limit_error", message: expect.any(String) } });
    expect(JSON.stringify((err as ApiError).error)).not.toContain("gm-secret-key");
  });

  test("a stream that fails after it started ends with `event: error` (and the SDK throws)", async () => {
    const reply = () => sse([
      `data: ${JSON.stringify({ candidates: [{ content: { role: "model", parts: [{ text: "Hel" }] }, index: 0 }], responseId: "resp-x" })}\r\n\r\n`,
      `data: ${JSON.stringify({ error: { code: 500, message: "Internal error encountered.", status: "INTERNAL" } })}\r\n\r\n`,
    ]);
    mock.when("POST", `${BASE}:streamGenerateContent`, reply());
    const { status, events } = await rawStream({ model: MODEL, max_tokens: 50, messages: ask });
    expect(status).toBe(200);
    expect(events[0]!.event).toBe("message_start");
    expect(events.some((e) => e.event === "content_block_delta" && e.data.includes("Hel"))).toBe(true);
    expect(events.at(-1)!.event).toBe("error");
    expect(JSON.parse(events.at(-1)!.data)).toMatchObject({ type: "error", error: { type: "api_error", message: expect.any(String) } });
    expect(events.some((e) => e.event === "message_stop" || e.event === "message_delta")).toBe(false);

    const err = await client.messages.stream({ model: MODEL, max_tokens: 50, messages: ask }).finalMessage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
  });
});

describe("Messages → Bedrock Converse (a non-Claude model)", () => {
  const MODEL = "bedrock/amazon.nova-pro-v1:0";
  const PATH = "/model/amazon.nova-pro-v1%3A0";
  type Block = Record<string, unknown>;
  const sent = (i: number) => mock.requests[i]!.json as Record<string, unknown> & { messages: Array<{ role: string; content: Block[] }> };
  const usage = { inputTokens: 55, outputTokens: 21, totalTokens: 76 };

  const converseJson = (content: Block[], stopReason: string): Reply => json({ output: { message: { role: "assistant", content } }, stopReason, usage, metrics: { latencyMs: 321 } });
  /** The same content as ConverseStream events: text and reasoning in two deltas each, tool input in two fragments. */
  const converseStreamReply = (content: Block[], stopReason: string, tail: EncodableMessage[] = []): Reply => {
    const events: EncodableMessage[] = [converseEvent("messageStart", { role: "assistant" })];
    content.forEach((block, i) => {
      const at = { contentBlockIndex: i };
      if (typeof block.text === "string") {
        const half = Math.ceil(block.text.length / 2);
        for (const text of [block.text.slice(0, half), block.text.slice(half)]) events.push(converseEvent("contentBlockDelta", { ...at, delta: { text } }));
      } else if (block.toolUse) {
        const t = block.toolUse as { toolUseId: string; name: string; input: unknown };
        events.push(converseEvent("contentBlockStart", { ...at, start: { toolUse: { toolUseId: t.toolUseId, name: t.name } } }));
        const input = JSON.stringify(t.input);
        const half = Math.ceil(input.length / 2);
        for (const piece of [input.slice(0, half), input.slice(half)]) events.push(converseEvent("contentBlockDelta", { ...at, delta: { toolUse: { input: piece } } }));
      } else if (block.reasoningContent) {
        const r = (block.reasoningContent as { reasoningText: { text: string; signature: string } }).reasoningText;
        const half = Math.ceil(r.text.length / 2);
        for (const text of [r.text.slice(0, half), r.text.slice(half)]) events.push(converseEvent("contentBlockDelta", { ...at, delta: { reasoningContent: { text } } }));
        events.push(converseEvent("contentBlockDelta", { ...at, delta: { reasoningContent: { signature: r.signature } } }));
      }
      events.push(converseEvent("contentBlockStop", at));
    });
    events.push(converseEvent("messageStop", { stopReason }), converseEvent("metadata", { usage, metrics: { latencyMs: 321 } }), ...tail);
    return stream(encodeEventStream(events), "application/vnd.amazon.eventstream", { chunkDelayMs: 2 });
  };

  test("JSON: system, max_tokens, stop_sequences, temperature and tools are translated; the answer is an Anthropic message with usage", async () => {
    mock.when("POST", `${PATH}/converse`, converseJson([{ text: "Bonjour from Nova." }], "end_turn"));
    const { data, response } = await client.messages.create({
      model: MODEL, max_tokens: 300, system: "Be brief.", messages: ask, stop_sequences: ["END"], tools, tool_choice: { type: "auto" },
      // This SDK's types leave sampling parameters out; the API still takes them.
      ...({ temperature: 0.3 } as object),
    }).withResponse();
    expect(response.headers.get("x-butter-provider")).toBe("bedrock");
    expect(data).toMatchObject({
      type: "message", role: "assistant", content: [{ type: "text", text: "Bonjour from Nova." }], stop_reason: "end_turn", stop_sequence: null,
      usage: { input_tokens: 55, output_tokens: 21, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
    expect(data.id).toStartWith("msg_");
    const req = mock.requests[0]!;
    expect(req.headers.authorization).toStartWith("AWS4-HMAC-SHA256 Credential=AKIDE2E/");
    expect(req.json).toEqual({
      system: [{ text: "Be brief." }],
      messages: [{ role: "user", content: [{ text: "Weather and time in Paris?" }] }],
      inferenceConfig: { maxTokens: 300, temperature: 0.3, stopSequences: ["END"] },
      toolConfig: { tools: tools.map((t) => ({ toolSpec: { name: t.name, description: t.description, inputSchema: { json: t.input_schema } } })), toolChoice: { auto: {} } },
    });
  });

  test("stream: reasoningContent → a thinking block with its signature, then text; finalMessage() equals the JSON answer; usage in message_start and message_delta", async () => {
    const content = [{ reasoningContent: { reasoningText: { text: "Paris is in CET.", signature: "sig-nova-1" } } }, { text: "It is sunny in Paris." }];
    mock.when("POST", `${PATH}/converse-stream`, converseStreamReply(content, "end_turn"));
    mock.when("POST", `${PATH}/converse`, converseJson(content, "end_turn"));
    const params = { model: MODEL, max_tokens: 300, messages: ask };
    const { final, types, startUsage, deltas } = await streamed(params);
    expect(mock.requests[0]!.headers.accept).toBe("application/vnd.amazon.eventstream");
    expect(types).toEqual([
      "message_start",
      "content_block_start", "content_block_delta", "content_block_delta", "content_block_delta", "content_block_stop",
      "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
      "message_delta", "message_stop",
    ]);
    expect([0, 40, 55]).toContain((startUsage as Anthropic.Usage).input_tokens);
    expect(startUsage).toMatchObject({ output_tokens: 0 });
    expect(deltas[0]!.delta).toEqual({ stop_reason: "end_turn", stop_sequence: null } as never);
    expect(deltas[0]!.usage).toMatchObject({ input_tokens: 55, output_tokens: 21 });
    expect(final.content).toEqual([
      { type: "thinking", thinking: "Paris is in CET.", signature: "sig-nova-1" },
      { type: "text", text: "It is sunny in Paris." },
    ] as never);

    const answer = await client.messages.create(params);
    // The stream's message id is its own; everything else matches.
    expect({ ...pick(final), id: undefined }).toEqual({ ...pick(answer), id: undefined });

    // Nova takes no reasoning blocks in its history (only Claude does): the thinking block is accepted and left out.
    mock.when("POST", `${PATH}/converse`, converseJson([{ text: "Also sunny." }], "end_turn"));
    await client.messages.create({ ...params, messages: [...ask, { role: "assistant", content: final.content }, { role: "user", content: "And Berlin?" }] });
    expect(sent(2).messages).toEqual([
      { role: "user", content: [{ text: "Weather and time in Paris?" }] },
      { role: "assistant", content: [{ text: "It is sunny in Paris." }] },
      { role: "user", content: [{ text: "And Berlin?" }] },
    ]);
  });

  test("tool use round trip: text + two toolUse blocks out; toolResults back matched by toolUseId", async () => {
    const content = [
      { text: "Checking both." },
      { toolUse: { toolUseId: "tooluse_paris01", name: "get_weather", input: { location: "Paris" } } },
      { toolUse: { toolUseId: "tooluse_time02", name: "get_time", input: { tz: "CET" } } },
    ];
    mock.when("POST", `${PATH}/converse-stream`, converseStreamReply(content, "tool_use"));
    mock.when("POST", `${PATH}/converse`).replyOnce(converseJson(content, "tool_use"), converseJson([{ text: "Sunny, 14:00." }], "end_turn"));

    const { final, deltas } = await streamed({ model: MODEL, max_tokens: 300, messages: ask, tools });
    const first = await client.messages.create({ model: MODEL, max_tokens: 300, messages: ask, tools });
    expect({ ...pick(final), id: undefined }).toEqual({ ...pick(first), id: undefined });
    expect(deltas[0]!.delta.stop_reason).toBe("tool_use");
    expect(first.stop_reason).toBe("tool_use");
    expect(first.content).toEqual([
      { type: "text", text: "Checking both." },
      { type: "tool_use", id: "tooluse_paris01", name: "get_weather", input: { location: "Paris" } },
      { type: "tool_use", id: "tooluse_time02", name: "get_time", input: { tz: "CET" } },
    ] as never);

    const second = await client.messages.create({
      model: MODEL, max_tokens: 300, tools,
      messages: [...ask, { role: "assistant", content: first.content }, { role: "user", content: [
        { type: "tool_result", tool_use_id: "tooluse_time02", content: "14:00" },
        { type: "tool_result", tool_use_id: "tooluse_paris01", content: [{ type: "text", text: "{\"sky\":\"sunny\"}" }] },
        { type: "text", text: "Thanks" },
      ] }],
    });
    expect(second.content).toEqual([{ type: "text", text: "Sunny, 14:00." }] as never);
    const body = sent(2);
    expect(body.messages[1]).toEqual({ role: "assistant", content: content });
    expect(body.messages[2]!.role).toBe("user");
    expect(body.messages[2]!.content).toEqual([
      { toolResult: { toolUseId: "tooluse_time02", content: [{ text: "14:00" }], status: "success" } },
      { toolResult: { toolUseId: "tooluse_paris01", content: [{ json: { sky: "sunny" } }], status: "success" } },
      { text: "Thanks" },
    ]);
    expect(body.toolConfig).toBeDefined();
  });

  test("an is_error tool_result is still matched to its call; the error is said in the text", async () => {
    mock.when("POST", `${PATH}/converse`, converseJson([{ text: "Sorry." }], "end_turn"));
    await client.messages.create({
      model: MODEL, max_tokens: 50, tools,
      messages: [...ask, { role: "assistant", content: [{ type: "tool_use", id: "tooluse_x", name: "get_weather", input: { location: "Paris" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "tooluse_x", content: "station offline", is_error: true }] }],
    });
    const result = sent(0).messages[2]!.content[0] as { toolResult: { toolUseId: string; content: Array<{ text?: string }> } };
    expect(result.toolResult.toolUseId).toBe("tooluse_x");
    expect(result.toolResult.content.map((c) => c.text).join("")).toBe("Error: station offline");
  });

  test("ThrottlingException (429) is the SDK's RateLimitError in Anthropic's envelope", async () => {
    mock.when("POST", `${PATH}/converse`, errorFixtureReply("bedrock", "error-429-throttling.json"));
    const err = await client.messages.create({ model: MODEL, max_tokens: 10, messages: ask }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect((err as ApiError).error).toMatchObject({ type: "error", error: { type: "rate_limit_error", message: expect.stringContaining("Too many requests") } });
    expect(JSON.stringify((err as ApiError).error)).not.toContain("e2e-secret");
  });

  test("an exception inside a 200 event stream ends the Messages stream with `event: error` (and the SDK throws)", async () => {
    mock.when("POST", `${PATH}/converse-stream`, eventStreamFixtureReply("bedrock", "converse-stream-exception.bin", { chunkDelayMs: 2 }));
    const { status, events } = await rawStream({ model: MODEL, max_tokens: 50, messages: ask });
    expect(status).toBe(200);
    expect(events[0]!.event).toBe("message_start");
    expect(events.some((e) => e.event === "content_block_delta" && e.data.includes("Hello"))).toBe(true);
    expect(events.at(-1)!.event).toBe("error");
    expect(JSON.parse(events.at(-1)!.data)).toMatchObject({ type: "error", error: { type: "rate_limit_error", message: expect.stringContaining("Too many requests") } });
    expect(events.some((e) => e.event === "message_stop")).toBe(false);

    const err = await client.messages.stream({ model: MODEL, max_tokens: 50, messages: ask }).finalMessage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(String((err as Error).message)).toContain("Too many requests");
  });

  test("hostile: a corrupt event-stream frame after the text ends with `event: error`, not a hang or a clean stop", async () => {
    const good = encodeEventStream([converseEvent("messageStart", { role: "assistant" }), converseEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Hi" } })]);
    const bad = encodeEventStream([converseEvent("contentBlockStop", { contentBlockIndex: 0 })])[0]!.slice();
    bad[bad.length - 1]! ^= 0xff; // the message CRC no longer matches
    mock.when("POST", `${PATH}/converse-stream`, stream([...good, bad], "application/vnd.amazon.eventstream"));
    const { events } = await rawStream({ model: MODEL, max_tokens: 50, messages: ask });
    expect(events.at(-1)!.event).toBe("error");
    expect(events.some((e) => e.event === "message_stop")).toBe(false);
  });
});
