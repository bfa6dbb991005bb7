// OpenAI → Anthropic request mapping, one test per translation pitfall (DESIGN "Translation pitfalls").
import { describe, expect, test } from "bun:test";
import { GatewayError } from "../../src/core/errors.ts";
import type { ChatCompletionRequest, ChatMessage } from "../../src/core/openai-types.ts";
import { DEFAULT_MAX_TOKENS, JSON_TOOL_NAME, toAnthropicRequest } from "../../src/providers/shared/anthropic-messages/index.ts";
import { loadJson } from "../support/index.ts";

const M = "claude-sonnet-4-5-20250929";
const req = (messages: ChatMessage[], extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({ model: M, messages, ...extra });
const body = (r: ChatCompletionRequest) => toAnthropicRequest(r, M).body;
const weather = loadJson<ChatCompletionRequest>("openai", "tools.request.json").body.tools!;
const call = (id: string, args = "{\"location\":\"Paris\"}") => ({ id, type: "function" as const, function: { name: "get_weather", arguments: args } });

function rejects(fn: () => unknown, param: string): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).status).toBe(400);
    expect((err as GatewayError).param).toBe(param);
    return;
  }
  throw new Error("expected a 400");
}

describe("system and turns", () => {
  test("system and developer messages go to the top-level `system`, never into messages", () => {
    const b = body(req([{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }, { role: "developer", content: "Use French." }]));
    expect(b.system).toEqual([{ type: "text", text: "Be brief." }, { type: "text", text: "Use French." }]);
    expect(b.messages).toEqual([{ role: "user", content: "Hi" }]);
  });

  test("one system message stays a plain string; cache_control on a system part is kept", () => {
    expect(body(req([{ role: "system", content: "S" }, { role: "user", content: "Hi" }])).system).toBe("S");
    const b = body(req([{ role: "system", content: [{ type: "text", text: "long doc", cache_control: { type: "ephemeral" } }] }, { role: "user", content: "Hi" }]));
    expect(b.system).toEqual([{ type: "text", text: "long doc", cache_control: { type: "ephemeral" } }]);
  });

  test("system messages only: the last system text becomes the user turn, earlier ones stay in `system`", () => {
    const one = body(req([{ role: "system", content: "Say hi in French." }]));
    expect(one.system).toBeUndefined();
    expect(one.messages).toEqual([{ role: "user", content: "Say hi in French." }]);
    const two = body(req([{ role: "system", content: "You are a pirate." }, { role: "developer", content: [{ type: "text", text: "Tell a joke.", cache_control: { type: "ephemeral" } }] }]));
    expect(two.system).toBe("You are a pirate.");
    expect(two.messages).toEqual([{ role: "user", content: [{ type: "text", text: "Tell a joke.", cache_control: { type: "ephemeral" } }] }]);
    rejects(() => body(req([{ role: "system", content: "" }, { role: "user", content: "" }])), "messages");
  });

  test("multi-turn keeps order; consecutive same-role messages are merged into one turn", () => {
    const b = body(req([
      { role: "user", content: "a" }, { role: "user", content: [{ type: "text", text: "b" }] },
      { role: "assistant", content: "c" }, { role: "assistant", content: "d" }, { role: "user", content: "e" },
    ]));
    expect(b.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] },
      { role: "assistant", content: [{ type: "text", text: "c" }, { type: "text", text: "d" }] },
      { role: "user", content: "e" },
    ]);
  });

  test("max_tokens is required: default when absent, max_completion_tokens preferred over max_tokens", () => {
    expect(body(req([{ role: "user", content: "x" }])).max_tokens).toBe(DEFAULT_MAX_TOKENS);
    expect(DEFAULT_MAX_TOKENS).toBe(4096);
    expect(body(req([{ role: "user", content: "x" }], { max_tokens: 10, max_completion_tokens: 20 })).max_tokens).toBe(20);
    expect(toAnthropicRequest(req([{ role: "user", content: "x" }]), M, { defaultMaxTokens: 99 }).body.max_tokens).toBe(99);
  });

  // Ranges and exclusions are the parameter table's (test/unit/parameters.test.ts): the codec sends the value it is given.
  test("stop → stop_sequences (string or array), user → metadata.user_id, temperature and top_p as given", () => {
    const b = body(req([{ role: "user", content: "x" }], { stop: ["END", "STOP"], user: "u-1", temperature: 1.6, top_p: 0.9, seed: 3, presence_penalty: 1 }));
    expect(b.stop_sequences).toEqual(["END", "STOP"]);
    expect(b.metadata).toEqual({ user_id: "u-1" });
    expect(b.temperature).toBe(1.6);
    expect(b.top_p).toBe(0.9);
    expect(b.seed).toBeUndefined();
    expect(b.presence_penalty).toBeUndefined();
    expect(body(req([{ role: "user", content: "x" }], { stop: "END" })).stop_sequences).toEqual(["END"]);
  });

  test("n > 1 is refused (one choice only)", () => {
    rejects(() => body(req([{ role: "user", content: "x" }], { n: 2 })), "n");
  });
});

describe("images and files", () => {
  test("base64 data URL and http URL images map to the fixture's image blocks", () => {
    const want = loadJson("anthropic", "chat-image.request.json").body as { messages: unknown };
    const png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
    const b = body(req([{
      role: "user", content: [
        { type: "image_url", image_url: { url: `data:image/png;base64,${png}` } },
        { type: "image_url", image_url: { url: "https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg", detail: "high" } },
        { type: "text", text: "What is in these images?" },
      ],
    }], { max_tokens: 1024 }));
    expect(b.messages).toEqual(want.messages as never);
  });

  test("a non-base64 data URL or another scheme is a 400 naming the part", () => {
    rejects(() => body(req([{ role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png,rawbytes" } }] }])), "messages[0].content[0].image_url.url");
    rejects(() => body(req([{ role: "user", content: [{ type: "image_url", image_url: { url: "ftp://x/y.png" } }] }])), "messages[0].content[0].image_url.url");
    rejects(() => body(req([{ role: "user", content: [{ type: "input_audio", input_audio: { data: "", format: "wav" } }] }])), "messages[0].content[0].type");
  });

  test("data:image/jpg (a common misspelling other providers accept) goes as image/jpeg", () => {
    const b = body(req([{ role: "user", content: [{ type: "image_url", image_url: { url: "data:image/JPG;base64,/9j/4AAQ" } }] }]));
    expect(b.messages[0]!.content).toEqual([{ type: "image", source: { type: "base64", media_type: "image/jpeg", data: "/9j/4AAQ" } }]);
  });

  test("cache_control on image, file and text parts and on tools reaches Anthropic", () => {
    const cc = { type: "ephemeral" };
    const b = body(req([{ role: "user", content: [
      { type: "image_url", image_url: { url: "https://x/y.png" }, cache_control: cc },
      { type: "file", file: { file_data: "data:application/pdf;base64,JVBERi0=" }, cache_control: cc },
      { type: "text", text: "t", cache_control: cc },
    ] }], { tools: [{ ...weather[0]!, cache_control: cc } as never] }));
    expect((b.messages[0]!.content as Array<{ cache_control?: unknown }>).map((x) => x.cache_control)).toEqual([cc, cc, cc]);
    expect(b.tools![0]!.cache_control).toEqual(cc);
    expect("cache_control" in body(req([{ role: "user", content: "x" }], { tools: weather })).tools![0]!).toBe(false);
  });

  test("a cache_control that is not Anthropic's object is a 400 naming it", () => {
    rejects(() => body(req([{ role: "user", content: [{ type: "text", text: "t", cache_control: "yes" }] }])), "messages[0].content[0].cache_control");
    rejects(() => body(req([{ role: "system", content: [{ type: "text", text: "t", cache_control: [1] }] }, { role: "user", content: "x" }])), "messages[0].content[0].cache_control");
    rejects(() => body(req([{ role: "user", content: [{ type: "image_url", image_url: { url: "https://x/y.png" }, cache_control: { ttl: "1h" } }] }])), "messages[0].content[0].cache_control");
    rejects(() => body(req([{ role: "user", content: "x" }], { tools: [{ ...weather[0]!, cache_control: 5 } as never] })), "tools[0].cache_control");
  });

  test("a PDF file part becomes a document block", () => {
    const b = body(req([{ role: "user", content: [{ type: "file", file: { filename: "a.pdf", file_data: "data:application/pdf;base64,JVBERi0=" } }] }]));
    expect(b.messages[0]!.content).toEqual([{ type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBERi0=" } }]);
  });
});

describe("tools", () => {
  test("tools → name/description/input_schema; a tool without parameters gets an empty object schema", () => {
    const b = body(req([{ role: "user", content: "x" }], { tools: [...weather, { type: "function", function: { name: "now" } }] }));
    expect(b.tools).toEqual([
      { name: "get_weather", description: "Get the current weather for a city", input_schema: weather[0]!.function.parameters! },
      { name: "now", input_schema: { type: "object", properties: {} } },
    ]);
  });

  test("tool_choice: auto → auto, required → any, function → tool, none → none", () => {
    const tc = (tool_choice: ChatCompletionRequest["tool_choice"]) => body(req([{ role: "user", content: "x" }], { tools: weather, tool_choice })).tool_choice;
    expect(tc("auto")).toEqual({ type: "auto" });
    expect(tc("required")).toEqual({ type: "any" });
    expect(tc({ type: "function", function: { name: "get_weather" } })).toEqual({ type: "tool", name: "get_weather" });
    expect(tc("none")).toEqual({ type: "none" });
    expect(tc(undefined)).toBeUndefined();
  });

  test("parallel_tool_calls: false → disable_parallel_tool_use (an auto choice is added when none was given)", () => {
    const b = (extra: Partial<ChatCompletionRequest>) => body(req([{ role: "user", content: "x" }], { tools: weather, parallel_tool_calls: false, ...extra })).tool_choice;
    expect(b({})).toEqual({ type: "auto", disable_parallel_tool_use: true });
    expect(b({ tool_choice: "required" })).toEqual({ type: "any", disable_parallel_tool_use: true });
    expect(b({ tool_choice: "none" })).toEqual({ type: "none" });
    // Without tools, no tool_choice at all (Anthropic rejects one).
    expect(body(req([{ role: "user", content: "x" }], { tool_choice: "auto" })).tool_choice).toBeUndefined();
  });

  test("assistant tool_calls → tool_use blocks with parsed input (empty arguments → {}); arguments that are not a JSON object go as {_raw}", () => {
    const b = body(req([{ role: "user", content: "x" }, { role: "assistant", content: null, tool_calls: [call("c1"), call("c2", "")] }], { tools: weather }));
    expect(b.messages[1]).toEqual({
      role: "assistant",
      content: [
        { type: "tool_use", id: "c1", name: "get_weather", input: { location: "Paris" } },
        { type: "tool_use", id: "c2", name: "get_weather", input: {} },
      ],
    });
    const raw = (args: string) => (body(req([{ role: "user", content: "x" }, { role: "assistant", tool_calls: [call("c1", args)] }])).messages[1]!.content as Array<{ input: unknown }>)[0]!.input;
    expect(raw("{oops")).toEqual({ _raw: "{oops" });
    expect(raw("[1,2]")).toEqual({ _raw: "[1,2]" });
    expect(raw("null")).toEqual({ _raw: "null" });
    expect(raw("\"text\"")).toEqual({ _raw: "\"text\"" });
  });

  test("legacy role: function results answer the previous assistant function_call (or tool call) of the same name", () => {
    const b = body(req([
      { role: "user", content: "Weather?" },
      { role: "assistant", content: null, function_call: { name: "get_weather", arguments: "{\"location\":\"Paris\"}" } },
      { role: "function", name: "get_weather", content: "18C" },
      { role: "assistant", content: "", tool_calls: [call("c9")] },
      { role: "function", name: "get_weather", content: [{ type: "text", text: "20C" }] },
    ], { tools: weather }));
    expect(b.messages).toEqual([
      { role: "user", content: "Weather?" },
      { role: "assistant", content: [{ type: "tool_use", id: "call_fn_1", name: "get_weather", input: { location: "Paris" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "call_fn_1", content: "18C" }] },
      { role: "assistant", content: [{ type: "tool_use", id: "c9", name: "get_weather", input: { location: "Paris" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "c9", content: [{ type: "text", text: "20C" }] }] },
    ]);
    // Without tools in the request, the legacy call's function is declared like any history tool.
    const c = body(req([
      { role: "user", content: "x" }, { role: "assistant", content: null, function_call: { name: "now", arguments: "" } }, { role: "function", name: "now", content: "noon" },
    ]));
    expect(c.tools).toEqual([{ name: "now", input_schema: { type: "object", properties: {} } }]);
    expect(c.tool_choice).toEqual({ type: "none" });
  });

  test("a function message with no matching earlier call, or without a name, is a 400 naming it", () => {
    rejects(() => body(req([{ role: "user", content: "x" }, { role: "function", name: "f", content: "1" }])), "messages[1].name");
    rejects(() => body(req([{ role: "user", content: "x" }, { role: "assistant", tool_calls: [call("c1")] }, { role: "function", content: "1" }])), "messages[2].name");
    rejects(() => body(req([
      { role: "user", content: "x" }, { role: "assistant", tool_calls: [call("c1")] },
      { role: "function", name: "get_weather", content: "1" }, { role: "function", name: "get_weather", content: "2" },
    ])), "messages[3].name");
  });

  test("tool_choice allowed_tools: tools cut down to the allowed ones, mode auto → auto, required → any", () => {
    const two = [...weather, { type: "function" as const, function: { name: "now" } }];
    const allowed = (mode: string, tools: unknown[], extra: Partial<ChatCompletionRequest> = {}) =>
      body(req([{ role: "user", content: "x" }], { tools: two, tool_choice: { type: "allowed_tools", allowed_tools: { mode, tools } } as never, ...extra }));
    const a = allowed("auto", [{ type: "function", function: { name: "now" } }]);
    expect(a.tools!.map((t) => t.name)).toEqual(["now"]);
    expect(a.tool_choice).toEqual({ type: "auto" });
    const r = allowed("required", [{ type: "function", function: { name: "get_weather" } }, { type: "function", name: "now" }], { parallel_tool_calls: false });
    expect(r.tools!.map((t) => t.name)).toEqual(["get_weather", "now"]);
    expect(r.tool_choice).toEqual({ type: "any", disable_parallel_tool_use: true });
    const none = allowed("auto", []);
    expect(none.tools).toBeUndefined();
    expect(none.tool_choice).toBeUndefined();
  });

  test("hostile allowed_tools: a 400 naming the param, never a 500", () => {
    const bad = (allowed_tools: unknown) => () => body(req([{ role: "user", content: "x" }], { tools: weather, tool_choice: { type: "allowed_tools", allowed_tools } as never }));
    rejects(bad({ mode: "sometimes", tools: [] }), "tool_choice.allowed_tools.mode");
    rejects(bad({ mode: "auto", tools: "get_weather" }), "tool_choice.allowed_tools.tools");
    rejects(bad({ mode: "auto", tools: [null] }), "tool_choice.allowed_tools.tools[0]");
    rejects(bad({ mode: "auto", tools: [{ type: "custom", custom: { name: "x" } }] }), "tool_choice.allowed_tools.tools[0]");
    rejects(bad({ mode: "auto", tools: [{ type: "function", function: { name: 5 } }] }), "tool_choice.allowed_tools.tools[0]");
    rejects(bad({ mode: "auto", tools: [{ type: "function", function: { name: "get_weather" } }, { type: "function", function: { name: "nope" } }] }), "tool_choice.allowed_tools.tools[1]");
    rejects(bad({ mode: "required", tools: [] }), "tool_choice.allowed_tools.tools");
    rejects(bad(null), "tool_choice.allowed_tools");
  });

  test("several tool results become tool_result blocks in ONE user turn, before a following user text", () => {
    const b = body(req([
      { role: "user", content: "Weather in Paris and Tokyo?" },
      { role: "assistant", content: null, tool_calls: [call("c1"), call("c2", "{\"location\":\"Tokyo\"}")] },
      { role: "tool", tool_call_id: "c1", content: "18C" },
      { role: "tool", tool_call_id: "c2", content: [{ type: "text", text: "25C" }] },
      { role: "user", content: "Thanks, compare them." },
    ], { tools: weather }));
    expect(b.messages.length).toBe(3);
    expect(b.messages[2]).toEqual({
      role: "user",
      content: [
        { type: "tool_result", tool_use_id: "c1", content: "18C" },
        { type: "tool_result", tool_use_id: "c2", content: [{ type: "text", text: "25C" }] },
        { type: "text", text: "Thanks, compare them." },
      ],
    });
  });

  test("history with tool calls but no tools in the request: the used tools are declared, new calls forbidden", () => {
    const b = body(req([
      { role: "user", content: "x" }, { role: "assistant", content: null, tool_calls: [call("c1")] }, { role: "tool", tool_call_id: "c1", content: "ok" },
    ]));
    expect(b.tools).toEqual([{ name: "get_weather", input_schema: { type: "object", properties: {} } }]);
    expect(b.tool_choice).toEqual({ type: "none" });
  });

  test("a tool message without tool_call_id is a 400", () => {
    rejects(() => body(req([{ role: "tool", content: "x" } as ChatMessage])), "messages[0].tool_call_id");
  });
});

describe("JSON mode", () => {
  test("json_schema → a forced tool whose input_schema is the schema", () => {
    const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };
    const call = toAnthropicRequest(req([{ role: "user", content: "x" }], { response_format: { type: "json_schema", json_schema: { name: "answer", schema } } }), M);
    expect(call.jsonTool).toBe(JSON_TOOL_NAME);
    expect(call.body.tools).toEqual([{ name: JSON_TOOL_NAME, description: "Respond with a JSON object that matches the schema.", input_schema: schema }]);
    expect(call.body.tool_choice).toEqual({ type: "tool", name: JSON_TOOL_NAME });
  });

  test("json_object → a forced tool taking any object", () => {
    const call = toAnthropicRequest(req([{ role: "user", content: "x" }], { response_format: { type: "json_object" } }), M);
    expect(call.body.tools![0]!.input_schema).toEqual({ type: "object" });
    expect(call.jsonTool).toBe(JSON_TOOL_NAME);
  });

  test("with the client's own tools, JSON mode becomes a system instruction and the tools stay callable", () => {
    const call = toAnthropicRequest(req([{ role: "system", content: "S" }, { role: "user", content: "x" }], { tools: weather, tool_choice: "auto", response_format: { type: "json_object" } }), M);
    expect(call.jsonTool).toBeUndefined();
    expect(call.body.tool_choice).toEqual({ type: "auto" });
    expect((call.body.system as Array<{ text: string }>)[1]!.text).toContain("JSON object");
  });

  test("response_format text changes nothing", () => {
    const call = toAnthropicRequest(req([{ role: "user", content: "x" }], { response_format: { type: "text" } }), M);
    expect(call.jsonTool).toBeUndefined();
    expect(call.body.tools).toBeUndefined();
  });
});

describe("Vertex form", () => {
  test("model undefined leaves `model` out; extra fields such as anthropic_version are added", () => {
    const want = loadJson("vertex", "anthropic-rawPredict.request.json").body;
    const b = toAnthropicRequest(req([{ role: "user", content: "Hello!" }], { max_tokens: 1024 }), undefined, { extra: { anthropic_version: "vertex-2023-10-16" } }).body;
    expect(b).toEqual(want as never);
    expect("model" in b).toBe(false);
  });

  test("stream: true is carried; stream_options never is", () => {
    const b = body(req([{ role: "user", content: "x" }], { stream: true, stream_options: { include_usage: true } }));
    expect(b.stream).toBe(true);
    expect(b.stream_options).toBeUndefined();
  });
});

describe("reasoning (extended thinking)", () => {
  const user = [{ role: "user" as const, content: "Why?" }];
  const thinking = (extra: Partial<ChatCompletionRequest>, messages: ChatMessage[] = user) => body(req(messages, extra));

  test("reasoning_effort → thinking budget; max_tokens keeps room for the answer; none/absent → no thinking", () => {
    expect(thinking({ reasoning_effort: "minimal" }).thinking).toEqual({ type: "enabled", budget_tokens: 1024 });
    expect(thinking({ reasoning_effort: "low" }).thinking).toEqual({ type: "enabled", budget_tokens: 2048 });
    expect(thinking({ reasoning_effort: "high" }).thinking).toEqual({ type: "enabled", budget_tokens: 24576 });
    const medium = thinking({ reasoning_effort: "medium" });
    expect(medium.thinking).toEqual({ type: "enabled", budget_tokens: 8192 });
    expect(medium.max_tokens).toBe(8192 + DEFAULT_MAX_TOKENS);
    expect(thinking({ reasoning_effort: "medium", max_tokens: 1000 }).max_tokens).toBe(9192);
    expect(thinking({ reasoning_effort: "medium", max_completion_tokens: 20000 }).max_tokens).toBe(20000);
    expect(thinking({ reasoning_effort: "none" }).thinking).toBeUndefined();
    expect(thinking({}).thinking).toBeUndefined();
  });

  test("with thinking, temperature and top_k are not sent, top_p only from 0.95", () => {
    const b = thinking({ reasoning_effort: "low", temperature: 0.5, top_k: 5, top_p: 0.9 });
    expect([b.temperature, b.top_k, b.top_p]).toEqual([undefined, undefined, undefined]);
    expect(thinking({ reasoning_effort: "low", top_p: 0.97 }).top_p).toBe(0.97);
    expect(thinking({ temperature: 0.5 }).temperature).toBe(0.5);
  });

  test("an unknown reasoning_effort is a 400 naming it", () => {
    rejects(() => thinking({ reasoning_effort: "extreme" }), "reasoning_effort");
  });

  test("forced tool use wins over thinking; JSON mode with thinking rides on the instruction, not a forced tool", () => {
    expect(thinking({ reasoning_effort: "low", tools: weather, tool_choice: "required" }).thinking).toBeUndefined();
    expect(thinking({ reasoning_effort: "low", tools: weather, tool_choice: { type: "function", function: { name: "get_weather" } } }).thinking).toBeUndefined();
    expect(thinking({ reasoning_effort: "low", tools: weather, tool_choice: "auto" }).thinking).toBeDefined();
    const call = toAnthropicRequest(req(user, { reasoning_effort: "low", response_format: { type: "json_object" } }), M);
    expect(call.jsonTool).toBeUndefined();
    expect(call.body.thinking).toBeDefined();
    expect(call.body.tool_choice).toBeUndefined();
    expect(call.body.system).toContain("JSON");
  });

  const signed: ChatMessage = {
    role: "assistant", content: "Let me check.", tool_calls: [call("c1")],
    reasoning_content: "I should call the tool.",
    reasoning_details: [
      { type: "reasoning.text", text: "I should call the tool.", signature: "sig-1", format: "anthropic-claude-v1" },
      { type: "reasoning.encrypted", data: "ENC", format: "anthropic-claude-v1" },
      { type: "reasoning.text", text: "unsigned" },
      { type: "reasoning.text", text: "from gemini", signature: "g", format: "google-gemini-v1" },
      { type: "reasoning.summary", summary: "s" },
    ],
  };
  const loop = (assistant: ChatMessage): ChatMessage[] => [...user, assistant, { role: "tool", tool_call_id: "c1", content: "18C" }];

  test("history reasoning_details go back as thinking / redacted_thinking blocks before text and tool_use", () => {
    const b = thinking({ reasoning_effort: "low", tools: weather }, loop(signed));
    expect(b.thinking).toBeDefined();
    expect(b.messages[1]).toEqual({
      role: "assistant",
      content: [
        { type: "thinking", thinking: "I should call the tool.", signature: "sig-1" },
        { type: "redacted_thinking", data: "ENC" },
        { type: "text", text: "Let me check." },
        { type: "tool_use", id: "c1", name: "get_weather", input: { location: "Paris" } },
      ],
    });
  });

  test("reasoning_content + reasoning_signature is the one-block short form", () => {
    const b = thinking({ reasoning_effort: "low", tools: weather }, loop({ role: "assistant", content: null, tool_calls: [call("c1")], reasoning_content: "think", reasoning_signature: "sig" }));
    expect((b.messages[1]!.content as unknown[])[0]).toEqual({ type: "thinking", thinking: "think", signature: "sig" });
  });

  test("a tool loop whose assistant turn lost its thinking, or a prefilled assistant turn, keeps thinking off; without thinking, history thinking is left out", () => {
    const lost = thinking({ reasoning_effort: "low", tools: weather }, loop({ role: "assistant", content: null, tool_calls: [call("c1")], reasoning_content: "no signature kept" }));
    expect(lost.thinking).toBeUndefined();
    expect(thinking({ reasoning_effort: "low" }, [...user, { role: "assistant", content: "Because" }]).thinking).toBeUndefined();
    const off = thinking({ tools: weather }, loop(signed));
    expect(off.thinking).toBeUndefined();
    expect((off.messages[1]!.content as Array<{ type: string }>).map((b) => b.type)).toEqual(["text", "tool_use"]);
  });

  test("legacy functions / function_call are tools / tool_choice when tools is absent", () => {
    const fn = weather[0]!.function;
    const b = thinking({ functions: [fn], function_call: { name: "get_weather" } });
    expect(b.tools).toEqual([{ name: "get_weather", description: fn.description, input_schema: fn.parameters! }]);
    expect(b.tool_choice).toEqual({ type: "tool", name: "get_weather" });
    expect(thinking({ functions: [fn], function_call: "none" }).tool_choice).toEqual({ type: "none" });
    expect(thinking({ functions: [fn] }).tool_choice).toBeUndefined();
    expect(thinking({ tools: weather, functions: [{ name: "other" }], function_call: "none" }).tools!.map((t) => t.name)).toEqual(["get_weather"]);
    rejects(() => thinking({ functions: [fn], function_call: "sometimes" }), "function_call");
    rejects(() => thinking({ functions: [fn, { name: "" }] }), "functions[1]");
  });

  test("hostile reasoning fields: a 400 naming the param, never a 500", () => {
    const at = (m: Partial<ChatMessage>) => () => thinking({ reasoning_effort: "low" }, [...user, { role: "assistant", content: "x", ...m } as ChatMessage]);
    rejects(at({ reasoning_details: "abc" }), "messages[1].reasoning_details");
    rejects(at({ reasoning_details: [null] }), "messages[1].reasoning_details[0]");
    rejects(at({ reasoning_details: [[1]] }), "messages[1].reasoning_details[0]");
    rejects(at({ reasoning_details: [{ type: "reasoning.text", text: 5, signature: "s" }] }), "messages[1].reasoning_details[0].text");
    rejects(at({ reasoning_details: [{ type: "reasoning.text", text: "t", signature: {} }] }), "messages[1].reasoning_details[0].signature");
    rejects(at({ reasoning_details: [{ type: "reasoning.encrypted", data: 1 }] }), "messages[1].reasoning_details[0].data");
    rejects(at({ reasoning_signature: 7 }), "messages[1].reasoning_signature");
    rejects(at({ reasoning_signature: "s", reasoning_content: ["x"] }), "messages[1].reasoning_content");
  });
});
