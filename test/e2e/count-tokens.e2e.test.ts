// POST /v1/messages/count_tokens with the official Anthropic SDK: an Anthropic target counts upstream
// (the body the /v1/messages codec builds, at /v1/messages/count_tokens, with the stored key); any
// other target answers the local estimate without an upstream call; errors in Anthropic's envelope.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { json, startGateway, startMockUpstream, type Gateway, type MockUpstream } from "../support/index.ts";

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
      "claude-then-gpt": { strategy: "priority", targets: [{ provider: "anthropic", model: "claude-sonnet-4-5" }, { provider: "openai", model: "gpt-4o-mini" }] },
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

const tool = { name: "get_weather", description: "Current weather for a city", input_schema: { type: "object" as const, properties: { city: { type: "string" } }, required: ["city"] } };

describe("count_tokens → Anthropic: the provider counts", () => {
  test("the body goes to /v1/messages/count_tokens with the stored key, without max_tokens or sampling; its count comes back", async () => {
    mock.when("POST", "/ant/v1/messages/count_tokens", json({ input_tokens: 1234 }));
    const { data, response } = await client.messages.countTokens({
      model: "anthropic/claude-sonnet-4-5", system: "Be brief.", tools: [tool],
      messages: [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_01", name: "get_weather", input: { city: "Paris" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_01", content: "Sunny" }] },
      ],
    }).withResponse();
    expect(response.status).toBe(200);
    expect(response.headers.get("x-butter-provider")).toBe("anthropic");
    expect(data).toEqual({ input_tokens: 1234 });
    expect(mock.requests.length).toBe(1);
    const sent = mock.requests[0]!;
    expect(sent.path).toBe("/ant/v1/messages/count_tokens");
    expect(sent.headers["x-api-key"]).toBe("sk-ant-stored");
    expect(sent.headers["anthropic-version"]).toMatch(/^\d{4}-\d{2}-\d{2}$/); // the SDK's own, passed on
    expect(sent.json).toEqual({
      model: "claude-sonnet-4-5", system: "Be brief.",
      messages: [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_01", name: "get_weather", input: { city: "Paris" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_01", content: "Sunny" }] },
      ],
      tools: [tool],
    });
  });

  test("max_tokens, temperature and stream on the request are accepted and not sent up", async () => {
    mock.when("POST", "/ant/v1/messages/count_tokens", json({ input_tokens: 7 }));
    const res = await fetch(`${gw.url}/v1/messages/count_tokens`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "anthropic/claude-sonnet-4-5", max_tokens: 100, temperature: 0.2, stream: true, messages: [{ role: "user", content: "hi" }] }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ input_tokens: 7 });
    const sent = mock.requests[0]!.json as Record<string, unknown>;
    expect(Object.keys(sent).sort()).toEqual(["messages", "model"]);
  });

  test("an upstream error is Anthropic's envelope; a route fails over to the estimate", async () => {
    mock.when("POST", "/ant/v1/messages/count_tokens", json({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }, { status: 529 }));
    const body = { model: "anthropic/claude-sonnet-4-5", messages: [{ role: "user" as const, content: "hi" }] };
    const err = await client.messages.countTokens(body).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    const apiErr = err as InstanceType<typeof Anthropic.APIError>;
    expect(apiErr.status).toBe(529);
    expect(apiErr.error).toMatchObject({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } });
    expect(mock.requests.every((r) => r.path === "/ant/v1/messages/count_tokens")).toBe(true);

    mock.reset();
    mock.when("POST", "/ant/v1/messages/count_tokens", json({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }, { status: 529 }));
    const { data, response } = await client.messages.countTokens({ ...body, model: "claude-then-gpt" }).withResponse();
    expect(response.headers.get("x-butter-provider")).toBe("openai");
    expect(data.input_tokens).toBeGreaterThan(0);
    expect(mock.requests.map((r) => r.path)).toEqual(["/ant/v1/messages/count_tokens"]);
  });
});

describe("count_tokens → Anthropic: the client's own body is counted", () => {
  /** What the translation cannot express, and what count_tokens takes. */
  const COUNTED = {
    system: [{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }],
    tools: [{ type: "web_search_20250305", name: "web_search", max_uses: 2 }, { ...tool, cache_control: { type: "ephemeral" } }],
    tool_choice: { type: "auto" },
    thinking: { type: "enabled", budget_tokens: 2000 },
    mcp_servers: [{ type: "url", url: "https://mcp.example.com/sse", name: "example" }],
    context_management: { edits: [{ type: "clear_tool_uses_20250919" }] },
    messages: [
      {
        role: "user",
        content: [
          { type: "document", source: { type: "text", media_type: "text/plain", data: "The sky is blue." }, title: "Sky", citations: { enabled: true }, cache_control: { type: "ephemeral" } },
          { type: "text", text: "What colour is the sky?" },
        ],
      },
      { role: "assistant", content: [{ type: "thinking", thinking: "It says blue.", signature: "sig==" }, { type: "text", text: "Blue.", citations: [{ type: "char_location", cited_text: "The sky is blue.", document_index: 0, document_title: "Sky", start_char_index: 0, end_char_index: 16 }] }] },
      { role: "user", content: "Sure?" },
    ],
  };
  /** What /v1/messages takes and count_tokens refuses. */
  const REFUSED = { max_tokens: 100, stream: true, temperature: 0.5, top_k: 5, top_p: 0.9, stop_sequences: ["END"], metadata: { user_id: "u1" }, service_tier: "auto", container: "container_abc" };

  test("goes up unchanged apart from model and the fields count_tokens refuses, with the client's anthropic-version and anthropic-beta", async () => {
    mock.when("POST", "/ant/v1/messages/count_tokens", json({ input_tokens: 2048 }));
    const res = await fetch(`${gw.url}/v1/messages/count_tokens`, {
      method: "POST",
      headers: { "content-type": "application/json", "anthropic-version": "2023-06-01", "anthropic-beta": "mcp-client-2025-04-04,context-management-2025-06-27" },
      body: JSON.stringify({ model: "anthropic/claude-sonnet-4-5", ...COUNTED, ...REFUSED }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ input_tokens: 2048 });
    expect(mock.requests.length).toBe(1);
    const sent = mock.requests[0]!;
    expect(sent.path).toBe("/ant/v1/messages/count_tokens");
    expect(sent.json).toEqual({ model: "claude-sonnet-4-5", ...COUNTED });
    expect(sent.headers["x-api-key"]).toBe("sk-ant-stored");
    expect(sent.headers["anthropic-version"]).toBe("2023-06-01");
    expect(sent.headers["anthropic-beta"]).toBe("mcp-client-2025-04-04,context-management-2025-06-27");
  });

  test("a server tool is counted by Anthropic (through the SDK); to a translating target it is a 400 naming the tool, never an estimate", async () => {
    mock.when("POST", "/ant/v1/messages/count_tokens", json({ input_tokens: 517 }));
    const body = { messages: [{ role: "user" as const, content: "Search the news." }], tools: [{ type: "web_search_20250305" as const, name: "web_search" as const }] };
    const { data, response } = await client.messages.countTokens({ model: "anthropic/claude-sonnet-4-5", ...body }).withResponse();
    expect(data).toEqual({ input_tokens: 517 });
    expect(response.headers.get("x-butter-provider")).toBe("anthropic");
    expect((mock.requests[0]!.json as { tools: unknown }).tools).toEqual(body.tools);

    mock.reset();
    const err = await client.messages.countTokens({ model: "openai/gpt-4o-mini", ...body }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    const apiErr = err as InstanceType<typeof Anthropic.BadRequestError>;
    expect(apiErr.error).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    expect(apiErr.message).toContain("tools[0]");
    expect(mock.requests.length).toBe(0);
  });

  test("a route whose Anthropic target fails over to a translating one answers that one's 400 for an untranslatable body", async () => {
    mock.when("POST", "/ant/v1/messages/count_tokens", json({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }, { status: 529 }));
    const res = await fetch(`${gw.url}/v1/messages/count_tokens`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "claude-then-gpt", messages: [{ role: "user", content: "hi" }], tools: [{ type: "web_search_20250305", name: "web_search" }] }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
    expect(mock.requests.map((r) => r.path)).toEqual(["/ant/v1/messages/count_tokens"]);
  });

  test("hostile bodies: a non-object message or a wrong-typed field to Anthropic goes up for Anthropic to judge; to a translating target it is the 400", async () => {
    mock.when("POST", "/ant/v1/messages/count_tokens", json({ type: "error", error: { type: "invalid_request_error", message: "messages.0: Input should be an object" } }, { status: 400 }));
    const hostile = { messages: [42, { role: "user", content: { nested: ["deep"] } }], tools: "nope" };
    const up = await fetch(`${gw.url}/v1/messages/count_tokens`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "anthropic/claude-sonnet-4-5", ...hostile }),
    });
    expect(up.status).toBe(400);
    expect(((await up.json()) as { error: { message: string } }).error.message).toContain("messages.0");
    expect(mock.requests[0]!.json).toEqual({ model: "claude-sonnet-4-5", ...hostile });

    mock.reset();
    const local = await fetch(`${gw.url}/v1/messages/count_tokens`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "openai/gpt-4o-mini", ...hostile }),
    });
    expect(local.status).toBe(400);
    expect(mock.requests.length).toBe(0);
  });
});

test("an answer without an input_tokens integer is a 502", async () => {
  mock.when("POST", "/ant/v1/messages/count_tokens", json({ tokens: 3 }));
  const err = await client.messages.countTokens({ model: "anthropic/claude-sonnet-4-5", messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e);
  expect((err as InstanceType<typeof Anthropic.APIError>).status).toBe(502);
});

describe("count_tokens → a provider that cannot count: the local estimate", () => {
  const count = async (content: string, extra: object = {}) =>
    (await client.messages.countTokens({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content }], ...extra })).input_tokens;

  test("a positive integer, growing with the input, and no upstream call", async () => {
    const short = await count("Hello!");
    const longer = await count("Hello! ".repeat(40));
    const longest = await count("Hello! ".repeat(400));
    for (const n of [short, longer, longest]) expect(Number.isInteger(n) && n > 0).toBe(true);
    expect(longer).toBeGreaterThan(short);
    expect(longest).toBeGreaterThan(longer);
    expect(await count("Hello!", { system: "You are a helpful assistant.", tools: [tool] })).toBeGreaterThan(short);
    expect(mock.requests.length).toBe(0);
  });
});

describe("count_tokens errors", () => {
  const post = (body: string) => fetch(`${gw.url}/v1/messages/count_tokens`, { method: "POST", headers: { "content-type": "application/json" }, body });
  const cases: Array<[string, string, string]> = [
    ["invalid JSON", "{nope", ""],
    ["no model", JSON.stringify({ messages: [{ role: "user", content: "x" }] }), "model"],
    ["no messages", JSON.stringify({ model: "openai/gpt-4o-mini" }), "messages"],
    ["bad role", JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "tool", content: "x" }] }), "messages[0].role"],
    ["bad max_tokens", JSON.stringify({ model: "openai/gpt-4o-mini", max_tokens: 0, messages: [{ role: "user", content: "x" }] }), "max_tokens"],
    ["unknown field", JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "x" }], service_tier: "auto" }), "service_tier"],
  ];
  for (const [name, body, param] of cases) {
    test(`${name} → 400 in Anthropic's envelope`, async () => {
      const res = await post(body);
      expect(res.status).toBe(400);
      const err = (await res.json()) as { type: string; error: { type: string; message: string } };
      expect(err.type).toBe("error");
      expect(err.error.type).toBe("invalid_request_error");
      expect(err.error.message).toContain(param);
      expect(mock.requests.length).toBe(0);
    });
  }

  test("an unknown model → 404 in Anthropic's envelope (the SDK's NotFoundError)", async () => {
    const res = await post(JSON.stringify({ model: "nope/x", messages: [{ role: "user", content: "x" }] }));
    expect(res.status).toBe(404);
    const err = (await res.json()) as { type: string; error: { type: string } };
    expect(err.type).toBe("error");
    expect(err.error.type).toBe("not_found_error");
    const sdkErr = await client.messages.countTokens({ model: "unknown-route", messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
    expect(sdkErr).toBeInstanceOf(Anthropic.NotFoundError);
    expect(mock.requests.length).toBe(0);
  });

  test("GET is 405", async () => {
    const res = await fetch(`${gw.url}/v1/messages/count_tokens`);
    expect(res.status).toBe(405);
  });
});
