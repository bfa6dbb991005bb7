// Plugins on /v1/messages (and count_tokens), through the real server and engine in process with
// test plugins, against a mock upstream speaking OpenAI's and Anthropic's wire formats: a hook's own
// answer comes out in the shape the client's API speaks, and a pre-LLM rewrite reaches every target,
// native Anthropic ones included.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import type { ChatCompletion, ChatCompletionRequest } from "../../src/core/openai-types.ts";
import type { LlmRequestPayload, Plugin, PluginResponse } from "../../src/plugins/types.ts";
import { fixtureReply, json, startMockUpstream, type MockUpstream } from "../support/index.ts";
import { post, startInProcess, type InProcess } from "./harness.ts";

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

const ANTHROPIC_ANSWER = {
  id: "msg_up1", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [{ type: "text", text: "Upstream." }],
  stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 3, output_tokens: 1 },
};

async function start(plugins: Record<string, () => Plugin>): Promise<void> {
  gw = await startInProcess(
    {
      providers: {
        openai: { base_url: `${mock.url}/v1`, keys: [{ value: "sk-test" }] },
        anthropic: { base_url: `${mock.url}/ant`, keys: [{ value: "sk-ant" }] },
      },
      routes: { "claude-then-gpt": { strategy: "priority", targets: [{ provider: "anthropic", model: "claude-sonnet-4-5" }, { provider: "openai", model: "gpt-4o-mini" }] } },
      failover: { max_attempts: 2 },
      plugins: Object.keys(plugins).map((name) => ({ name })),
    },
    plugins,
  );
}

const anthropic = () => new Anthropic({ baseURL: gw!.url, apiKey: "unused", maxRetries: 0 });
const openai = () => new OpenAI({ baseURL: `${gw!.url}/v1`, apiKey: "unused", maxRetries: 0 });

/** A plugin answering in `hook` with `respond`. */
function answering(hook: "preHttp" | "preLlm" | "postLlm", respond: PluginResponse): Plugin {
  return { name: "answering", [hook]: () => ({ respond }) };
}

describe("a plugin's own success answer speaks the client's API", () => {
  test("a pre-LLM ChatCompletion on /v1/messages is an Anthropic message; no upstream call", async () => {
    await start({ answering: () => answering("preLlm", { status: 200, body: COMPLETION, headers: { "x-cache": "hit" } }) });
    const { data, response } = await anthropic().messages.create({ model: "openai/gpt-4o-mini", max_tokens: 50, messages: [{ role: "user", content: "Hi" }] }).withResponse();
    expect(response.status).toBe(200);
    expect(response.headers.get("x-cache")).toBe("hit");
    expect(data).toEqual({
      id: expect.any(String), type: "message", role: "assistant", model: "cached-model", content: [{ type: "text", text: "From the cache." }],
      stop_reason: "end_turn", stop_sequence: null, usage: expect.objectContaining({ input_tokens: 11, output_tokens: 4 }),
    } as never);
    expect(mock.requests.length).toBe(0);
  });

  test("the same answer on /v1/chat/completions is the ChatCompletion as the plugin gave it", async () => {
    await start({ answering: () => answering("preLlm", { status: 200, body: COMPLETION }) });
    const completion = await openai().chat.completions.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] });
    expect(completion).toEqual(COMPLETION as never);
  });

  test("a post-LLM answer replacing a native Anthropic answer is an Anthropic message too", async () => {
    mock.when("POST", "/ant/v1/messages", json(ANTHROPIC_ANSWER));
    await start({ answering: () => answering("postLlm", { status: 200, body: COMPLETION }) });
    const message = await anthropic().messages.create({ model: "anthropic/claude-sonnet-4-5", max_tokens: 50, messages: [{ role: "user", content: "Hi" }] });
    expect(message.content).toEqual([{ type: "text", text: "From the cache." }] as never);
    expect(message.type).toBe("message");
    expect(mock.requests.length).toBe(1);
  });

  test("a streamed request gets the answer as one JSON Anthropic message, as /v1/chat/completions gets its ChatCompletion", async () => {
    await start({ answering: () => answering("preLlm", { status: 200, body: { ...COMPLETION, choices: [{ index: 0, message: { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: "{\"a\":1}" } }] }, finish_reason: "tool_calls" }] } }) });
    const res = await post(gw!.url, "/v1/messages", { model: "openai/gpt-4o-mini", max_tokens: 50, stream: true, messages: [{ role: "user", content: "Hi" }] });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    const body = (await res.json()) as { type: string; content: unknown[]; stop_reason: string };
    expect(body.type).toBe("message");
    expect(body.content).toEqual([{ type: "tool_use", id: "call_1", name: "f", input: { a: 1 } }]);
    expect(body.stop_reason).toBe("tool_use");
    const chat = await post(gw!.url, "/v1/chat/completions", { model: "openai/gpt-4o-mini", stream: true, messages: [{ role: "user", content: "Hi" }] });
    expect(chat.headers.get("content-type")).toBe("application/json");
    expect(((await chat.json()) as { object: string }).object).toBe("chat.completion");
  });

  test("count_tokens: a pre-LLM count is answered as {input_tokens}", async () => {
    await start({ answering: () => answering("preLlm", { status: 200, body: { input_tokens: 42, extra: "dropped" } }) });
    const count = await anthropic().messages.countTokens({ model: "anthropic/claude-sonnet-4-5", messages: [{ role: "user", content: "Hi" }] });
    expect(count).toEqual({ input_tokens: 42 });
    expect(mock.requests.length).toBe(0);
  });

  test("answers that are not an LLM answer go out as the plugin gave them: a pre-HTTP body, a non-object body, a non-2xx body", async () => {
    await start({ answering: () => answering("preHttp", { status: 200, body: COMPLETION }) });
    let res = await post(gw!.url, "/v1/messages", { model: "openai/gpt-4o-mini", max_tokens: 50, messages: [{ role: "user", content: "Hi" }] });
    expect(await res.json()).toEqual(COMPLETION as never);
    await gw!.stop();
    await start({ answering: () => answering("preLlm", { status: 200, body: "plain" }) });
    res = await post(gw!.url, "/v1/messages", { model: "openai/gpt-4o-mini", max_tokens: 50, messages: [{ role: "user", content: "Hi" }] });
    expect(await res.json()).toBe("plain");
    await gw!.stop();
    await start({ answering: () => answering("preLlm", { status: 418, body: { teapot: true } }) });
    res = await post(gw!.url, "/v1/messages", { model: "openai/gpt-4o-mini", max_tokens: 50, messages: [{ role: "user", content: "Hi" }] });
    expect(res.status).toBe(418);
    expect(await res.json()).toEqual({ teapot: true });
    expect(mock.requests.length).toBe(0);
  });

  test("a pre-LLM refusal is Anthropic's error envelope (the SDK's typed error)", async () => {
    await start({ answering: () => answering("preLlm", { status: 403, error: { message: "Not for you.", type: "permission_error" } }) });
    const err = await anthropic().messages.create({ model: "openai/gpt-4o-mini", max_tokens: 50, messages: [{ role: "user", content: "Hi" }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect((err as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: "error", error: { type: "permission_error", message: "Not for you." } });
  });
});

/** Replaces "secret" in every message's text, returning a new body (`inPlace`: the same payload, changed). */
function redactor(inPlace = false): Plugin {
  const redact = (s: string) => s.replaceAll("secret", "[redacted]");
  return {
    name: "redactor",
    preLlm(p: LlmRequestPayload) {
      if (!("messages" in p.body)) return undefined;
      const body = p.body as ChatCompletionRequest;
      const messages = body.messages.map((m) => ({
        ...m,
        content: typeof m.content === "string" ? redact(m.content) : Array.isArray(m.content) ? m.content.map((part) => (part.type === "text" ? { ...part, text: redact(String(part.text)) } : part)) : m.content,
      })) as ChatCompletionRequest["messages"];
      if (inPlace) {
        body.messages = messages;
        return { modify: p };
      }
      return { modify: { ...p, body: { ...p.body, messages } } };
    },
  };
}

describe("a pre-LLM rewrite reaches native targets", () => {
  const body = { model: "anthropic/claude-sonnet-4-5", max_tokens: 50, messages: [{ role: "user" as const, content: [{ type: "text" as const, text: "my secret is 42", cache_control: { type: "ephemeral" as const } }] }] };

  for (const inPlace of [false, true]) {
    test(`the anthropic upstream sees the rewritten text (${inPlace ? "changed in place" : "a new body"}); the answer is still Anthropic's`, async () => {
      mock.when("POST", "/ant/v1/messages", json(ANTHROPIC_ANSWER));
      await start({ redactor: () => redactor(inPlace) });
      const message = await anthropic().messages.create(body);
      expect(message.content).toEqual([{ type: "text", text: "Upstream." }] as never);
      const sent = JSON.stringify(mock.requests[0]!.json);
      expect(sent).toContain("my [redacted] is 42");
      expect(sent).not.toContain("secret");
      expect((mock.requests[0]!.json as { model: string }).model).toBe("claude-sonnet-4-5");
    });
  }

  test("a route's translated fallback gets the same rewrite", async () => {
    mock.when("POST", "/ant/v1/messages", json({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }, { status: 529 }));
    mock.when("POST", "/v1/chat/completions", fixtureReply("openai", "chat.response.json"));
    await start({ redactor: () => redactor() });
    await anthropic().messages.create({ ...body, model: "claude-then-gpt" });
    expect(mock.requests.map((r) => r.path)).toEqual(["/ant/v1/messages", "/v1/chat/completions"]);
    for (const r of mock.requests) expect(JSON.stringify(r.json)).toContain("my [redacted] is 42");
  });

  test("without a rewrite the client's own body still goes up untranslated", async () => {
    mock.when("POST", "/ant/v1/messages", json(ANTHROPIC_ANSWER));
    await start({ observer: () => ({ name: "observer", preLlm: () => ({ headers: { "x-seen": "1" } }) }) });
    const withBeta = { ...body, some_future_field: { x: 1 } };
    const res = await post(gw!.url, "/v1/messages", withBeta);
    expect(res.headers.get("x-seen")).toBe("1");
    expect(mock.requests[0]!.json).toEqual({ ...withBeta, model: "claude-sonnet-4-5" });
  });

  test("a body the translation cannot express cannot take the rewrite: 400 in Anthropic's envelope, no upstream call", async () => {
    await start({ redactor: () => redactor() });
    const res = await post(gw!.url, "/v1/messages", { ...body, tools: [{ type: "web_search_20250305", name: "web_search" }] });
    expect(res.status).toBe(400);
    const err = (await res.json()) as { type: string; error: { type: string; message: string } };
    expect(err).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    expect(err.error.message).toContain("tools[0]");
    expect(mock.requests.length).toBe(0);
  });
});
