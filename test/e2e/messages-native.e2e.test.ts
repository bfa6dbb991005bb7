// /v1/messages to a target that speaks Messages natively (the `anthropic` kind): the client's body
// goes up untranslated apart from `model`, and the answer (JSON bytes, stream events) comes back as
// the upstream sent it. Other targets on the same route are still translated.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { fixtureReply, json, sse, startGateway, startMockUpstream, type Gateway, type MockUpstream } from "../support/index.ts";

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
    routes: {
      claude: { strategy: "priority", targets: [{ provider: "anthropic", model: "claude-sonnet-4-5" }, { provider: "openai", model: "gpt-4o-mini" }] },
    },
    failover: { timeout: "2s", max_attempts: 2 },
  });
  client = new Anthropic({ baseURL: gw.baseURL, apiKey: "btr_client_key", maxRetries: 0 });
});
afterAll(async () => {
  await gw?.stop();
  await mock?.stop();
});
beforeEach(() => mock.reset());

const MODEL = "anthropic/claude-sonnet-4-5";

/** What the gateway cannot translate but a native target takes: thinking signatures, cache_control, citations, a server tool, an unknown beta field. */
const BODY = {
  model: MODEL,
  max_tokens: 4000,
  thinking: { type: "enabled", budget_tokens: 2000 },
  system: [{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }],
  tools: [{ type: "web_search_20250305", name: "web_search", max_uses: 2 }],
  container: "container_abc",
  some_future_beta_field: { nested: [1, "two", { three: null }] },
  messages: [
    {
      role: "user",
      content: [
        { type: "document", source: { type: "text", media_type: "text/plain", data: "The sky is blue." }, title: "Sky", citations: { enabled: true }, cache_control: { type: "ephemeral" } },
        { type: "text", text: "What colour is the sky?", cache_control: { type: "ephemeral", ttl: "1h" } },
      ],
    },
    {
      role: "assistant",
      content: [
        { type: "thinking", thinking: "The document says blue.", signature: "sig-abc==" },
        { type: "redacted_thinking", data: "opaque-data" },
        { type: "text", text: "Blue.", citations: [{ type: "char_location", cited_text: "The sky is blue.", document_index: 0, document_title: "Sky", start_char_index: 0, end_char_index: 16 }] },
      ],
    },
    { role: "user", content: [{ type: "text", text: "Sure?", cache_control: { type: "ephemeral" } }] },
  ],
};

const ANSWER = {
  id: "msg_native1", type: "message", role: "assistant", model: "claude-sonnet-4-5-20250929",
  content: [
    { type: "thinking", thinking: "Check again.", signature: "sig-new" },
    { type: "text", text: "Yes, blue.", citations: [{ type: "char_location", cited_text: "The sky is blue.", document_index: 0, document_title: "Sky", start_char_index: 0, end_char_index: 16 }] },
  ],
  stop_reason: "end_turn", stop_sequence: null, container: { id: "container_abc", expires_at: "2030-01-01T00:00:00Z" },
  usage: { input_tokens: 10, output_tokens: 20, cache_read_input_tokens: 5, cache_creation_input_tokens: 3, server_tool_use: { web_search_requests: 0 } },
};

describe("Messages → Anthropic natively", () => {
  test("the body arrives as sent apart from model; the JSON answer's bytes come back unchanged", async () => {
    const answerText = JSON.stringify(ANSWER, null, 1);
    mock.when("POST", "/ant/v1/messages", { kind: "bytes", body: answerText, contentType: "application/json" });
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "anthropic-version": "2023-06-01", "anthropic-beta": "interleaved-thinking-2025-05-14,web-search-2025-03-05" },
      body: JSON.stringify(BODY),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-butter-provider")).toBe("anthropic");
    expect(await res.text()).toBe(answerText);
    const sent = mock.requests[0]!;
    const { model, ...rest } = sent.json as Record<string, unknown>;
    const { model: _m, ...expected } = BODY;
    expect(model).toBe("claude-sonnet-4-5");
    expect(rest).toEqual(expected);
    expect(sent.headers["x-api-key"]).toBe("sk-ant-stored");
    expect(sent.headers["anthropic-version"]).toBe("2023-06-01");
    expect(sent.headers["anthropic-beta"]).toBe("interleaved-thinking-2025-05-14,web-search-2025-03-05");
  });

  test("the SDK: anthropic-version defaults to the adapter's, a route name is replaced by the target's model", async () => {
    mock.when("POST", "/ant/v1/messages", json(ANSWER));
    const message = await client.messages.create({ ...BODY, model: "claude" } as never);
    expect(message as unknown).toEqual(ANSWER);
    expect((mock.requests[0]!.json as { model: string }).model).toBe("claude-sonnet-4-5");
    expect(mock.requests[0]!.headers["anthropic-version"]).toBeTruthy();
  });

  test("a stream is relayed event by event; the SDK's finalMessage is the upstream's message", async () => {
    const ev = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    const events = [
      ev("message_start", { message: { id: "msg_s", type: "message", role: "assistant", content: [], model: "claude-sonnet-4-5-20250929", stop_reason: null, stop_sequence: null, usage: { input_tokens: 7, output_tokens: 1, cache_read_input_tokens: 2 } } }),
      ev("ping", {}),
      ev("content_block_start", { index: 0, content_block: { type: "thinking", thinking: "", signature: "" } }),
      ev("content_block_delta", { index: 0, delta: { type: "thinking_delta", thinking: "Hmm." } }),
      ev("content_block_delta", { index: 0, delta: { type: "signature_delta", signature: "sig-s" } }),
      ev("content_block_stop", { index: 0 }),
      ev("content_block_start", { index: 1, content_block: { type: "text", text: "" } }),
      ev("content_block_delta", { index: 1, delta: { type: "text_delta", text: "Blue." } }),
      ev("content_block_delta", { index: 1, delta: { type: "citations_delta", citation: { type: "char_location", cited_text: "The sky is blue.", document_index: 0, document_title: "Sky", start_char_index: 0, end_char_index: 16 } } }),
      ev("content_block_stop", { index: 1 }),
      ev("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 9 } }),
      ev("message_stop", {}),
    ];
    mock.when("POST", "/ant/v1/messages", sse(events));
    const res = await fetch(`${gw.url}/v1/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...BODY, stream: true }) });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(events.join(""));
    expect((mock.requests[0]!.json as { stream: boolean }).stream).toBe(true);

    const final = await client.messages.stream({ ...BODY, model: "claude" } as never).finalMessage();
    expect(final as unknown).toMatchObject({
      id: "msg_s", type: "message", role: "assistant", model: "claude-sonnet-4-5-20250929", stop_reason: "end_turn", stop_sequence: null,
      content: [
        { type: "thinking", thinking: "Hmm.", signature: "sig-s" },
        { type: "text", text: "Blue.", citations: [{ type: "char_location", cited_text: "The sky is blue.", document_index: 0, document_title: "Sky", start_char_index: 0, end_char_index: 16 }] },
      ],
      usage: { input_tokens: 7, output_tokens: 9, cache_read_input_tokens: 2 },
    });
  });

  test("an upstream 529 is the SDK's overloaded error", async () => {
    mock.when("POST", "/ant/v1/messages", json({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }, { status: 529 }));
    const err = await client.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: "user", content: "Hi" }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    expect((err as { status?: number }).status).toBe(529);
    expect((err as { error?: unknown }).error).toMatchObject({ type: "error", error: { type: "overloaded_error" } });
  });

  test("a 529 fails over to a translated target on the route", async () => {
    mock.when("POST", "/ant/v1/messages", json({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }, { status: 529 }));
    mock.when("POST", "/v1/chat/completions", fixtureReply("openai", "chat.response.json"));
    const { data, response } = await client.messages.create({ model: "claude", max_tokens: 10, messages: [{ role: "user", content: "Hi" }] }).withResponse();
    expect(response.headers.get("x-butter-provider")).toBe("openai");
    expect(response.headers.get("x-butter-attempts")).toBe("2");
    expect(data.content).toEqual([{ type: "text", text: "Hello! How can I assist you today?" }] as never);
    expect(mock.requests.map((r) => r.path)).toEqual(["/ant/v1/messages", "/v1/chat/completions"]);
  });

  test("a native stream that fails before its first event fails over", async () => {
    mock.when("POST", "/ant/v1/messages", sse([`event: error\ndata: ${JSON.stringify({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } })}\n\n`]));
    mock.when("POST", "/v1/chat/completions", sse([
      { id: "c1", object: "chat.completion.chunk", created: 1, model: "gpt-4o-mini", choices: [{ index: 0, delta: { role: "assistant", content: "Hi." }, finish_reason: null }] },
      { id: "c1", object: "chat.completion.chunk", created: 1, model: "gpt-4o-mini", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] },
      "data: [DONE]\n\n",
    ]));
    const final = await client.messages.stream({ model: "claude", max_tokens: 10, messages: [{ role: "user", content: "Hi" }] }).finalMessage();
    expect(final.content).toEqual([{ type: "text", text: "Hi." }] as never);
    expect(mock.requests.length).toBe(2);
  });

  test("a body only a native target takes: a translated target answers its 400", async () => {
    const res = await fetch(`${gw.url}/v1/messages`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...BODY, model: "openai/gpt-4o-mini" }) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
    expect(mock.requests.length).toBe(0);
  });
});
