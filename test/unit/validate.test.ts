import { describe, expect, test } from "bun:test";
import { GatewayError } from "../../src/core/errors.ts";
import { validateChat, validateEmbeddings } from "../../src/server/validate.ts";

const user = { role: "user", content: "hi" };
const chat = (extra: Record<string, unknown>) => ({ model: "openai/gpt-4o-mini", messages: [user], ...extra });

/** The 400 a body gets, as { param } (the message is for people; tests look at param). */
function refusal(run: () => unknown): { status: number; param: string | null } {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    const e = err as GatewayError;
    expect(e.kind).toBe("invalid_request");
    return { status: e.status, param: e.param };
  }
  throw new Error("expected a 400");
}

const chatParam = (body: Record<string, unknown>) => refusal(() => validateChat(body)).param;

describe("chat: the defects' payloads", () => {
  test("content: [null] → messages[0].content[0]", () => {
    expect(chatParam({ model: "m", messages: [{ role: "user", content: [null] }] })).toBe("messages[0].content[0]");
  });
  test("tools: [null] → tools[0]", () => {
    expect(chatParam(chat({ tools: [null] }))).toBe("tools[0]");
  });
  test("tool_calls: 5 → messages[1].tool_calls", () => {
    expect(chatParam({ model: "m", messages: [user, { role: "assistant", content: null, tool_calls: 5 }] })).toBe("messages[1].tool_calls");
  });
});

describe("chat: every field the translators read is typed, and param names it like OpenAI", () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ["content part without a string type", { messages: [{ role: "user", content: [{ text: "x" }] }] }, "messages[0].content[0].type"],
    ["content part with a numeric type", { messages: [{ role: "user", content: [{ type: 1 }] }] }, "messages[0].content[0].type"],
    ["second part broken", { messages: [{ role: "user", content: [{ type: "text", text: "a" }, { type: 7 }] }] }, "messages[0].content[1].type"],
    ["text part with a number", { messages: [{ role: "user", content: [{ type: "text", text: 5 }] }] }, "messages[0].content[0].text"],
    ["image_url as a string", { messages: [{ role: "user", content: [{ type: "image_url", image_url: "http://x" }] }] }, "messages[0].content[0].image_url"],
    ["image_url.url missing", { messages: [{ role: "user", content: [{ type: "image_url", image_url: {} }] }] }, "messages[0].content[0].image_url.url"],
    ["input_audio.data not a string", { messages: [{ role: "user", content: [{ type: "input_audio", input_audio: { data: 1, format: "wav" } }] }] }, "messages[0].content[0].input_audio.data"],
    ["file.file_data not a string", { messages: [{ role: "user", content: [{ type: "file", file: { file_data: [] } }] }] }, "messages[0].content[0].file.file_data"],
    ["content a number", { messages: [{ role: "user", content: 42 }] }, "messages[0].content"],
    ["message null", { messages: [null] }, "messages[0]"],
    ["role unknown", { messages: [{ role: "wizard", content: "x" }] }, "messages[0].role"],
    ["name not a string", { messages: [{ role: "user", content: "x", name: 3 }] }, "messages[0].name"],
    ["tool message without tool_call_id", { messages: [{ role: "tool", content: "x" }] }, "messages[0].tool_call_id"],
    ["tool_call_id a number", { messages: [{ role: "tool", content: "x", tool_call_id: 1 }] }, "messages[0].tool_call_id"],
    ["tool_calls [null]", { messages: [{ role: "assistant", tool_calls: [null] }] }, "messages[0].tool_calls[0]"],
    ["tool call without id", { messages: [{ role: "assistant", tool_calls: [{ type: "function", function: { name: "f", arguments: "{}" } }] }] }, "messages[0].tool_calls[0].id"],
    ["tool call function.name a number", { messages: [{ role: "assistant", tool_calls: [{ id: "c", type: "function", function: { name: 1, arguments: "{}" } }] }] }, "messages[0].tool_calls[0].function.name"],
    ["tool call arguments an object", { messages: [{ role: "assistant", tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: {} } }] }] }, "messages[0].tool_calls[0].function.arguments"],
    ["tool call of an unknown type", { messages: [{ role: "assistant", tool_calls: [{ id: "c", type: "magic" }] }] }, "messages[0].tool_calls[0].type"],
    ["tools an object", { tools: {} }, "tools"],
    ["tool without function", { tools: [{ type: "function" }] }, "tools[0].function"],
    ["tool with an empty name", { tools: [{ type: "function", function: { name: "" } }] }, "tools[0].function.name"],
    ["tool parameters an array", { tools: [{ type: "function", function: { name: "f", parameters: [] } }] }, "tools[0].function.parameters"],
    ["tool type missing", { tools: [{ function: { name: "f" } }] }, "tools[0].type"],
    ["tool_choice unknown string", { tool_choice: "always" }, "tool_choice"],
    ["tool_choice a number", { tool_choice: 1 }, "tool_choice"],
    ["tool_choice function without a name", { tool_choice: { type: "function", function: {} } }, "tool_choice.function.name"],
    ["stop a number", { stop: 1 }, "stop"],
    ["stop with a number inside", { stop: ["a", 2] }, "stop[1]"],
    ["response_format a string", { response_format: "json" }, "response_format"],
    ["response_format unknown type", { response_format: { type: "xml" } }, "response_format.type"],
    ["json_schema without name", { response_format: { type: "json_schema", json_schema: { schema: {} } } }, "response_format.json_schema.name"],
    ["json_schema.schema an array", { response_format: { type: "json_schema", json_schema: { name: "x", schema: [] } } }, "response_format.json_schema.schema"],
    ["stream_options a string", { stream_options: "yes" }, "stream_options"],
    ["include_usage a string", { stream_options: { include_usage: "yes" } }, "stream_options.include_usage"],
    ["n zero", { n: 0 }, "n"],
    ["n fractional", { n: 1.5 }, "n"],
    ["max_tokens fractional", { max_tokens: 10.5 }, "max_tokens"],
    ["temperature a string", { temperature: "hot" }, "temperature"],
    ["stream a string", { stream: "true" }, "stream"],
    ["parallel_tool_calls a string", { parallel_tool_calls: "no" }, "parallel_tool_calls"],
    ["user a number", { user: 1 }, "user"],
    ["logit_bias an array", { logit_bias: [] }, "logit_bias"],
    ["model a number", { model: 5 }, "model"],
  ];
  test.each(cases)("%s", (_name, extra, param) => {
    const r = refusal(() => validateChat(chat(extra)));
    expect(r).toEqual({ status: 400, param });
  });

  test("a well-formed request passes, and null optional fields are removed", () => {
    const body = chat({
      messages: [
        { role: "system", content: "s" },
        { role: "user", content: [{ type: "text", text: "a" }, { type: "image_url", image_url: { url: "data:image/png;base64,AA", detail: "low" } }] },
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "c1", content: "ok" },
      ],
      tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }],
      tool_choice: null, stop: null, temperature: null, stream_options: null, response_format: { type: "json_object" },
    });
    const out = validateChat(body);
    expect("tool_choice" in out).toBe(false);
    expect("stop" in out).toBe(false);
    expect("temperature" in out).toBe(false);
    expect(out.response_format).toEqual({ type: "json_object" });
  });

  test("unknown part types and unknown fields pass through (the provider judges them)", () => {
    expect(() => validateChat(chat({ messages: [{ role: "user", content: [{ type: "document", anything: 1 }] }], vendor_extension: { a: 1 } }))).not.toThrow();
  });
});

describe("embeddings", () => {
  const embed = (extra: Record<string, unknown>) => ({ model: "openai/text-embedding-3-small", input: "x", ...extra });
  test.each([
    ["input a number", { input: 5 }, "input"],
    ["input empty", { input: [] }, "input"],
    ["input [null]", { input: [null] }, "input[0]"],
    ["strings then a number", { input: ["a", 1] }, "input[1]"],
    ["token ids then a string", { input: [1, "a"] }, "input[1]"],
    ["token arrays with a string", { input: [[1, 2], [3, "x"]] }, "input[1][1]"],
    ["an empty token array", { input: [[1], []] }, "input[1]"],
    ["fractional token id", { input: [1.5] }, "input[0]"],
    ["encoding_format unknown", { encoding_format: "hex" }, "encoding_format"],
    ["dimensions a string", { dimensions: "256" }, "dimensions"],
    ["dimensions zero", { dimensions: 0 }, "dimensions"],
    ["user a number", { user: 1 }, "user"],
  ] as Array<[string, Record<string, unknown>, string]>)("%s", (_name, extra, param) => {
    expect(refusal(() => validateEmbeddings(embed(extra)))).toEqual({ status: 400, param });
  });

  test("strings, token ids and token arrays pass", () => {
    for (const input of ["x", ["a", "b"], [1, 2, 3], [[1, 2], [3]]]) expect(() => validateEmbeddings(embed({ input }))).not.toThrow();
  });
});
