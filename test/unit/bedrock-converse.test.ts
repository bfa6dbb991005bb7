// Bedrock Converse translation, unit level: toConverse (request), fromConverse (answer) and the
// ConverseStream mapper, without HTTP. The contract suite covers the same paths end to end.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import type { ChatCompletionRequest } from "../../src/core/openai-types.ts";
import type { StreamEvent } from "../../src/core/stream-event.ts";
import { GatewayError } from "../../src/core/errors.ts";
import { toConverse } from "../../src/providers/bedrock/converse-request.ts";
import { fromConverse, mapUsage } from "../../src/providers/bedrock/converse-response.ts";
import { converseStream } from "../../src/providers/bedrock/converse-stream.ts";
import { converseEvent, encodeEventStream, type EncodableMessage } from "../support/event-stream-encoder.ts";
import { testReads } from "../support/reads.ts";

const CLAUDE = "anthropic.claude-3-5-sonnet-20240620-v1:0";

async function streamed(messages: EncodableMessage[], jsonTool = false): Promise<StreamEvent[]> {
  const parts = encodeEventStream(messages);
  const body = new ReadableStream<Uint8Array>({ start(c) { for (const p of parts) c.enqueue(p); c.close(); } });
  const out: StreamEvent[] = [];
  for await (const e of converseStream(body, { provider: "b", id: "x", created: 0, model: "m", jsonTool }, new AbortController().signal, testReads("b"))) out.push(e);
  return out;
}

const deltas = (events: StreamEvent[]) => events.flatMap((e) => (e.type === "chunk" ? e.chunk.choices.map((c) => c.delta) : []));

/** Arguments per tool ordinal, concatenated as a client does. */
function toolArgs(events: StreamEvent[]): string[] {
  const args: string[] = [];
  for (const d of deltas(events)) for (const t of d.tool_calls ?? []) args[t.index] = (args[t.index] ?? "") + (t.function?.arguments ?? "");
  return args;
}

function refused(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error("expected a 400");
}

describe("ConverseStream: tool calls without arguments", () => {
  test("a toolUse block with no input deltas closes with {} at contentBlockStop", async () => {
    const events = await streamed([
      converseEvent("messageStart", { role: "assistant" }),
      converseEvent("contentBlockStart", { contentBlockIndex: 0, start: { toolUse: { toolUseId: "t0", name: "now" } } }),
      converseEvent("contentBlockStop", { contentBlockIndex: 0 }),
      converseEvent("contentBlockStart", { contentBlockIndex: 1, start: { toolUse: { toolUseId: "t1", name: "weather" } } }),
      converseEvent("contentBlockDelta", { contentBlockIndex: 1, delta: { toolUse: { input: "{\"city\":\"Rome\"}" } } }),
      converseEvent("contentBlockStop", { contentBlockIndex: 1 }),
      converseEvent("messageStop", { stopReason: "tool_use" }),
    ]);
    expect(toolArgs(events)).toEqual(["{}", "{\"city\":\"Rome\"}"]);
    // The closing {} comes before the next call starts.
    const order = deltas(events).flatMap((d) => (d.tool_calls ?? []).map((t) => `${t.index}:${t.function?.arguments}`));
    expect(order).toEqual(["0:", "0:{}", "1:", "1:{\"city\":\"Rome\"}"]);
  });

  test("empty input deltas count as none; a block never stopped is closed before the finish chunk", async () => {
    const events = await streamed([
      converseEvent("messageStart", { role: "assistant" }),
      converseEvent("contentBlockStart", { contentBlockIndex: 3, start: { toolUse: { toolUseId: "t0", name: "now" } } }),
      converseEvent("contentBlockDelta", { contentBlockIndex: 3, delta: { toolUse: { input: "" } } }),
      converseEvent("messageStop", { stopReason: "tool_use" }),
    ]);
    expect(toolArgs(events)).toEqual(["{}"]);
    const last = events.at(-1)!;
    expect(last.type === "chunk" && last.chunk.choices[0]!.finish_reason).toBe("tool_calls");
  });

  test("JSON mode: a forced tool with no input streams `{}` as content", async () => {
    const events = await streamed([
      converseEvent("messageStart", { role: "assistant" }),
      converseEvent("contentBlockStart", { contentBlockIndex: 0, start: { toolUse: { toolUseId: "j", name: "json_output" } } }),
      converseEvent("contentBlockStop", { contentBlockIndex: 0 }),
      converseEvent("messageStop", { stopReason: "tool_use" }),
    ], true);
    expect(deltas(events).map((d) => d.content ?? "").join("")).toBe("{}");
  });

  test("the same non-streamed answer has arguments {}", () => {
    const body = fromConverse({
      output: { message: { role: "assistant", content: [{ toolUse: { toolUseId: "t0", name: "now", input: {} } }] } }, stopReason: "tool_use",
    }, { id: "x", created: 0, model: "m", jsonTool: false });
    expect(body.choices[0]!.message.tool_calls![0]!.function.arguments).toBe("{}");
  });
});

describe("toConverse: a request of system messages only", () => {
  const convert = (messages: ChatCompletionRequest["messages"]) => toConverse({ model: "m", messages }, CLAUDE).body;

  test("the last system text becomes the user turn; earlier ones stay system", () => {
    expect(convert([{ role: "system", content: "Be brief." }, { role: "developer", content: [{ type: "text", text: "Name three colours." }] }])).toEqual({
      system: [{ text: "Be brief." }],
      messages: [{ role: "user", content: [{ text: "Name three colours." }] }],
    });
  });

  test("one system message alone: no system field, one user turn", () => {
    expect(convert([{ role: "system", content: "Say hi." }])).toEqual({ messages: [{ role: "user", content: [{ text: "Say hi." }] }] });
  });

  test("an empty trailing system message does not hide the one before it", () => {
    expect(convert([{ role: "system", content: "Say hi." }, { role: "system", content: "" }]).messages).toEqual([{ role: "user", content: [{ text: "Say hi." }] }]);
  });

  test("nothing with content at all is a 400 naming messages", () => {
    const err = refused(() => convert([{ role: "user", content: "" }]));
    expect([err.status, err.param]).toEqual([400, "messages"]);
  });

  test("a conversation with a user turn is untouched", () => {
    expect(convert([{ role: "system", content: "S" }, { role: "user", content: "U" }])).toEqual({ system: [{ text: "S" }], messages: [{ role: "user", content: [{ text: "U" }] }] });
  });
});

describe("toConverse: n", () => {
  test("n above 1 is a 400 naming n (one choice per Converse call, as on the Anthropic path); n = 1 is fine", () => {
    const err = refused(() => toConverse({ model: "m", n: 3, messages: [{ role: "user", content: "Hi" }] }, CLAUDE));
    expect([err.status, err.type, err.param]).toEqual([400, "invalid_request_error", "n"]);
    expect(err.message).toContain("`n`");
    expect(toConverse({ model: "m", n: 1, messages: [{ role: "user", content: "Hi" }] }, CLAUDE).body.messages.length).toBe(1);
  });
});

describe("toConverse: prompt caching (cache_control → cachePoint)", () => {
  const ephemeral = { type: "ephemeral" };
  const tool = (name: string, extra: Record<string, unknown> = {}) => ({ type: "function" as const, function: { name, parameters: { type: "object" } }, ...extra });

  test("a marked part is followed by a cachePoint in system, user, assistant and tool turns; marked tools too", () => {
    const body = toConverse({
      model: "m",
      tools: [tool("a", { cache_control: ephemeral }), tool("b")],
      messages: [
        { role: "system", content: [{ type: "text", text: "Long instructions", cache_control: ephemeral }, { type: "text", text: "More" }] },
        { role: "user", content: [{ type: "text", text: "Big context", cache_control: { type: "ephemeral", ttl: "1h" } }, { type: "text", text: "Q?" }] },
        { role: "assistant", content: [{ type: "text", text: "A.", cache_control: ephemeral }], tool_calls: [{ id: "t1", type: "function", function: { name: "a", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "t1", content: [{ type: "text", text: "result", cache_control: ephemeral }] },
      ],
    }, CLAUDE).body;
    expect(body.system).toEqual([{ text: "Long instructions" }, { cachePoint: { type: "default" } }, { text: "More" }]);
    expect(body.messages).toEqual([
      { role: "user", content: [{ text: "Big context" }, { cachePoint: { type: "default", ttl: "1h" } }, { text: "Q?" }] },
      { role: "assistant", content: [{ text: "A." }, { cachePoint: { type: "default" } }, { toolUse: { toolUseId: "t1", name: "a", input: {} } }] },
      { role: "user", content: [{ toolResult: { toolUseId: "t1", content: [{ text: "result" }], status: "success" } }, { cachePoint: { type: "default" } }] },
    ]);
    expect(body.toolConfig!.tools).toEqual([
      { toolSpec: { name: "a", inputSchema: { json: { type: "object" } } } }, { cachePoint: { type: "default" } },
      { toolSpec: { name: "b", inputSchema: { json: { type: "object" } } } },
    ]);
  });

  test("images and documents can carry the mark; an empty marked text adds nothing; null means unmarked", () => {
    const body = toConverse({ model: "m", messages: [{ role: "user", content: [
      { type: "text", text: "", cache_control: ephemeral },
      { type: "image_url", image_url: { url: "data:image/png;base64,iVBO" }, cache_control: ephemeral },
      { type: "text", text: "x", cache_control: null },
    ] }] }, CLAUDE).body;
    expect(body.messages[0]!.content).toEqual([{ image: { format: "png", source: { bytes: "iVBO" } } }, { cachePoint: { type: "default" } }, { text: "x" }]);
  });

  test("a malformed cache_control is a 400 naming it", () => {
    const cases: Array<[unknown, string]> = [
      [{ type: "persistent" }, "messages[0].content[0].cache_control"],
      ["ephemeral", "messages[0].content[0].cache_control"],
      [[1], "messages[0].content[0].cache_control"],
      [{ type: "ephemeral", ttl: "2d" }, "messages[0].content[0].cache_control.ttl"],
      [{ type: "ephemeral", ttl: 300 }, "messages[0].content[0].cache_control.ttl"],
    ];
    for (const [control, param] of cases) {
      const err = refused(() => toConverse({ model: "m", messages: [{ role: "user", content: [{ type: "text", text: "x", cache_control: control }] }] }, CLAUDE));
      expect([err.status, err.param]).toEqual([400, param]);
    }
    const err = refused(() => toConverse({ model: "m", tools: [tool("a", { cache_control: { type: 1 } })], messages: [{ role: "user", content: "x" }] }, CLAUDE));
    expect(err.param).toBe("tools[0].cache_control");
  });
});

describe("usage: cached tokens", () => {
  test("cache reads become cached_tokens and are added back into prompt_tokens; writes too", () => {
    expect(mapUsage({ inputTokens: 20, outputTokens: 40, totalTokens: 2160, cacheReadInputTokens: 2048, cacheWriteInputTokens: 52 })).toEqual({
      prompt_tokens: 2120, completion_tokens: 40, total_tokens: 2160, prompt_tokens_details: { cached_tokens: 2048, cache_write_tokens: 52 },
    });
  });

  test("no cache fields: cached_tokens 0, as OpenAI and the Anthropic path report it; writes only: 0 read", () => {
    expect(mapUsage({ inputTokens: 3, outputTokens: 4, totalTokens: 7 })!.prompt_tokens_details).toEqual({ cached_tokens: 0 });
    expect(mapUsage({ inputTokens: 3, outputTokens: 4, totalTokens: 107, cacheWriteInputTokens: 100 })!.prompt_tokens_details).toEqual({ cached_tokens: 0, cache_write_tokens: 100 });
  });

  test("streams: the metadata event's cache counts reach the usage chunk", async () => {
    const events = await streamed([
      converseEvent("messageStart", { role: "assistant" }),
      converseEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "hi" } }),
      converseEvent("messageStop", { stopReason: "end_turn" }),
      converseEvent("metadata", { usage: { inputTokens: 5, outputTokens: 1, totalTokens: 1030, cacheReadInputTokens: 1024, cacheWriteInputTokens: 0 } }),
    ]);
    const last = events.at(-1)!;
    expect(last.type === "chunk" && last.chunk.usage).toEqual({
      prompt_tokens: 1029, completion_tokens: 1, total_tokens: 1030, prompt_tokens_details: { cached_tokens: 1024, cache_write_tokens: 0 },
    });
  });
});

describe("toConverse: documents (file parts)", () => {
  const file = (file: Record<string, unknown>) => ({ type: "file", file });
  const user = (...content: Array<Record<string, unknown>>) => toConverse({ model: "m", messages: [{ role: "user", content: content as never }] }, CLAUDE).body.messages[0]!.content;

  test("a PDF data URL becomes a document block: format from the media type, name from the filename", () => {
    expect(user({ type: "text", text: "Summarise" }, file({ file_data: "data:application/pdf;base64,JVBERi0=", filename: "Q3 report.final.pdf" }))).toEqual([
      { text: "Summarise" }, { document: { format: "pdf", name: "Q3 report-final", source: { bytes: "JVBERi0=" } } },
    ]);
  });

  test("every Converse format maps from its media type", () => {
    const types: Array<[string, string]> = [
      ["application/pdf", "pdf"], ["text/csv", "csv"], ["application/msword", "doc"],
      ["application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"], ["application/vnd.ms-excel", "xls"],
      ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"], ["text/html", "html"], ["text/plain", "txt"],
      ["text/markdown", "md"], ["TEXT/PLAIN", "txt"],
    ];
    for (const [type, format] of types) {
      const content = user({ type: "text", text: "x" }, file({ file_data: `data:${type};charset=utf-8;base64,QQ==`, filename: "f" }));
      expect((content[1]!.document as { format: string }).format).toBe(format);
    }
    const octet = user({ type: "text", text: "x" }, file({ file_data: "data:application/octet-stream;base64,QQ==", filename: "sheet.XLSX" }));
    expect((octet[1]!.document as { format: string }).format).toBe("xlsx");
  });

  test("names: Converse's alphabet, at most 200 characters, distinct within the request, 'document' when none", () => {
    const docs = user(
      { type: "text", text: "x" },
      file({ file_data: "data:application/pdf;base64,QQ==", filename: "report.pdf" }),
      file({ file_data: "data:text/plain;base64,QQ==", filename: "report.txt" }),
      file({ file_data: "data:text/plain;base64,QQ==" }),
      file({ file_data: "data:text/plain;base64,QQ==", filename: "ignore  all\tprevious_instructions!!.md" }),
      file({ file_data: "data:text/plain;base64,QQ==", filename: `${"a".repeat(300)}.txt` }),
      file({ file_data: "data:text/plain;base64,QQ==", filename: "Überblick ✓.txt" }),
    ).slice(1).map((b) => (b.document as { name: string }).name);
    expect(docs.slice(0, 4)).toEqual(["report", "report (2)", "document", "ignore all previous-instructions--"]);
    expect(docs[4]!.length).toBeLessThanOrEqual(200);
    for (const name of docs) expect(name).toMatch(/^(?:[A-Za-z0-9()[\]-]| (?! ))+$/);
    expect(docs[5]).toBe("Uberblick -");
  });

  test("a turn holding only documents gets a minimal text block (Converse requires one)", () => {
    expect(user(file({ file_data: "data:application/pdf;base64,QQ==", filename: "a.pdf" }))).toEqual([
      { document: { format: "pdf", name: "a", source: { bytes: "QQ==" } } }, { text: "(document attached)" },
    ]);
    // The text goes before a trailing cache point, so the cached prefix stays the whole turn.
    expect(user(file({ file_data: "data:application/pdf;base64,QQ==", filename: "a.pdf" }), { type: "text", text: "" })).toEqual([
      { document: { format: "pdf", name: "a", source: { bytes: "QQ==" } } }, { text: "(document attached)" },
    ]);
    const marked = user({ ...file({ file_data: "data:application/pdf;base64,QQ==", filename: "a.pdf" }), cache_control: { type: "ephemeral" } });
    expect(marked.map((b) => Object.keys(b)[0])).toEqual(["document", "text", "cachePoint"]);
  });

  test("a document in a tool result stays inside the toolResult", () => {
    const body = toConverse({ model: "m", messages: [
      { role: "user", content: "read it" },
      { role: "assistant", content: null, tool_calls: [{ id: "t1", type: "function", function: { name: "fetch", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "t1", content: [file({ file_data: "data:text/csv;base64,YSxi", filename: "data.csv" }) as never] },
    ] }, CLAUDE).body;
    expect(body.messages[2]!.content).toEqual([{ toolResult: { toolUseId: "t1", content: [{ document: { format: "csv", name: "data", source: { bytes: "YSxi" } } }], status: "success" } }]);
  });

  test("what Converse cannot take is a 400 naming the part: file ids, other types, not base64, empty, remote", () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ file_id: "file-abc" }, "messages[0].content[0].file.file_data", "File ids"],
      [{}, "messages[0].content[0].file.file_data", "file_data"],
      [{ file_data: "data:application/zip;base64,UEs=", filename: "a.zip" }, "messages[0].content[0].file.file_data", "application/zip"],
      [{ file_data: "data:application/octet-stream;base64,UEs=", filename: "a.zip" }, "messages[0].content[0].file.file_data", "pdf, csv"],
      [{ file_data: "data:application/pdf,%25PDF" }, "messages[0].content[0].file.file_data", "base64"],
      [{ file_data: "data:application/pdf;base64," }, "messages[0].content[0].file.file_data", "no data"],
      [{ file_data: "https://example.com/a.pdf" }, "messages[0].content[0].file.file_data", "data URL"],
    ];
    for (const [f, param, text] of cases) {
      const err = refused(() => user(file(f)));
      expect([err.status, err.param]).toEqual([400, param]);
      expect(err.message).toContain(text);
    }
  });
});

describe("Claude reasoning (reasoning_effort, reasoningContent)", () => {
  const ask = (extra: Partial<ChatCompletionRequest>, model = CLAUDE) => toConverse({ model: "m", messages: [{ role: "user", content: "Think." }], ...extra }, model).body;

  test("reasoning_effort → additionalModelRequestFields.thinking; maxTokens above the budget; temperature, top_k and a low top_p left out", () => {
    const body = ask({ reasoning_effort: "medium", temperature: 0.3, top_p: 0.5, top_k: 40, max_tokens: 1000 });
    expect(body.additionalModelRequestFields).toEqual({ thinking: { type: "enabled", budget_tokens: 8192 } });
    expect(body.inferenceConfig).toEqual({ maxTokens: 9192 });
    expect(ask({ reasoning_effort: "low" }).inferenceConfig).toEqual({ maxTokens: 2048 + 4096 });
    expect(ask({ reasoning_effort: "high", max_completion_tokens: 30000, top_p: 0.97 }).inferenceConfig).toEqual({ maxTokens: 30000, topP: 0.97 });
  });

  test("none, a non-Claude model, or a forced tool choice: no thinking; an unknown effort is a 400", () => {
    expect(ask({ reasoning_effort: "none" }).additionalModelRequestFields).toBeUndefined();
    expect(ask({ reasoning_effort: "high" }, "amazon.nova-pro-v1:0").additionalModelRequestFields).toBeUndefined();
    expect(ask({ reasoning_effort: "high" }, "us.anthropic.claude-3-7-sonnet-20250219-v1:0").additionalModelRequestFields).toEqual({ thinking: { type: "enabled", budget_tokens: 24576 } });
    const tools = [{ type: "function" as const, function: { name: "f" } }];
    expect(ask({ reasoning_effort: "high", tools, tool_choice: "required" }).additionalModelRequestFields).toBeUndefined();
    const err = refused(() => ask({ reasoning_effort: "maximum" }));
    expect([err.status, err.param]).toEqual([400, "reasoning_effort"]);
  });

  test("JSON mode with thinking is an instruction, not a forced tool", () => {
    const body = ask({ reasoning_effort: "low", response_format: { type: "json_object" } });
    expect(body.toolConfig).toBeUndefined();
    expect((body.system as Array<{ text: string }>)[0]!.text).toContain("JSON");
  });

  test("history: reasoning_details go back as reasoningContent blocks opening the assistant turn; foreign or unsigned ones are left out", () => {
    const body = ask({ reasoning_effort: "low", messages: [
      { role: "user", content: "Weather?" },
      { role: "assistant", content: null, reasoning_details: [
        { type: "reasoning.text", text: "Need the tool.", signature: "sig1", format: "anthropic-claude-v1" },
        { type: "reasoning.encrypted", data: "ENC", format: "anthropic-claude-v1" },
        { type: "reasoning.text", text: "other", signature: "x", format: "google-gemini-v1" },
        { type: "reasoning.text", text: "unsigned" },
      ], tool_calls: [{ id: "t1", type: "function", function: { name: "w", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "t1", content: "sunny" },
    ] });
    expect(body.messages[1]!.content).toEqual([
      { reasoningContent: { reasoningText: { text: "Need the tool.", signature: "sig1" } } },
      { reasoningContent: { redactedContent: "ENC" } },
      { toolUse: { toolUseId: "t1", name: "w", input: {} } },
    ]);
    expect(body.additionalModelRequestFields).toEqual({ thinking: { type: "enabled", budget_tokens: 2048 } });
  });

  test("a tool result whose assistant turn lost its reasoning: thinking stays off; thinking off strips history reasoning", () => {
    const loop = [
      { role: "user" as const, content: "Weather?" },
      { role: "assistant" as const, content: null, tool_calls: [{ id: "t1", type: "function" as const, function: { name: "w", arguments: "{}" } }] },
      { role: "tool" as const, tool_call_id: "t1", content: "sunny" },
    ];
    expect(ask({ reasoning_effort: "low", messages: loop }).additionalModelRequestFields).toBeUndefined();
    const body = ask({ messages: [
      { role: "user", content: "Hi" }, { role: "assistant", content: "Hello", reasoning_content: "greet", reasoning_signature: "s" }, { role: "user", content: "Again" },
    ] });
    expect(body.messages[1]!.content).toEqual([{ text: "Hello" }]);
  });

  test("hostile reasoning fields are 400s naming them", () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ reasoning_details: "x" }, "messages[1].reasoning_details"],
      [{ reasoning_details: [5] }, "messages[1].reasoning_details[0]"],
      [{ reasoning_details: [{ type: "reasoning.text", text: 1, signature: "s" }] }, "messages[1].reasoning_details[0].text"],
      [{ reasoning_details: [{ type: "reasoning.encrypted", data: {} }] }, "messages[1].reasoning_details[0].data"],
      [{ reasoning_signature: 7 }, "messages[1].reasoning_signature"],
    ];
    for (const [extra, param] of cases) {
      const err = refused(() => ask({ reasoning_effort: "low", messages: [{ role: "user", content: "a" }, { role: "assistant", content: "b", ...extra }, { role: "user", content: "c" }] }));
      expect([err.status, err.param]).toEqual([400, param]);
    }
  });

  test("answers: reasoning text → reasoning_content, blocks with signatures and redacted ones → reasoning_details", () => {
    const body = fromConverse({ output: { message: { role: "assistant", content: [
      { reasoningContent: { reasoningText: { text: "Let me think.", signature: "sig" } } },
      { reasoningContent: { redactedContent: "RED" } },
      { text: "42" },
    ] } }, stopReason: "end_turn" }, { id: "x", created: 0, model: "m", jsonTool: false });
    const message = body.choices[0]!.message;
    expect([message.content, message.reasoning_content]).toEqual(["42", "Let me think."]);
    expect(message.reasoning_details).toEqual([
      { type: "reasoning.text", text: "Let me think.", signature: "sig", format: "anthropic-claude-v1" },
      { type: "reasoning.encrypted", data: "RED", format: "anthropic-claude-v1" },
    ]);
  });

  test("streams: reasoning deltas → delta.reasoning_content; at the block's stop one reasoning_details item with the signature", async () => {
    const events = await streamed([
      converseEvent("messageStart", { role: "assistant" }),
      converseEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { reasoningContent: { text: "Let me " } } }),
      converseEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { reasoningContent: { text: "think." } } }),
      converseEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { reasoningContent: { signature: "sig" } } }),
      converseEvent("contentBlockStop", { contentBlockIndex: 0 }),
      converseEvent("contentBlockDelta", { contentBlockIndex: 1, delta: { reasoningContent: { redactedContent: "RED" } } }),
      converseEvent("contentBlockStop", { contentBlockIndex: 1 }),
      converseEvent("contentBlockDelta", { contentBlockIndex: 2, delta: { text: "42" } }),
      converseEvent("messageStop", { stopReason: "end_turn" }),
    ]);
    expect(deltas(events)).toEqual([
      { role: "assistant", content: "" },
      { reasoning_content: "Let me " },
      { reasoning_content: "think." },
      { reasoning_details: [{ type: "reasoning.text", text: "Let me think.", signature: "sig", format: "anthropic-claude-v1" }] },
      { reasoning_details: [{ type: "reasoning.encrypted", data: "RED", format: "anthropic-claude-v1" }] },
      { content: "42" },
      {},
    ]);
  });
});

describe("hostile values in the new fields: a 400 naming a param, never another error", () => {
  test("any JSON at cache_control, file, reasoning_details, reasoning_signature, tool cache_control", () => {
    fc.assert(fc.property(fc.jsonValue(), fc.constantFrom("cache", "file", "filename", "details", "signature", "tool"), (value, where) => {
      const part: Record<string, unknown> = { type: "text", text: "x" };
      const file: Record<string, unknown> = { file_data: "data:application/pdf;base64,QQ==" };
      const assistant: Record<string, unknown> = { role: "assistant", content: "b" };
      const tool: Record<string, unknown> = { type: "function", function: { name: "f" } };
      if (where === "cache") part.cache_control = value;
      if (where === "file") part.type = "file", part.file = { file_data: value };
      if (where === "filename") part.type = "file", part.file = { ...file, filename: typeof value === "string" ? value : JSON.stringify(value) };
      if (where === "details") assistant.reasoning_details = value;
      if (where === "signature") assistant.reasoning_signature = value;
      if (where === "tool") tool.cache_control = value;
      const request = {
        model: "m", reasoning_effort: "low", tools: [tool],
        messages: [{ role: "user", content: [part] }, assistant, { role: "user", content: "c" }],
      } as unknown as ChatCompletionRequest;
      try {
        JSON.stringify(toConverse(request, CLAUDE).body);
      } catch (err) {
        if (!(err instanceof GatewayError) || err.status !== 400 || typeof err.param !== "string") throw err;
      }
    }), { numRuns: 600, seed: 20251130 });
  });
});

describe("blank text", () => {
  test("empty or whitespace-only text (Converse rejects it) is left out of system, user and assistant turns", () => {
    const body = toConverse({ model: "m", messages: [
      { role: "system", content: " \n" }, { role: "system", content: "S" },
      { role: "user", content: [{ type: "text", text: "\t" }, { type: "text", text: "Q" }] },
      { role: "assistant", content: "  " }, { role: "user", content: "again" },
    ] }, CLAUDE).body;
    expect(body).toEqual({ system: [{ text: "S" }], messages: [{ role: "user", content: [{ text: "Q" }, { text: "again" }] }] });
    const err = refused(() => toConverse({ model: "m", messages: [{ role: "user", content: "   " }] }, CLAUDE));
    expect(err.param).toBe("messages");
  });
});
