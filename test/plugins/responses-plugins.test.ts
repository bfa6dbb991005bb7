// Plugins on /v1/responses, through the real server and engine in process: a hook's own answer is
// a Response object (and can be stored and continued), and a pre-LLM rewrite reaches the target,
// a native one included (it then gets the rewritten request translated).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import type { ChatCompletion, ChatCompletionRequest } from "../../src/core/openai-types.ts";
import type { LlmRequestPayload, Plugin } from "../../src/plugins/types.ts";
import { fixtureReply, startMockUpstream, type MockUpstream } from "../support/index.ts";
import { startInProcess, type InProcess } from "./harness.ts";

let mock: MockUpstream;
let gw: InProcess | undefined;

beforeAll(async () => {
  mock = await startMockUpstream();
});
afterAll(() => mock.stop());
beforeEach(() => mock.reset());
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

const COMPLETION: ChatCompletion = {
  id: "chatcmpl-plugin1", object: "chat.completion", created: 1700000000, model: "cached-model",
  choices: [{ index: 0, message: { role: "assistant", content: "From the cache." }, finish_reason: "stop", logprobs: null }],
  usage: { prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 },
} as ChatCompletion;

async function start(plugins: Record<string, () => Plugin>): Promise<void> {
  gw = await startInProcess(
    {
      providers: { openai: { base_url: `${mock.url}/v1`, keys: [{ value: "sk-test" }] } },
      plugins: Object.keys(plugins).map((name) => ({ name })),
      store: "sqlite::memory:",
    },
    plugins,
  );
}

const client = () => new OpenAI({ baseURL: `${gw!.url}/v1`, apiKey: "unused", maxRetries: 0 });

describe("plugins on /v1/responses", () => {
  test("a pre-LLM ChatCompletion answer is a Response object, stored like any answer", async () => {
    await start({ answering: () => ({ name: "answering", preLlm: () => ({ respond: { status: 200, body: COMPLETION } }) }) });
    const res = await client().responses.create({ model: "openai/gpt-4.1", input: "Hi" });
    expect(res.object).toBe("response");
    expect(res.output_text).toBe("From the cache.");
    expect(res.usage).toMatchObject({ input_tokens: 11, output_tokens: 4, total_tokens: 15 });
    expect(mock.requests.length).toBe(0);
    expect((await client().responses.retrieve(res.id)).output_text).toBe("From the cache.");
  });

  test("a pre-LLM rewrite reaches a native target: it gets the rewritten request, translated", async () => {
    const redact: Plugin = {
      name: "redact",
      preLlm: (p: LlmRequestPayload) => {
        const body = p.body as ChatCompletionRequest;
        return { modify: { ...p, body: { ...body, messages: body.messages.map((m) => (typeof m.content === "string" ? { ...m, content: m.content.replace(/\d{4}-\d{4}/g, "[card]") } : m)) } } };
      },
    };
    await start({ redact: () => redact });
    mock.when("POST", "/v1/chat/completions", fixtureReply("openai", "chat.response.json"));
    const res = await client().responses.create({ model: "openai/gpt-4.1", input: "My card is 1234-5678", store: false });
    expect(res.object).toBe("response");
    expect(res.output_text).toBe("Hello! How can I assist you today?");
    expect(mock.requests[0]!.path).toBe("/v1/chat/completions");
    expect(JSON.stringify(mock.requests[0]!.json)).toContain("My card is [card]");
    expect(JSON.stringify(mock.requests[0]!.json)).not.toContain("1234-5678");
  });
});
