// The per-request record is filled by one recorder from the engine's outcome, with or without
// plugins: here nothing but a bare subscriber on the generation's bus observes requests.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { parseConfigText } from "../../src/config/load.ts";
import type { RequestRecord } from "../../src/observability/events.ts";
import { buildGeneration } from "../../src/runtime/generation.ts";
import { GenerationHolder } from "../../src/runtime/reloader.ts";
import { listen } from "../../src/server/server.ts";
import { configText, fixtureReply, json, openaiClient, sse, sseFixtureReply, startMockUpstream, type MockUpstream } from "../support/index.ts";

let mock: MockUpstream;
let url: string;
let stop: () => Promise<void>;
const records: RequestRecord[] = [];

beforeAll(async () => {
  mock = await startMockUpstream();
  mock.when("POST", "/v1/chat/completions", (req) =>
    (req.json as { stream?: boolean }).stream === true ? sseFixtureReply("openai", "stream.sse") : fixtureReply("openai", "chat.response.json"));
  const { config } = parseConfigText(configText({
    providers: { openai: { base_url: `${mock.url}/v1`, keys: [{ value: "sk-test" }] }, anthropic: { base_url: `${mock.url}/ant`, keys: [{ value: "sk-ant" }] } },
    routes: { chat: { targets: [{ provider: "openai", model: "gpt-4o-mini" }] } },
  }), {});
  const gen = await buildGeneration(config, { observe: (t) => void t.requestEnd.subscribe((r) => records.push(r)) });
  expect(gen.plugins).toBeUndefined();
  const { server } = listen(new GenerationHolder(gen));
  url = `http://127.0.0.1:${server.port}`;
  stop = async () => {
    await server.stop(true);
    await gen.close();
  };
});
afterAll(async () => {
  await stop?.();
  await mock?.stop();
});

const hello = [{ role: "user" as const, content: "Hello!" }];

describe("request records without plugins", () => {
  test("a JSON answer: route, provider, attempts, usage, finish, status", async () => {
    records.length = 0;
    await openaiClient({ baseURL: url }).chat.completions.create({ model: "chat", messages: hello });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      operation: "chat", requestedModel: "chat", route: "chat", provider: "openai", model: "gpt-4o-mini", attempts: 1,
      stream: false, status: 200, finishReason: "stop", errorKind: undefined,
    });
    expect(records[0]!.promptTokens).toBeGreaterThan(0);
    expect(records[0]!.endedAt).toBeGreaterThanOrEqual(records[0]!.llmEndedAt!);
  });

  test("a stream is recorded at its end, with its chunk count and usage", async () => {
    records.length = 0;
    const stream = await openaiClient({ baseURL: url }).chat.completions.create({ model: "openai/gpt-4o-mini", messages: hello, stream: true });
    let chunks = 0;
    for await (const _ of stream) chunks++;
    for (let i = 0; i < 50 && records.length === 0; i++) await Bun.sleep(5);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ stream: true, status: 200, provider: "openai", route: undefined, chunks });
    expect(records[0]!.completionTokens).toBeGreaterThan(0);
  });

  test("an error answer carries its kind; /healthz is not recorded", async () => {
    records.length = 0;
    await fetch(`${url}/v1/chat/completions`, { method: "POST", body: "{" });
    await fetch(`${url}/healthz`);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ status: 400, errorKind: "invalid_json" });
  });
});

describe("request records of native /v1/messages", () => {
  const body = { model: "anthropic/claude-sonnet-4-5", max_tokens: 10, messages: [{ role: "user", content: "Hi" }] };
  const post = (b: object) => fetch(`${url}/v1/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(b) });

  test("a JSON answer: usage and finish read from the relayed message", async () => {
    mock.when("POST", "/ant/v1/messages", json({
      id: "msg_1", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [{ type: "text", text: "Hi." }],
      stop_reason: "max_tokens", stop_sequence: null, usage: { input_tokens: 11, output_tokens: 4, cache_read_input_tokens: 2 },
    }));
    records.length = 0;
    expect((await post(body)).status).toBe(200);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ provider: "anthropic", model: "claude-sonnet-4-5", status: 200, promptTokens: 13, completionTokens: 4, finishReason: "length" });
  });

  test("a stream: usage from message_start and message_delta", async () => {
    const ev = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    mock.when("POST", "/ant/v1/messages", sse([
      ev("message_start", { message: { id: "msg_s", type: "message", role: "assistant", content: [], model: "claude-sonnet-4-5", stop_reason: null, stop_sequence: null, usage: { input_tokens: 7, output_tokens: 1 } } }),
      ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
      ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: "Hi." } }),
      ev("content_block_stop", { index: 0 }),
      ev("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 9 } }),
      ev("message_stop", {}),
    ]));
    records.length = 0;
    const res = await post({ ...body, stream: true });
    await res.text();
    await Bun.sleep(20);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ provider: "anthropic", stream: true, status: 200, promptTokens: 7, completionTokens: 9, finishReason: "stop", chunks: 6 });
  });
});
