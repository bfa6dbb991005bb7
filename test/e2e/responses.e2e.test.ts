// OpenAI's Responses API as a client API: the official OpenAI SDK (`client.responses`) → the
// gateway → mock upstreams: OpenAI's own Responses endpoint (native pass-through), and Anthropic,
// Gemini and an OpenAI-compatible chat provider (translated). Stored responses live in SQLite.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { fixtureReply, json, loadText, sse, sseFixtureReply, startGateway, startMockUpstream, type Gateway, type MockUpstream } from "../support/index.ts";
import { parseSse } from "../support/sse.ts";

let mock: MockUpstream;
let gw: Gateway;
let client: OpenAI;
let dir: string;

const config = () => ({
  providers: {
    openai: { base_url: `${mock.url}/v1`, keys: [{ value: "sk-openai-secret" }] },
    groq: { base_url: `${mock.url}/groq`, keys: [{ value: "gsk-secret" }] },
    anthropic: { base_url: `${mock.url}/ant`, keys: [{ value: "sk-ant-secret" }] },
    gemini: { base_url: `${mock.url}/gem`, keys: [{ value: "gem-secret" }] },
    "azure-v1": { type: "azure", base_url: `${mock.url}/az1`, api_version: "v1", keys: [{ value: "az-secret" }] },
    "azure-preview": { type: "azure", base_url: `${mock.url}/azp`, api_version: "2025-04-01-preview", keys: [{ value: "az-secret" }] },
    "azure-ga": { type: "azure", base_url: `${mock.url}/azg`, keys: [{ value: "az-secret" }] },
  },
  routes: { "agent-model": { targets: [{ provider: "anthropic", model: "claude-sonnet-4-5" }] } },
  failover: { timeout: "3s", max_attempts: 1 },
  store: `sqlite:${join(dir, "butter.db")}`,
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "butter-responses-"));
  mock = await startMockUpstream();
  gw = await startGateway(config());
  client = new OpenAI({ baseURL: `${gw.baseURL}/v1`, apiKey: "btr_client", maxRetries: 0 });
});
afterAll(async () => {
  await gw?.stop();
  await mock?.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => mock.reset());

const sent = (i = 0) => mock.requests[i]!.json as Record<string, any>;
const chatChunk = (delta: object, finish: string | null = null) => ({
  id: "chatcmpl-r1", object: "chat.completion.chunk", created: 1, model: "llama-3.3-70b", choices: [{ index: 0, delta, finish_reason: finish }],
});
const chatUsage = (prompt: number, completion: number) => ({
  id: "chatcmpl-r1", object: "chat.completion.chunk", created: 1, model: "llama-3.3-70b", choices: [],
  usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
});
const chatAnswer = (content: string, prompt: number, completion: number, tool?: { id: string; name: string; args: string }) => json({
  id: "chatcmpl-j1", object: "chat.completion", created: 1, model: "llama-3.3-70b",
  choices: [{
    index: 0, finish_reason: tool ? "tool_calls" : "stop",
    message: { role: "assistant", content: tool ? null : content, ...(tool ? { tool_calls: [{ id: tool.id, type: "function", function: { name: tool.name, arguments: tool.args } }] } : {}) },
  }],
  usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
});
/** The SDK's stream helper adds `parsed` / `parsed_arguments` to what it accumulates; the wire has neither. */
const plain_ = (output: readonly object[]): object[] => JSON.parse(JSON.stringify(output, (k, v) => (k === "parsed" || k === "parsed_arguments" ? undefined : v)));
const WEATHER = {
  type: "function" as const, name: "get_weather", description: "Weather for a city", strict: false,
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

describe("Responses → openai (native)", () => {
  test("JSON: the body goes up unchanged apart from model; the answer comes back byte for byte and is stored", async () => {
    const answer = loadText("openai", "responses.response.json");
    mock.when("POST", "/v1/responses", { kind: "bytes", body: answer, contentType: "application/json" });
    const body = {
      model: "openai/gpt-4.1", input: [{ role: "user", content: [{ type: "input_text", text: "Tell me a story" }] }], instructions: "Be brief.",
      tools: [{ type: "web_search_preview" }], include: ["reasoning.encrypted_content"], reasoning: { effort: "low" }, store: true, metadata: { k: "v" },
    };
    const res = await fetch(`${gw.baseURL}/v1/responses`, { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer btr_client" }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(answer);
    expect(res.headers.get("x-butter-provider")).toBe("openai");
    expect(mock.requests[0]!.path).toBe("/v1/responses");
    expect(sent()).toEqual({ ...body, model: "gpt-4.1" });
    expect(mock.requests[0]!.headers.authorization).toBe("Bearer sk-openai-secret");

    const id = JSON.parse(answer).id as string;
    const stored = await client.responses.retrieve(id);
    expect(stored).toMatchObject(JSON.parse(answer));
    await client.responses.delete(id);
    const gone = await client.responses.retrieve(id).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(OpenAI.NotFoundError);
    const again = await fetch(`${gw.baseURL}/v1/responses/${id}`, { method: "DELETE" });
    expect(again.status).toBe(404);
    expect(((await again.json()) as any).error).toMatchObject({ type: "invalid_request_error", code: "response_not_found" });
  });

  test("stream: events relayed as they came; the SDK's finalResponse() is the completed response", async () => {
    mock.when("POST", "/v1/responses", sseFixtureReply("openai", "responses-stream.sse"));
    const stream = client.responses.stream({ model: "openai/gpt-4.1", input: "Hi", instructions: "You are a helpful assistant." });
    const types: string[] = [];
    stream.on("event", (e) => types.push(e.type));
    const final = await stream.finalResponse();
    expect(final.output_text).toBe("Hi there! How can I assist you today?");
    expect(final.usage).toMatchObject({ input_tokens: 37, output_tokens: 11, total_tokens: 48 });
    expect(types[0]).toBe("response.created");
    expect(types.at(-1)).toBe("response.completed");
    expect(sent()).toMatchObject({ model: "gpt-4.1", input: "Hi", stream: true });
    // Stored before the stream ended: the next turn can name it at once.
    expect((await client.responses.retrieve("resp_stream_1")).status).toBe("completed");
  });

  test("previous_response_id: the stored turn is expanded into input; the upstream never sees the id", async () => {
    mock.when("POST", "/v1/responses", fixtureReply("openai", "responses-tools.response.json"));
    const first = await client.responses.create({ model: "openai/gpt-4.1", input: "Weather in Boston?", tools: [WEATHER] });
    expect(first.output[0]).toMatchObject({ type: "function_call", name: "get_current_weather" });
    mock.reset();
    mock.when("POST", "/v1/responses", fixtureReply("openai", "responses.response.json"));
    const second = await client.responses.create({
      model: "openai/gpt-4.1", previous_response_id: first.id,
      input: [{ type: "function_call_output", call_id: "call_unLAR8MvFNptuiZK6K6HCy5k", output: "{\"temp\":21}" }],
    });
    expect(second.previous_response_id).toBe(first.id);
    const up = sent();
    expect(up.previous_response_id).toBeUndefined();
    expect(up.input).toEqual([
      { type: "message", role: "user", content: [{ type: "input_text", text: "Weather in Boston?" }] },
      first.output[0],
      { type: "function_call_output", call_id: "call_unLAR8MvFNptuiZK6K6HCy5k", output: "{\"temp\":21}" },
    ]);
  });

  test("an upstream 429 is the SDK's RateLimitError in OpenAI's envelope", async () => {
    mock.when("POST", "/v1/responses", json({ error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded", param: null } }, { status: 429 }));
    const err = await client.responses.create({ model: "openai/gpt-4.1", input: "x" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).message).not.toContain("sk-openai-secret");
  });
});

describe("Responses → azure", () => {
  test("the v1 API and preview api-versions get the request natively; GA dated versions are translated to the deployment's chat", async () => {
    mock.when("POST", "/az1/openai/v1/responses", fixtureReply("openai", "responses.response.json"));
    mock.when("POST", "/azp/openai/responses", fixtureReply("openai", "responses.response.json"));
    mock.when("POST", "/azg/openai/deployments/my-gpt/chat/completions", fixtureReply("openai", "chat.response.json"));
    for (const provider of ["azure-v1", "azure-preview"]) {
      const res = await client.responses.create({ model: `${provider}/my-gpt`, input: "Hi", store: false });
      expect(res.id).toBe("resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b");
    }
    expect(mock.requests[0]!.path).toBe("/az1/openai/v1/responses");
    expect(mock.requests[1]!.path).toBe("/azp/openai/responses?api-version=2025-04-01-preview");
    for (const i of [0, 1]) {
      expect(sent(i)).toMatchObject({ model: "my-gpt", input: "Hi", store: false });
      expect(mock.requests[i]!.headers["api-key"]).toBe("az-secret");
    }
    const ga = await client.responses.create({ model: "azure-ga/my-gpt", input: "Hi", store: false });
    expect(ga.output_text).toBe("Hello! How can I assist you today?");
    expect(mock.requests[2]!.path).toBe("/azg/openai/deployments/my-gpt/chat/completions?api-version=2024-10-21");
  });
});

describe("Responses → translated targets", () => {
  test("anthropic JSON: instructions, tools and text become a Messages request; the answer is a Response with usage", async () => {
    mock.when("POST", "/ant/v1/messages", fixtureReply("anthropic", "chat.response.json"));
    const res = await client.responses.create({
      model: "agent-model", instructions: "Be brief.", input: "Hello", max_output_tokens: 300, temperature: 0.2, store: false,
    });
    expect(res.object).toBe("response");
    expect(res.status).toBe("completed");
    expect(res.id.startsWith("resp_")).toBe(true);
    expect(res.model).toBe("agent-model");
    expect(res.output_text.length).toBeGreaterThan(0);
    expect(res.usage!.input_tokens).toBeGreaterThan(0);
    expect(res.usage!.total_tokens).toBe(res.usage!.input_tokens + res.usage!.output_tokens);
    expect(sent()).toMatchObject({ model: "claude-sonnet-4-5", system: "Be brief.", max_tokens: 300, temperature: 0.2, messages: [{ role: "user", content: "Hello" }] });
    // store: false keeps nothing.
    const missing = await client.responses.retrieve(res.id).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
  });

  test("anthropic stream: typed events the SDK accumulates; finalResponse() equals the JSON answer", async () => {
    mock.when("POST", "/ant/v1/messages", sseFixtureReply("anthropic", "stream.sse"));
    const stream = client.responses.stream({ model: "agent-model", input: "Hello", store: false });
    const types: string[] = [];
    stream.on("event", (e) => types.push(e.type));
    const streamed = await stream.finalResponse();
    expect(types.slice(0, 2)).toEqual(["response.created", "response.in_progress"]);
    expect(types).toContain("response.output_text.delta");
    expect(types.at(-1)).toBe("response.completed");
    const seq = new Set(types);
    for (const t of ["response.output_item.added", "response.content_part.added", "response.output_text.done", "response.content_part.done", "response.output_item.done"]) expect(seq.has(t)).toBe(true);

    mock.reset();
    const text = streamed.output_text;
    mock.when("POST", "/ant/v1/messages", json({
      id: "msg_1", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [{ type: "text", text }], stop_reason: "end_turn", stop_sequence: null,
      usage: streamed.usage ? { input_tokens: streamed.usage.input_tokens, output_tokens: streamed.usage.output_tokens } : { input_tokens: 0, output_tokens: 0 },
    }));
    const plain = await client.responses.create({ model: "agent-model", input: "Hello", store: false });
    const withoutIds = (output: readonly object[]) => plain_(output).map((o) => ({ ...o, id: "" }));
    expect(withoutIds(streamed.output)).toEqual(withoutIds(plain.output));
    expect(streamed.status).toBe(plain.status);
    expect(streamed.usage).toEqual(plain.usage);
  });

  test("gemini JSON and stream", async () => {
    mock.when("POST", "/gem/v1beta/models/gemini-2.5-flash:generateContent", fixtureReply("gemini", "generateContent.response.json"));
    const res = await client.responses.create({ model: "gemini/gemini-2.5-flash", input: "Hello", store: false });
    expect(res.status).toBe("completed");
    expect(res.output_text.length).toBeGreaterThan(0);
    expect(res.usage!.input_tokens).toBeGreaterThan(0);
    mock.when("POST", "/gem/v1beta/models/gemini-2.5-flash:streamGenerateContent", sseFixtureReply("gemini", "stream.sse"));
    const streamed = await client.responses.stream({ model: "gemini/gemini-2.5-flash", input: "Hello", store: false }).finalResponse();
    expect(streamed.status).toBe("completed");
    expect(streamed.output_text.length).toBeGreaterThan(0);
  });

  test("function call round trip with previous_response_id; usage is per turn, never summed", async () => {
    mock.when("POST", "/groq/chat/completions", (_req, nth) => nth === 0
      ? chatAnswer("", 50, 7, { id: "call_w1", name: "get_weather", args: "{\"city\":\"Paris\"}" })
      : chatAnswer("It is 21°C in Paris.", 80, 9));
    const first = await client.responses.create({ model: "groq/llama-3.3-70b", input: "Weather in Paris?", tools: [WEATHER], tool_choice: "auto" });
    expect(first.output).toEqual([expect.objectContaining({ type: "function_call", call_id: "call_w1", name: "get_weather", arguments: "{\"city\":\"Paris\"}", status: "completed" })]);
    expect(first.usage).toMatchObject({ input_tokens: 50, output_tokens: 7, total_tokens: 57 });
    expect(sent(0)).toMatchObject({ tools: [{ type: "function", function: { name: "get_weather", parameters: WEATHER.parameters } }], tool_choice: "auto" });

    const second = await client.responses.create({
      model: "groq/llama-3.3-70b", previous_response_id: first.id,
      input: [{ type: "function_call_output", call_id: "call_w1", output: "{\"c\":21}" }],
    });
    expect(second.output_text).toBe("It is 21°C in Paris.");
    expect(second.previous_response_id).toBe(first.id);
    expect(second.usage).toMatchObject({ input_tokens: 80, output_tokens: 9, total_tokens: 89 });
    expect(sent(1).messages).toEqual([
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", content: null, tool_calls: [{ id: "call_w1", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Paris\"}" } }] },
      { role: "tool", tool_call_id: "call_w1", content: "{\"c\":21}" },
    ]);
  });

  test("a stream's function call: argument deltas, then the call item; streamed turns are stored too", async () => {
    mock.when("POST", "/groq/chat/completions", sse([
      chatChunk({ role: "assistant", content: "Let me check." }),
      chatChunk({ tool_calls: [{ index: 0, id: "call_a", type: "function", function: { name: "get_weather", arguments: "" } }] }),
      chatChunk({ tool_calls: [{ index: 0, function: { arguments: "{\"city\":" } }] }),
      chatChunk({ tool_calls: [{ index: 0, function: { arguments: "\"Oslo\"}" } }] }),
      chatChunk({ tool_calls: [{ index: 1, id: "call_b", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Rome\"}" } }] }),
      chatChunk({}, "tool_calls"), chatUsage(40, 20), "data: [DONE]\n\n",
    ]));
    const stream = client.responses.stream({ model: "groq/llama-3.3-70b", input: "Oslo and Rome?", tools: [WEATHER] });
    const argDeltas: string[] = [];
    stream.on("response.function_call_arguments.delta", (e) => argDeltas.push(e.delta));
    const final = await stream.finalResponse();
    expect(final.output.map((o) => o.type)).toEqual(["message", "function_call", "function_call"]);
    expect(final.output[1]).toMatchObject({ call_id: "call_a", arguments: "{\"city\":\"Oslo\"}" });
    expect(final.output[2]).toMatchObject({ call_id: "call_b", arguments: "{\"city\":\"Rome\"}" });
    expect(argDeltas.join("")).toContain("Oslo");
    expect(final.usage).toMatchObject({ input_tokens: 40, output_tokens: 20 });
    const stored = await client.responses.retrieve(final.id);
    expect(stored.output as unknown).toEqual(plain_(final.output));
  });

  test("a mid-stream upstream failure ends the stream with response.failed", async () => {
    mock.when("POST", "/groq/chat/completions", sse([chatChunk({ role: "assistant", content: "Hel" }), "data: {not json\n\n"]));
    const res = await fetch(`${gw.baseURL}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "groq/llama-3.3-70b", input: "Hi", stream: true }) });
    const events = parseSse(await res.text());
    const last = events.at(-1)!;
    expect(last.event).toBe("response.failed");
    const data = JSON.parse(last.data) as { response: { status: string; error: { code: string; message: string } } };
    expect(data.response.status).toBe("failed");
    expect(data.response.error.message.length).toBeGreaterThan(0);
    expect(last.data).not.toContain("gsk-secret");
  });
});

describe("Responses: bad input and the store", () => {
  test("malformed bodies are 400s in OpenAI's envelope naming the field", async () => {
    const cases: Array<[unknown, string | null]> = [
      [{ input: "x" }, "model"],
      [{ model: "groq/llama-3.3-70b", input: 7 }, "input"],
      [{ model: "groq/llama-3.3-70b", input: [{ type: "function_call_output" }] }, null],
      [{ model: "groq/llama-3.3-70b", input: "x", tools: [{ type: "function" }] }, null],
      [{ model: "groq/llama-3.3-70b", input: "x", max_output_tokens: "many" }, "max_output_tokens"],
      [{ model: "groq/llama-3.3-70b", input: "x", previous_response_id: "resp_does_not_exist" }, "previous_response_id"],
    ];
    for (const [body, param] of cases) {
      const res = await fetch(`${gw.baseURL}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      expect(res.status).toBe(400);
      const err = ((await res.json()) as any).error;
      expect(err.type).toBe("invalid_request_error");
      if (param !== null) expect(err.param).toBe(param);
    }
    expect(mock.requests.length).toBe(0);
    const bad = await fetch(`${gw.baseURL}/v1/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.code).toBe("invalid_json");
  });

  test("hosted tools are left out for a translated target, and the answer says so; forcing one or a custom tool is a 400", async () => {
    mock.when("POST", "/groq/chat/completions", chatAnswer("ok", 5, 1));
    const { data, response } = await client.responses.create({
      model: "groq/llama-3.3-70b", input: "x", store: false, tools: [WEATHER, { type: "web_search" }, { type: "file_search", vector_store_ids: ["vs_1"] }],
    }).withResponse();
    expect(data.output_text).toBe("ok");
    expect(response.headers.get("x-butter-dropped-tools")).toBe("web_search, file_search");
    expect((sent().tools as unknown[]).length).toBe(1);
    expect(data.tools.map((t) => t.type)).toEqual(["function"]);
    mock.reset();
    const forced = await client.responses.create({ model: "groq/llama-3.3-70b", input: "x", tools: [{ type: "web_search_preview" }], tool_choice: { type: "web_search_preview" } }).catch((e: unknown) => e);
    expect(forced).toBeInstanceOf(OpenAI.BadRequestError);
    expect(String((forced as Error).message)).toContain("web_search_preview");
    const custom = await client.responses.create({ model: "groq/llama-3.3-70b", input: "x", tools: [{ type: "custom", name: "apply_patch" }] }).catch((e: unknown) => e);
    expect(custom).toBeInstanceOf(OpenAI.BadRequestError);
    expect(mock.requests.length).toBe(0);
    // A native target gets every tool as sent, and nothing is announced.
    mock.when("POST", "/v1/responses", fixtureReply("openai", "responses.response.json"));
    const native = await client.responses.create({ model: "openai/gpt-4.1", input: "x", store: false, tools: [{ type: "web_search" }] }).withResponse();
    expect(native.response.headers.get("x-butter-dropped-tools")).toBeNull();
    expect(sent().tools).toEqual([{ type: "web_search" }]);
  });

  test("namespace tools (Codex's sub-agent tools) become flat functions and come back as namespaced calls", async () => {
    const ns = { type: "namespace" as const, name: "agents", description: "Sub-agents", tools: [{ type: "function" as const, name: "spawn", description: "Spawn one", parameters: { type: "object", properties: { task: { type: "string" } } }, strict: false }] };
    mock.when("POST", "/groq/chat/completions", (_req, nth) => nth === 0
      ? chatAnswer("", 9, 3, { id: "call_ns", name: "agents__spawn", args: "{\"task\":\"t\"}" })
      : chatAnswer("spawned", 12, 2));
    const first = await client.responses.create({ model: "groq/llama-3.3-70b", input: "go", tools: [ns as never] });
    expect(first.output[0]).toMatchObject({ type: "function_call", name: "spawn", namespace: "agents", call_id: "call_ns" });
    expect((sent(0).tools as Array<{ function: { name: string } }>).map((t) => t.function.name)).toEqual(["agents__spawn"]);
    await client.responses.create({
      model: "groq/llama-3.3-70b", previous_response_id: first.id, tools: [ns as never],
      input: [{ type: "function_call_output", call_id: "call_ns", output: "done" }],
    });
    expect(sent(1).messages[1]).toMatchObject({ role: "assistant", tool_calls: [{ id: "call_ns", function: { name: "agents__spawn" } }] });
  });

  test("GET and DELETE of unknown ids are 404s; methods are checked", async () => {
    expect((await fetch(`${gw.baseURL}/v1/responses/resp_unknown`)).status).toBe(404);
    expect((await fetch(`${gw.baseURL}/v1/responses/${"x".repeat(300)}`)).status).toBe(404);
    expect((await fetch(`${gw.baseURL}/v1/responses/resp_unknown`, { method: "POST", body: "{}" })).status).toBe(405);
    expect((await fetch(`${gw.baseURL}/v1/responses`, { method: "GET" })).status).toBe(405);
    expect((await fetch(`${gw.baseURL}/v1/responses/a/b`)).status).toBe(404);
  });

  test("a conversation survives a gateway restart (SQLite)", async () => {
    mock.when("POST", "/groq/chat/completions", (_req, nth) => chatAnswer(nth === 0 ? "Noted: your name is Ada." : "Your name is Ada.", 10 + nth, 5));
    const first = await client.responses.create({ model: "groq/llama-3.3-70b", input: "My name is Ada." });
    await gw.stop();
    gw = await startGateway(config());
    client = new OpenAI({ baseURL: `${gw.baseURL}/v1`, apiKey: "btr_client", maxRetries: 0 });
    const second = await client.responses.create({ model: "groq/llama-3.3-70b", input: "What is my name?", previous_response_id: first.id });
    expect(second.output_text).toBe("Your name is Ada.");
    expect(sent(1).messages).toEqual([
      { role: "user", content: "My name is Ada." },
      { role: "assistant", content: "Noted: your name is Ada." },
      { role: "user", content: "What is my name?" },
    ]);
    expect((await client.responses.retrieve(first.id)).id).toBe(first.id);
  });

  test("a stored turn survives the gateway being killed (SIGKILL) right after it answered", async () => {
    // Commits are not synced to disk one by one (sqlite-store.ts): they must still be in the file
    // for the next process once the answer is out, whatever happens to this one.
    mock.when("POST", "/groq/chat/completions", (_req, nth) => chatAnswer(nth === 0 ? "Noted: the code is 7." : "The code is 7.", 10 + nth, 5));
    const first = await client.responses.create({ model: "groq/llama-3.3-70b", input: "The code is 7." });
    gw.signal("SIGKILL");
    await gw.exited;
    gw = await startGateway(config());
    client = new OpenAI({ baseURL: `${gw.baseURL}/v1`, apiKey: "btr_client", maxRetries: 0 });
    expect((await client.responses.retrieve(first.id)).output_text).toBe("Noted: the code is 7.");
    const second = await client.responses.create({ model: "groq/llama-3.3-70b", input: "What is the code?", previous_response_id: first.id });
    expect(second.output_text).toBe("The code is 7.");
  });
});
