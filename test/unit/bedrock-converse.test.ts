// Bedrock Converse translation, unit level: toConverse (request), fromConverse (answer) and the
// ConverseStream mapper, without HTTP. The contract suite covers the same paths end to end.
import { describe, expect, test } from "bun:test";
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
