// The Responses API codecs, driven directly: request → chat request (and the 400s), chat
// completion → Response object, chat chunks → typed stream events, which the official openai SDK's
// `responses.stream()` helper consumes from a tiny server.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { accumulateResponse } from "openai/lib/responses/ResponseAccumulator";
import type { Response as SdkResponse, ResponseStreamEvent } from "openai/resources/responses/responses";
import { GatewayError, errors } from "../../src/core/errors.ts";
import type { ChatCompletion, ChatCompletionChunk, ChatMessage, Usage } from "../../src/core/openai-types.ts";
import { itemsToMessages, parseResponsesRequest, withHistory } from "../../src/server/ingress/responses/request.ts";
import { responseId, toResponse, toResponsesUsage, type ResponseContext } from "../../src/server/ingress/responses/response.ts";
import { ResponsesStreamEncoder } from "../../src/server/ingress/responses/stream.ts";
import type { ResponseItem, ResponseObject } from "../../src/server/ingress/responses/types.ts";
import { loadText, parseSse } from "../support/index.ts";

type Obj = Record<string, unknown>;

const SIGNED = [
  { type: "reasoning.text", text: "Let me think.", signature: "sig-abc", format: "anthropic-claude-v1" },
  { type: "reasoning.encrypted", data: "redacted-bytes", format: "anthropic-claude-v1" },
];

function ctxFor(body: Obj = { model: "claude-x", input: "hi" }): ResponseContext {
  const p = parseResponsesRequest(body);
  return { id: responseId(), createdAt: 1_700_000_000, model: body.model as string, echo: p.echo, previousResponseId: p.previousResponseId, store: p.store, instructions: p.instructions };
}

function completion(message: Obj, finish: ChatCompletion["choices"][number]["finish_reason"], usage?: Usage): ChatCompletion {
  return { id: "chatcmpl-1", object: "chat.completion", created: 1, model: "up", choices: [{ index: 0, message: { role: "assistant", content: null, ...message }, finish_reason: finish }], usage };
}

const USAGE: Usage = { prompt_tokens: 20, completion_tokens: 7, total_tokens: 27, prompt_tokens_details: { cached_tokens: 5 }, completion_tokens_details: { reasoning_tokens: 3 } };

function chunk(delta: Obj, finish: ChatCompletionChunk["choices"][number]["finish_reason"] = null, usage?: Usage): ChatCompletionChunk {
  return { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "up", choices: usage && Object.keys(delta).length === 0 && finish === null ? [] : [{ index: 0, delta, finish_reason: finish }], usage: usage ?? null };
}

function encode(chunks: readonly ChatCompletionChunk[], ctx = ctxFor(), fail?: GatewayError): { text: string; encoder: ResponsesStreamEncoder } {
  const encoder = new ResponsesStreamEncoder(ctx);
  let text = "";
  for (const c of chunks) text += encoder.chunk({ type: "chunk", chunk: c });
  if (fail) text += encoder.error(fail) + encoder.end("error");
  else text += encoder.end("done");
  return { text, encoder };
}

function events(text: string): Array<Obj & { type: string; sequence_number: number }> {
  return parseSse(text).map((e) => {
    const data = JSON.parse(e.data) as Obj & { type: string; sequence_number: number };
    expect(data.type).toBe(e.event!);
    return data;
  });
}

const fixtureChunks = (file: string): ChatCompletionChunk[] =>
  parseSse(loadText("openai", file)).filter((e) => e.data !== "[DONE]").map((e) => JSON.parse(e.data) as ChatCompletionChunk);

/** Item ids are random: compared by their prefix. */
function sameIds<T>(v: T): T {
  return JSON.parse(JSON.stringify(v), (k, x) => (k === "id" && typeof x === "string" && /^(rs|msg|fc)_/.test(x) ? x.slice(0, x.indexOf("_")) : x)) as T;
}

function expect400(body: Obj, param: string, message?: RegExp): void {
  let caught: unknown;
  try {
    parseResponsesRequest(body);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(GatewayError);
  const err = caught as GatewayError;
  expect({ kind: err.kind, status: err.status, param: err.param }).toEqual({ kind: "invalid_request", status: 400, param });
  if (message) expect(err.message).toMatch(message);
}

describe("request", () => {
  test("a string input: instructions first as a system message, then one user message; OpenAI's defaults echoed", () => {
    const p = parseResponsesRequest({ model: "m", input: "Hello", instructions: "Be brief." });
    expect(p.chat).toEqual({ model: "m", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hello" }] });
    expect(p.input).toEqual([{ type: "message", role: "user", content: [{ type: "input_text", text: "Hello" }] }]);
    expect({ instructions: p.instructions, store: p.store, previous: p.previousResponseId }).toEqual({ instructions: "Be brief.", store: true, previous: undefined });
    expect(p.echo).toEqual({
      tools: [], tool_choice: "auto", text: { format: { type: "text" } }, reasoning: { effort: null, summary: null }, temperature: 1, top_p: 1,
      max_output_tokens: null, parallel_tool_calls: true, metadata: {}, user: null, truncation: "disabled", safety_identifier: null,
      prompt_cache_key: null, service_tier: "auto",
    });
  });

  test("settings: tools, tool_choice, json_schema, effort, max_output_tokens, sampling, stream; metadata echoed and not sent; unknown fields ignored", () => {
    const schema = { type: "object", properties: { a: { type: "string" } } };
    const p = parseResponsesRequest({
      model: "m", input: "x", store: false, stream: true, temperature: 0.2, top_p: 0.9, max_output_tokens: 300, parallel_tool_calls: false, user: "u1",
      safety_identifier: "s1", prompt_cache_key: "k1", service_tier: "flex", metadata: { team: "a" }, include: ["reasoning.encrypted_content"], truncation: "auto",
      tools: [{ type: "function", name: "get", description: "Get it", parameters: schema, strict: true }, { type: "function", name: "bare" }],
      tool_choice: { type: "function", name: "get" }, text: { format: { type: "json_schema", name: "out", schema, strict: true, description: "d" }, verbosity: "low" },
      reasoning: { effort: "high", summary: "auto" }, some_future_field: { anything: 1 },
    });
    expect(p.chat).toEqual({
      model: "m", messages: [{ role: "user", content: "x" }], stream: true, stream_options: { include_usage: true }, temperature: 0.2, top_p: 0.9,
      max_completion_tokens: 300, parallel_tool_calls: false, user: "u1", reasoning_effort: "high",
      tools: [{ type: "function", function: { name: "get", description: "Get it", parameters: schema, strict: true } }, { type: "function", function: { name: "bare" } }],
      tool_choice: { type: "function", function: { name: "get" } },
      response_format: { type: "json_schema", json_schema: { name: "out", schema, strict: true, description: "d" } },
    });
    expect(p.store).toBe(false);
    expect(p.echo.tools[1]).toEqual({ type: "function", name: "bare", description: null, parameters: null, strict: null });
    expect(p.echo).toMatchObject({ metadata: { team: "a" }, truncation: "auto", reasoning: { effort: "high", summary: "auto" }, service_tier: "flex", safety_identifier: "s1", prompt_cache_key: "k1", parallel_tool_calls: false, max_output_tokens: 300 });
    expect(parseResponsesRequest({ model: "m", input: "x", text: { format: { type: "json_object" } }, tool_choice: "none" }).chat.response_format).toEqual({ type: "json_object" });
  });

  test("items: developer and system become system; user parts become chat parts (image detail 'original' left to the provider)", () => {
    const p = parseResponsesRequest({
      model: "m",
      input: [
        { role: "developer", content: "Rules." },
        { type: "message", role: "system", content: [{ type: "input_text", text: "More " }, { type: "input_text", text: "rules." }] },
        { role: "user", content: [
          { type: "input_text", text: "Look:" },
          { type: "input_image", image_url: "https://example.com/a.png", detail: "high" },
          { type: "input_image", image_url: "data:image/png;base64,AAAA", detail: "original" },
          { type: "input_file", file_data: "data:application/pdf;base64,JVBE", filename: "a.pdf" },
        ] },
      ],
    });
    expect(p.chat.messages).toEqual([
      { role: "system", content: "Rules." },
      { role: "system", content: "More rules." },
      { role: "user", content: [
        { type: "text", text: "Look:" },
        { type: "image_url", image_url: { url: "https://example.com/a.png", detail: "high" } },
        { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
        { type: "file", file: { file_data: "data:application/pdf;base64,JVBE", filename: "a.pdf" } },
      ] },
    ]);
  });

  test("a run of reasoning, assistant text and function calls is one assistant message (reasoning, text, calls in order); outputs are tool messages", () => {
    const p = parseResponsesRequest({
      model: "m",
      input: [
        { role: "user", content: "Weather?" },
        { type: "reasoning", id: "rs_1", summary: [{ type: "summary_text", text: "Need tools." }] },
        { type: "message", role: "assistant", id: "msg_1", status: "completed", content: [{ type: "output_text", text: "Checking.", annotations: [] }] },
        { type: "function_call", id: "fc_1", call_id: "call_a", name: "get", arguments: "{\"c\":\"Paris\"}", status: "completed" },
        { type: "function_call", call_id: "call_b", name: "get", arguments: "{\"c\":\"Rome\"}" },
        { type: "function_call_output", call_id: "call_a", output: "sunny" },
        { type: "function_call_output", call_id: "call_b", output: [{ type: "input_text", text: "rain" }, { type: "input_image", image_url: "https://x/y.png" }] },
        { role: "assistant", content: [{ type: "refusal", refusal: "No." }] },
      ],
    });
    expect(p.chat.messages).toEqual([
      { role: "user", content: "Weather?" },
      {
        role: "assistant", content: "Checking.", reasoning_content: "Need tools.",
        tool_calls: [
          { id: "call_a", type: "function", function: { name: "get", arguments: "{\"c\":\"Paris\"}" } },
          { id: "call_b", type: "function", function: { name: "get", arguments: "{\"c\":\"Rome\"}" } },
        ],
      },
      { role: "tool", tool_call_id: "call_a", content: "sunny" },
      { role: "tool", tool_call_id: "call_b", content: [{ type: "text", text: "rain" }, { type: "image_url", image_url: { url: "https://x/y.png" } }] },
      { role: "assistant", content: "No." },
    ]);
  });

  test("function calls without text: content null", () => {
    const messages = itemsToMessages([{ type: "function_call", call_id: "c", name: "f", arguments: "{}" }]);
    expect(messages).toEqual([{ role: "assistant", content: null, tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{}" } }] }]);
  });

  test("hosted tools are collected in `dropped`, not sent; namespace functions are flat `<namespace>__<name>` chat tools", () => {
    const p = parseResponsesRequest({
      model: "m", input: "x",
      tools: [
        { type: "web_search", external_web_access: false }, { type: "function", name: "f" }, { type: "file_search" }, { type: "web_search" },
        { type: "namespace", name: "agents", description: "d", tools: [{ type: "function", name: "spawn", parameters: { type: "object" } }] },
      ],
      tool_choice: { type: "function", name: "spawn", namespace: "agents" },
    });
    expect(p.dropped).toEqual(["web_search", "file_search"]);
    expect(p.chat.tools!.map((t) => t.function.name)).toEqual(["f", "agents__spawn"]);
    expect(p.chat.tool_choice).toEqual({ type: "function", function: { name: "agents__spawn" } });
    expect(p.echo.tools.map((t) => t.type)).toEqual(["function", "namespace"]);
    const history = itemsToMessages([{ type: "function_call", call_id: "c", name: "spawn", namespace: "agents", arguments: "{}" }]);
    expect(history[0]!.tool_calls![0]!.function.name).toBe("agents__spawn");
  });

  test("a namespaced call comes back naming its namespace; a name that only looks namespaced does not", () => {
    const echo = parseResponsesRequest({ model: "m", input: "x", tools: [{ type: "namespace", name: "agents", tools: [{ type: "function", name: "spawn" }] }, { type: "function", name: "agents__other" }] }).echo;
    const answer = (name: string): ChatCompletion => ({
      id: "c", object: "chat.completion", created: 1, model: "m",
      choices: [{ index: 0, finish_reason: "tool_calls", message: { role: "assistant", content: null, tool_calls: [{ id: "t", type: "function", function: { name, arguments: "{}" } }] } }],
    } as ChatCompletion);
    const context: ResponseContext = { id: "resp_x", createdAt: 1, model: "m", echo, previousResponseId: undefined, store: false, instructions: undefined };
    expect(toResponse(answer("agents__spawn"), context).output[0]).toMatchObject({ type: "function_call", name: "spawn", namespace: "agents" });
    const plain = toResponse(answer("agents__other"), context).output[0] as { name: string; namespace?: string };
    expect(plain.name).toBe("agents__other");
    expect(plain.namespace).toBeUndefined();
  });

  test("previous_response_id without input is a continuation: only the instructions", () => {
    const p = parseResponsesRequest({ model: "m", previous_response_id: "resp_1", instructions: "Sys" });
    expect(p.chat.messages).toEqual([{ role: "system", content: "Sys" }]);
    expect({ input: p.input, prev: p.previousResponseId }).toEqual({ input: [], prev: "resp_1" });
  });

  test("withHistory: earlier turns go after this turn's instructions and before its input", () => {
    const history: ChatMessage[] = [{ role: "user", content: "Q1" }, { role: "assistant", content: "A1" }];
    const p = parseResponsesRequest({ model: "m", instructions: "Sys", input: "Q2", previous_response_id: "resp_1" });
    expect(withHistory(p, history).messages).toEqual([{ role: "system", content: "Sys" }, ...history, { role: "user", content: "Q2" }]);
    expect(withHistory(parseResponsesRequest({ model: "m", input: "Q2", previous_response_id: "resp_1" }), history).messages).toEqual([...history, { role: "user", content: "Q2" }]);
    expect(p.chat.messages).toHaveLength(2);
  });

  test("signed thinking round trip: answer → reasoning item with our encrypted_content → the same reasoning_details next turn; foreign or damaged content is ignored", () => {
    const answer = toResponse(completion({ content: "Done.", reasoning_content: "Let me think.", reasoning_details: SIGNED, tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: "{}" } }] }, "tool_calls"), ctxFor());
    const rs = answer.output[0] as unknown as Obj;
    expect(rs.type).toBe("reasoning");
    expect(rs.encrypted_content).toMatch(/^btr1\.[A-Za-z0-9_-]+$/);
    const history = itemsToMessages([{ type: "message", role: "user", content: "go" }, ...(answer.output as ResponseItem[]), { type: "function_call_output", call_id: "call_1", output: "ok" }]);
    expect(history[1]).toEqual({
      role: "assistant", content: "Done.", reasoning_content: "Let me think.", reasoning_details: SIGNED,
      tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: "{}" } }],
    });
    // The same through parseResponsesRequest, as a client sends the items back.
    const again = parseResponsesRequest({ model: "m", input: JSON.parse(JSON.stringify([...answer.output, { type: "function_call_output", call_id: "call_1", output: "ok" }])) });
    expect(again.chat.messages[0]).toEqual(history[1]!);
    for (const foreign of ["gAAAAABpZ-openai-encrypted", "btr1.%%%not-base64", "btr1." + Buffer.from("{\"not\":\"an array\"}").toString("base64url"), "btr1." + Buffer.from("[1,2]").toString("base64url")]) {
      const m = itemsToMessages([{ type: "reasoning", id: "rs_x", summary: [{ type: "summary_text", text: "t" }], encrypted_content: foreign }]);
      expect(m).toEqual([{ role: "assistant", content: "", reasoning_content: "t" }]);
    }
  });

  test("reasoning content (reasoning_text) is preferred over the summary as reasoning_content", () => {
    const m = itemsToMessages([{ type: "reasoning", id: "r", summary: [{ type: "summary_text", text: "short" }], content: [{ type: "reasoning_text", text: "full" }] }, { type: "message", role: "assistant", content: "A" }]);
    expect(m).toEqual([{ role: "assistant", content: "A", reasoning_content: "full" }]);
  });

  const base = { model: "m", input: "x" };
  const cases: Array<[string, Obj, string, RegExp?]> = [
    ["model missing", { input: "x" }, "model"],
    ["model not a string", { model: 5, input: "x" }, "model"],
    ["model empty", { model: "", input: "x" }, "model"],
    ["input missing", { model: "m" }, "input"],
    ["input a number", { model: "m", input: 5 }, "input"],
    ["input an empty array", { model: "m", input: [] }, "input"],
    ["an item that is not an object", { model: "m", input: ["hi"] }, "input[0]"],
    ["an item without type or role", { model: "m", input: [{ content: "x" }] }, "input[0].type"],
    ["item_reference", { model: "m", input: [{ type: "item_reference", id: "msg_1" }] }, "input[0].type", /item_reference/],
    ["web_search_call", { model: "m", input: [{ role: "user", content: "x" }, { type: "web_search_call", id: "ws", status: "completed" }] }, "input[1].type", /web_search_call/],
    ["computer_call", { model: "m", input: [{ type: "computer_call" }] }, "input[0].type", /computer_call/],
    ["custom_tool_call_output", { model: "m", input: [{ type: "custom_tool_call_output", call_id: "c", output: "x" }] }, "input[0].type", /custom_tool_call_output/],
    ["mcp_call", { model: "m", input: [{ type: "mcp_call" }] }, "input[0].type", /mcp_call/],
    ["local_shell_call", { model: "m", input: [{ type: "local_shell_call" }] }, "input[0].type", /local_shell_call/],
    ["a role the API lacks", { model: "m", input: [{ role: "tool", content: "x" }] }, "input[0].role"],
    ["message without content", { model: "m", input: [{ role: "user" }] }, "input[0].content"],
    ["content parts not an array", { model: "m", input: [{ role: "user", content: { type: "input_text" } }] }, "input[0].content"],
    ["a part that is null", { model: "m", input: [{ role: "user", content: [null] }] }, "input[0].content[0]"],
    ["input_text without text", { model: "m", input: [{ role: "user", content: [{ type: "input_text" }] }] }, "input[0].content[0].text"],
    ["an image by file_id", { model: "m", input: [{ role: "user", content: [{ type: "input_image", file_id: "file-1" }] }] }, "input[0].content[0].file_id", /file_id not supported/],
    ["an image by ftp", { model: "m", input: [{ role: "user", content: [{ type: "input_image", image_url: "ftp://x" }] }] }, "input[0].content[0].image_url"],
    ["a file by file_id", { model: "m", input: [{ role: "user", content: [{ type: "input_file", file_id: "file-1" }] }] }, "input[0].content[0].file_id"],
    ["a file by URL", { model: "m", input: [{ role: "user", content: [{ type: "input_file", file_url: "https://x/a.pdf" }] }] }, "input[0].content[0].file_url"],
    ["file_data not a data URL", { model: "m", input: [{ role: "user", content: [{ type: "input_file", file_data: "JVBE" }] }] }, "input[0].content[0].file_data"],
    ["output_text in a user message", { model: "m", input: [{ role: "user", content: [{ type: "output_text", text: "x" }] }] }, "input[0].content[0].type"],
    ["an image in a system message", { model: "m", input: [{ role: "system", content: [{ type: "input_image", image_url: "https://x/y.png" }] }] }, "input[0].content"],
    ["an image in an assistant message", { model: "m", input: [{ role: "assistant", content: [{ type: "input_image", image_url: "https://x/y.png" }] }] }, "input[0].content[0].type"],
    ["function_call without call_id", { model: "m", input: [{ type: "function_call", name: "f", arguments: "{}" }] }, "input[0].call_id"],
    ["function_call arguments as an object", { model: "m", input: [{ type: "function_call", call_id: "c", name: "f", arguments: {} }] }, "input[0].arguments"],
    ["function_call_output output a number", { model: "m", input: [{ type: "function_call_output", call_id: "c", output: 5 }] }, "input[0].output"],
    ["function_call_output without output", { model: "m", input: [{ type: "function_call_output", call_id: "c" }] }, "input[0].output"],
    ["reasoning summary of the wrong type", { model: "m", input: [{ type: "reasoning", id: "r", summary: [{ type: "reasoning_text", text: "x" }] }] }, "input[0].summary[0].type"],
    ["reasoning encrypted_content a number", { model: "m", input: [{ type: "reasoning", id: "r", summary: [], encrypted_content: 5 }] }, "input[0].encrypted_content"],
    ["instructions a number", { ...base, instructions: 5 }, "instructions"],
    ["tools not an array", { ...base, tools: {} }, "tools"],
    ["a namespace without tools", { ...base, tools: [{ type: "namespace", name: "ns" }] }, "tools[0].tools"],
    ["a namespace holding a hosted tool", { ...base, tools: [{ type: "namespace", name: "ns", tools: [{ type: "web_search" }] }] }, "tools[0].tools[0].type"],
    ["a namespace name with a dot", { ...base, tools: [{ type: "namespace", name: "a.b", tools: [] }] }, "tools[0].name"],
    ["a custom tool", { ...base, tools: [{ type: "function", name: "f" }, { type: "custom", name: "g" }] }, "tools[1].type", /custom/],
    ["a function tool without name", { ...base, tools: [{ type: "function" }] }, "tools[0].name"],
    ["a function tool with parameters an array", { ...base, tools: [{ type: "function", name: "f", parameters: [] }] }, "tools[0].parameters"],
    ["tool_choice unknown string", { ...base, tool_choice: "any" }, "tool_choice"],
    ["tool_choice a hosted tool", { ...base, tools: [{ type: "function", name: "f" }], tool_choice: { type: "web_search_preview" } }, "tool_choice.type"],
    ["tool_choice required without tools", { ...base, tool_choice: "required" }, "tool_choice"],
    ["text.format unknown", { ...base, text: { format: { type: "xml" } } }, "text.format.type"],
    ["json_schema without schema", { ...base, text: { format: { type: "json_schema", name: "n" } } }, "text.format.schema"],
    ["json_schema without name", { ...base, text: { format: { type: "json_schema", schema: {} } } }, "text.format.name"],
    ["text a string", { ...base, text: "json" }, "text"],
    ["reasoning a string", { ...base, reasoning: "high" }, "reasoning"],
    ["reasoning.effort unknown", { ...base, reasoning: { effort: "max" } }, "reasoning.effort"],
    ["reasoning.summary unknown", { ...base, reasoning: { summary: "long" } }, "reasoning.summary"],
    ["max_output_tokens 0", { ...base, max_output_tokens: 0 }, "max_output_tokens"],
    ["max_output_tokens fractional", { ...base, max_output_tokens: 1.5 }, "max_output_tokens"],
    ["max_output_tokens a string", { ...base, max_output_tokens: "10" }, "max_output_tokens"],
    ["temperature a string", { ...base, temperature: "hot" }, "temperature"],
    ["top_p a string", { ...base, top_p: "1" }, "top_p"],
    ["parallel_tool_calls a string", { ...base, parallel_tool_calls: "yes" }, "parallel_tool_calls"],
    ["store a string", { ...base, store: "no" }, "store"],
    ["stream a number", { ...base, stream: 1 }, "stream"],
    ["include a string", { ...base, include: "x" }, "include"],
    ["include of numbers", { ...base, include: [1] }, "include"],
    ["truncation unknown", { ...base, truncation: "sometimes" }, "truncation"],
    ["previous_response_id a number", { ...base, previous_response_id: 5 }, "previous_response_id"],
    ["metadata a string", { ...base, metadata: "x" }, "metadata"],
    ["metadata value a number", { ...base, metadata: { a: 1 } }, "metadata.a"],
    ["user a number", { ...base, user: 5 }, "user"],
    ["service_tier a number", { ...base, service_tier: 3 }, "service_tier"],
    ["background", { ...base, background: true }, "background", /Background/],
    ["conversation", { ...base, conversation: "conv_1" }, "conversation", /previous_response_id/],
    ["prompt templates", { ...base, prompt: { id: "pmpt_1" } }, "prompt"],
  ];
  for (const [name, body, param, message] of cases) test(`400: ${name} (param ${param})`, () => expect400(body, param, message));

  test("null means not given, as OpenAI reads it", () => {
    const p = parseResponsesRequest({ model: "m", input: "x", tools: null, tool_choice: null, temperature: null, text: null, reasoning: null, metadata: null, instructions: null, background: false });
    expect(p.chat).toEqual({ model: "m", messages: [{ role: "user", content: "x" }] });
  });
});

describe("response", () => {
  test("a text answer: the whole Response object, request settings echoed", () => {
    const ctx = ctxFor({ model: "claude-x", input: "hi", instructions: "Sys", metadata: { a: "b" }, max_output_tokens: 50, previous_response_id: "resp_prev", store: false });
    const r = toResponse(completion({ content: "Hello!" }, "stop", USAGE), ctx);
    expect(r).toEqual({
      id: ctx.id, object: "response", created_at: 1_700_000_000, status: "completed", background: false, error: null, incomplete_details: null,
      instructions: "Sys", max_output_tokens: 50, model: "claude-x",
      output: [{ type: "message", id: expect.stringMatching(/^msg_[0-9a-f]{48}$/), status: "completed", role: "assistant", content: [{ type: "output_text", text: "Hello!", annotations: [], logprobs: [] }] }],
      parallel_tool_calls: true, previous_response_id: "resp_prev", reasoning: { effort: null, summary: null }, safety_identifier: null, prompt_cache_key: null,
      service_tier: "auto", store: false, temperature: 1, text: { format: { type: "text" } }, tool_choice: "auto", tools: [], top_p: 1, truncation: "disabled",
      usage: { input_tokens: 20, input_tokens_details: { cached_tokens: 5 }, output_tokens: 7, output_tokens_details: { reasoning_tokens: 3 }, total_tokens: 27 },
      user: null, metadata: { a: "b" },
    });
  });

  test("output order: reasoning, message, one function_call per tool call in order; ids distinct", () => {
    const r = toResponse(completion({
      content: "Let me check.", reasoning_content: "Think.", reasoning_details: SIGNED,
      tool_calls: [{ id: "call_1", type: "function", function: { name: "a", arguments: "{\"x\":1}" } }, { id: "call_2", type: "function", function: { name: "b", arguments: "{}" } }],
    }, "tool_calls"), ctxFor());
    expect(sameIds(r.output)).toEqual([
      { id: "rs", type: "reasoning", summary: [{ type: "summary_text", text: "Think." }], encrypted_content: (r.output[0] as unknown as Obj).encrypted_content as string },
      { type: "message", id: "msg", status: "completed", role: "assistant", content: [{ type: "output_text", text: "Let me check.", annotations: [], logprobs: [] }] },
      { type: "function_call", id: "fc", call_id: "call_1", name: "a", arguments: "{\"x\":1}", status: "completed" },
      { type: "function_call", id: "fc", call_id: "call_2", name: "b", arguments: "{}", status: "completed" },
    ]);
    expect(new Set(r.output.map((o) => o.id)).size).toBe(4);
    expect(r.usage).toBeNull();
  });

  test("finish length → incomplete (max_output_tokens); content_filter → incomplete (content_filter); refusal → refusal part", () => {
    const cut = toResponse(completion({ content: "Hel" }, "length"), ctxFor());
    expect({ status: cut.status, details: cut.incomplete_details, item: (cut.output[0] as unknown as Obj).status }).toEqual({ status: "incomplete", details: { reason: "max_output_tokens" }, item: "incomplete" });
    const filtered = toResponse(completion({ content: null, refusal: "I can't help with that." }, "content_filter"), ctxFor());
    expect(filtered.incomplete_details).toEqual({ reason: "content_filter" });
    expect((filtered.output[0] as unknown as Obj).content).toEqual([{ type: "refusal", refusal: "I can't help with that." }]);
    expect(toResponse(completion({ content: "" }, "stop"), ctxFor()).output).toEqual([]);
  });

  test("usage: Responses names, cached and reasoning details, total from the parts when missing; none stays undefined", () => {
    expect(toResponsesUsage({ prompt_tokens: 4, completion_tokens: 6 } as Usage)).toEqual({ input_tokens: 4, input_tokens_details: { cached_tokens: 0 }, output_tokens: 6, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 10 });
    expect(toResponsesUsage(undefined)).toBeUndefined();
  });

  test("responseId: resp_ and 48 hex, unique", () => {
    const ids = new Set(Array.from({ length: 200 }, responseId));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(/^resp_[0-9a-f]{48}$/);
  });
});

describe("stream", () => {
  let server: ReturnType<typeof Bun.serve>;
  let body = "";
  let client: OpenAI;
  beforeAll(() => {
    server = Bun.serve({ port: 0, fetch: () => new Response(body, { headers: { "content-type": "text/event-stream" } }) });
    client = new OpenAI({ baseURL: `http://localhost:${server.port}/v1`, apiKey: "x", maxRetries: 0 });
  });
  afterAll(() => server.stop(true));

  /** The SDK's streaming helper reading the encoder's text: its events and final Response. */
  async function viaSdk(text: string): Promise<{ final: SdkResponse; seen: string[] }> {
    body = text;
    const stream = client.responses.stream({ model: "m", input: "hi" });
    const seen: string[] = [];
    stream.on("event", (e) => seen.push(e.type));
    return { final: await stream.finalResponse(), seen };
  }

  /**
   * Replays the events through the SDK's accumulator without the ones that carry whole items or the
   * whole Response (output_item.done, the terminal event): the added items and their deltas alone
   * must build the final output (statuses and encrypted_content, which only the done events carry, aside).
   */
  function incremental(text: string): unknown[] {
    let snapshot: SdkResponse | undefined;
    const all = events(text) as unknown as ResponseStreamEvent[];
    for (const e of all.slice(0, -1)) if (e.type !== "response.output_item.done") snapshot = accumulateResponse(e, snapshot);
    return withoutDoneFields(sameIds(snapshot!.output));
  }
  const withoutDoneFields = <T>(v: T): T => JSON.parse(JSON.stringify(v), (k, x) => (k === "status" || k === "encrypted_content" ? undefined : x)) as T;

  /** The SDK's finalResponse() adds `parsed` / `parsed_arguments` (its own parsing of text.format and tools): not on the wire. */
  const withoutSdkFields = <T>(v: T): T => JSON.parse(JSON.stringify(v), (k, x) => (k === "parsed" || k === "parsed_arguments" ? undefined : x)) as T;
  const comparable = (r: ResponseObject | SdkResponse) => withoutSdkFields(sameIds({ output: r.output, status: r.status, usage: r.usage, incomplete_details: r.incomplete_details }));

  test("stream.sse fixture: the event sequence, sequence numbers from 0, and the SDK's final Response equal to toResponse of the same answer", async () => {
    const ctx = ctxFor();
    const { text, encoder } = encode(fixtureChunks("stream.sse"), ctx);
    const evs = events(text);
    expect(evs.map((e) => e.type)).toEqual([
      "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added", "response.output_text.delta",
      "response.output_text.delta", "response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed",
    ]);
    expect(evs.map((e) => e.sequence_number)).toEqual(evs.map((_, i) => i));
    expect(evs[0]!.response).toMatchObject({ id: ctx.id, status: "in_progress", output: [], usage: null });
    expect(evs[3]).toMatchObject({ output_index: 0, content_index: 0, part: { type: "output_text", text: "", annotations: [] } });
    expect(evs[4]).toMatchObject({ delta: "Hello", logprobs: [], output_index: 0, content_index: 0, item_id: (evs[2]!.item as Obj).id as string });
    expect(evs[6]).toMatchObject({ text: "Hello!" });
    const expected = toResponse(completion({ content: "Hello!" }, "stop", { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } }), ctx);
    expect(sameIds(encoder.final)).toEqual(sameIds(expected));
    const { final, seen } = await viaSdk(text);
    expect(seen).toEqual(evs.map((e) => e.type));
    expect(comparable(final)).toEqual(comparable(expected));
    expect(final.output_text).toBe("Hello!");
    expect(incremental(text)).toEqual(withoutDoneFields(comparable(expected).output));
  });

  test("stream-tools.sse fixture: a function_call item with its argument deltas", async () => {
    const ctx = ctxFor();
    const { text, encoder } = encode(fixtureChunks("stream-tools.sse"), ctx);
    const evs = events(text);
    expect(evs.map((e) => e.type)).toEqual([
      "response.created", "response.in_progress", "response.output_item.added", ...Array(5).fill("response.function_call_arguments.delta"),
      "response.function_call_arguments.done", "response.output_item.done", "response.completed",
    ]);
    expect(evs[2]!.item).toEqual({ type: "function_call", id: expect.stringMatching(/^fc_/), call_id: "call_DdmO9pD3xa9XTPNJ32zg2hcA", name: "get_weather", arguments: "", status: "in_progress" });
    expect(evs[8]).toMatchObject({ arguments: "{\"location\":\"Paris\"}", name: "get_weather" });
    const expected = toResponse(completion({ tool_calls: [{ id: "call_DdmO9pD3xa9XTPNJ32zg2hcA", type: "function", function: { name: "get_weather", arguments: "{\"location\":\"Paris\"}" } }] }, "tool_calls",
      { prompt_tokens: 73, completion_tokens: 15, total_tokens: 88, prompt_tokens_details: { cached_tokens: 0 } }), ctx);
    expect(sameIds(encoder.final)).toEqual(sameIds(expected));
    const { final } = await viaSdk(text);
    expect(comparable(final)).toEqual(comparable(expected));
    expect(incremental(text)).toEqual(withoutDoneFields(comparable(expected).output));
  });

  // Anthropic-style: thinking deltas, then the signed block as one reasoning_details item, text, two calls whose pieces interleave.
  const thinkingThenTools = [
    chunk({ role: "assistant", reasoning_content: "Let me " }),
    chunk({ reasoning_content: "think." }),
    chunk({ reasoning_details: [SIGNED[0]] }),
    chunk({ reasoning_details: [SIGNED[1]] }),
    chunk({ content: "Checking " }),
    chunk({ content: "both." }),
    chunk({ tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "a", arguments: "" } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: "{\"x\":" } }] }),
    chunk({ tool_calls: [{ index: 1, id: "call_2", type: "function", function: { name: "b", arguments: "{}" } }] }),
    chunk({ tool_calls: [{ index: 0, function: { arguments: "1}" } }] }),
    chunk({}, "tool_calls"),
    chunk({}, null, USAGE),
  ];
  const thinkingThenToolsAnswer = completion({
    content: "Checking both.", reasoning_content: "Let me think.", reasoning_details: SIGNED,
    tool_calls: [{ id: "call_1", type: "function", function: { name: "a", arguments: "{\"x\":1}" } }, { id: "call_2", type: "function", function: { name: "b", arguments: "{}" } }],
  }, "tool_calls", USAGE);

  test("reasoning, text and interleaved calls: consecutive output indexes, SDK final = toResponse, and the items bring the signed thinking back", async () => {
    const ctx = ctxFor();
    const { text, encoder } = encode(thinkingThenTools, ctx);
    const evs = events(text);
    expect(evs.filter((e) => e.type === "response.output_item.added").map((e) => [e.output_index, (e.item as Obj).type])).toEqual([[0, "reasoning"], [1, "message"], [2, "function_call"], [3, "function_call"]]);
    expect(evs.filter((e) => e.type.startsWith("response.reasoning_summary")).map((e) => e.type)).toEqual([
      "response.reasoning_summary_part.added", "response.reasoning_summary_text.delta", "response.reasoning_summary_text.delta",
      "response.reasoning_summary_text.done", "response.reasoning_summary_part.done",
    ]);
    expect(evs.filter((e) => e.type === "response.function_call_arguments.delta").map((e) => [e.output_index, e.delta])).toEqual([[2, "{\"x\":"], [3, "{}"], [2, "1}"]]);
    const expected = toResponse(thinkingThenToolsAnswer, ctx);
    expect(sameIds(encoder.final)).toEqual(sameIds(expected));
    const { final } = await viaSdk(text);
    expect(comparable(final)).toEqual(comparable(expected));
    expect(incremental(text)).toEqual(withoutDoneFields(comparable(expected).output));
    const history = itemsToMessages(final.output as unknown as ResponseItem[]);
    expect(history).toEqual([{
      role: "assistant", content: "Checking both.", reasoning_content: "Let me think.", reasoning_details: SIGNED,
      tool_calls: [{ id: "call_1", type: "function", function: { name: "a", arguments: "{\"x\":1}" } }, { id: "call_2", type: "function", function: { name: "b", arguments: "{}" } }],
    } satisfies ChatMessage]);
  });

  test("finish length → response.incomplete with reason max_output_tokens", async () => {
    const ctx = ctxFor();
    const { text, encoder } = encode([chunk({ content: "Hel" }), chunk({}, "length"), chunk({}, null, USAGE)], ctx);
    expect(events(text).at(-1)!.type).toBe("response.incomplete");
    const expected = toResponse(completion({ content: "Hel" }, "length", USAGE), ctx);
    expect(sameIds(encoder.final)).toEqual(sameIds(expected));
    const { final } = await viaSdk(text);
    expect(comparable(final)).toEqual(comparable(expected));
  });

  test("a refusal streams as a refusal part", async () => {
    const ctx = ctxFor();
    const { text } = encode([chunk({ refusal: "I can't " }), chunk({ refusal: "help." }), chunk({}, "stop")], ctx);
    expect(events(text).filter((e) => e.type.startsWith("response.refusal")).map((e) => e.type)).toEqual(["response.refusal.delta", "response.refusal.delta", "response.refusal.done"]);
    const expected = comparable(toResponse(completion({ refusal: "I can't help." }, "stop"), ctx));
    const { final } = await viaSdk(text);
    expect(comparable(final)).toEqual(expected);
    expect(incremental(text)).toEqual(withoutDoneFields(expected.output));
  });

  test("an error mid-stream → response.failed (status failed, error code and message); end('error') adds nothing; no final", async () => {
    const { text, encoder } = encode([chunk({ content: "Par" })], ctxFor(), errors.streamInterrupted("anthropic", "connection reset"));
    const evs = events(text);
    const failed = evs.at(-1)!;
    expect(failed.type).toBe("response.failed");
    expect(evs.map((e) => e.sequence_number)).toEqual(evs.map((_, i) => i));
    expect(failed.response).toMatchObject({ status: "failed", error: { code: "server_error", message: expect.stringContaining("connection reset") } });
    expect(((failed.response as Obj).output as Obj[])[0]).toMatchObject({ type: "message", status: "incomplete", content: [{ type: "output_text", text: "Par" }] });
    expect(encoder.final).toBeUndefined();
    const { final } = await viaSdk(text);
    expect(final.status).toBe("failed");
    expect(final.error).toEqual({ code: "server_error", message: expect.stringContaining("connection reset") } as never);
  });

  test("an error before any chunk still opens with response.created; a 429 is rate_limit_exceeded", () => {
    const err = errors.upstream("anthropic", 429, "Slow down.");
    const evs = events(encode([], ctxFor(), err).text);
    expect(evs.map((e) => e.type)).toEqual(["response.created", "response.in_progress", "response.failed"]);
    expect((evs[2]!.response as Obj).error).toEqual({ code: "rate_limit_exceeded", message: "Slow down." });
  });

  test("an empty stream completes with no output; final is the Response", async () => {
    const { text, encoder } = encode([]);
    expect(events(text).map((e) => e.type)).toEqual(["response.created", "response.in_progress", "response.completed"]);
    expect(encoder.final).toMatchObject({ status: "completed", output: [] });
    const { final } = await viaSdk(text);
    expect(final.output).toEqual([]);
  });

  test("reasoning details that arrive during the text (a Gemini text signature) go out as a last reasoning item and come back into the same assistant message", async () => {
    const detail = { type: "reasoning.encrypted", data: "gemini-sig", format: "google-gemini-v1" };
    const { text } = encode([chunk({ content: "Hi" }), chunk({ content: "!", reasoning_details: [detail] }), chunk({}, "stop")]);
    const { final } = await viaSdk(text);
    expect(final.output.map((o) => o.type)).toEqual(["message", "reasoning"]);
    expect(itemsToMessages(final.output as unknown as ResponseItem[])).toEqual([{ role: "assistant", content: "Hi!", reasoning_details: [detail] }]);
  });

  test("a natively relayed event's SSE text is written as it came, and nothing is added at the end", () => {
    const encoder = new ResponsesStreamEncoder(ctxFor());
    const sse = "event: response.created\ndata: {\"type\":\"response.created\"}\n\n";
    expect(encoder.chunk({ type: "chunk", chunk: chunk({}), sse })).toBe(sse);
    expect(encoder.end("done")).toBe("");
  });
});
