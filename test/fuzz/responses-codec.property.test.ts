// Property-based: the Responses codecs under hostile input. Whatever body a client sends,
// parseResponsesRequest either answers a well-formed chat request or throws a GatewayError 400
// (never anything else); whatever chunks an upstream streams (in any order, with errors), the
// encoder's events are numbered from 0, open with response.created, end with one terminal event,
// and the openai SDK's accumulator (and, for some runs, its streaming helper over HTTP) takes them.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import OpenAI from "openai";
import { accumulateResponse } from "openai/lib/responses/ResponseAccumulator";
import type { Response as SdkResponse, ResponseStreamEvent } from "openai/resources/responses/responses";
import { GatewayError, errors } from "../../src/core/errors.ts";
import type { ChatCompletionChunk } from "../../src/core/openai-types.ts";
import { itemsToMessages, parseResponsesRequest } from "../../src/server/ingress/responses/request.ts";
import { responseId, type ResponseContext } from "../../src/server/ingress/responses/response.ts";
import { ResponsesStreamEncoder } from "../../src/server/ingress/responses/stream.ts";
import { parseSse } from "../support/index.ts";
import { fuzzRuns } from "../support/all-providers.ts";

const runs = fuzzRuns(20251130);

const ITEM_TYPES = ["message", "function_call", "function_call_output", "reasoning", "item_reference", "web_search_call", "computer_call", "mcp_call", "custom_tool_call", undefined];
const PART_TYPES = ["input_text", "input_image", "input_file", "output_text", "refusal", "summary_text", "reasoning_text", "audio"];
const ROLES = ["user", "assistant", "system", "developer", "tool", 5];

const junk = fc.oneof(fc.anything(), fc.constantFrom("", "x", "data:image/png;base64,AA", "https://e.x/a.png", "btr1.W10", "btr1.!!", null));
const part = fc.record({ type: fc.constantFrom(...PART_TYPES), text: junk, image_url: junk, file_id: junk, file_data: junk, filename: junk, refusal: junk, detail: junk }, { requiredKeys: ["type"] });
const parts = fc.oneof(junk, fc.array(fc.oneof(part, junk), { maxLength: 4 }));
const item = fc.oneof(
  fc.record({
    type: fc.constantFrom(...ITEM_TYPES), role: fc.constantFrom(...ROLES), content: fc.oneof(fc.string(), parts), call_id: junk, name: junk, arguments: junk,
    output: fc.oneof(fc.string(), parts), summary: parts, encrypted_content: junk, id: junk,
  }, { requiredKeys: [] }),
  junk,
);
const tool = fc.oneof(fc.record({ type: fc.constantFrom("function", "web_search", "custom", 1), name: junk, description: junk, parameters: junk, strict: junk }, { requiredKeys: [] }), junk);
const body = fc.record({
  model: fc.oneof(fc.constant("m"), junk),
  input: fc.oneof(fc.string(), fc.array(item, { maxLength: 6 }), junk),
  instructions: junk, tools: fc.oneof(fc.array(tool, { maxLength: 3 }), junk),
  tool_choice: fc.oneof(fc.constantFrom("auto", "none", "required"), fc.record({ type: fc.constantFrom("function", "web_search_preview"), name: junk }), junk),
  text: fc.oneof(fc.record({ format: fc.oneof(fc.record({ type: fc.constantFrom("text", "json_object", "json_schema", "xml"), name: junk, schema: junk, strict: junk }), junk) }), junk),
  reasoning: fc.oneof(fc.record({ effort: fc.oneof(fc.constantFrom("low", "high", "max"), junk), summary: junk }), junk),
  max_output_tokens: junk, temperature: junk, top_p: junk, parallel_tool_calls: junk, store: junk, stream: junk, metadata: junk, user: junk,
  include: junk, truncation: junk, previous_response_id: junk, background: junk, conversation: junk, prompt: junk, service_tier: junk,
}, { requiredKeys: [] });

// Valid bodies with at most one hostile change: most of the parser is reached before the change bites.
const text = fc.string({ maxLength: 8 });
const validItem = fc.oneof(
  fc.record({ role: fc.constantFrom("user", "system", "developer"), content: fc.oneof(text, fc.array(fc.record({ type: fc.constant("input_text"), text }), { maxLength: 2 })) }),
  fc.record({ type: fc.constant("message"), role: fc.constant("assistant"), content: fc.array(fc.record({ type: fc.constant("output_text"), text, annotations: fc.constant([]) }), { maxLength: 2 }) }),
  fc.record({ type: fc.constant("function_call"), call_id: text, name: text, arguments: text }),
  fc.record({ type: fc.constant("function_call_output"), call_id: text, output: text }),
  fc.record({ type: fc.constant("reasoning"), id: text, summary: fc.array(fc.record({ type: fc.constant("summary_text"), text }), { maxLength: 2 }), encrypted_content: fc.constantFrom(undefined, "gAAAA", "btr1.W3sidHlwZSI6InJlYXNvbmluZy50ZXh0In1d") }, { requiredKeys: ["type", "id", "summary"] }),
);
const validBody = fc.record({
  model: fc.constant("m"),
  input: fc.oneof(text, fc.array(validItem, { minLength: 1, maxLength: 6 })),
  instructions: text,
  tools: fc.constant([{ type: "function", name: "f", parameters: { type: "object" } }]),
  tool_choice: fc.constantFrom("auto", "none", "required", { type: "function", name: "f" }),
  text: fc.constantFrom({ format: { type: "text" } }, { format: { type: "json_object" } }, { format: { type: "json_schema", name: "n", schema: {} } }),
  reasoning: fc.constantFrom({ effort: "low" }, { summary: "auto" }),
  max_output_tokens: fc.integer({ min: 1, max: 1000 }),
  stream: fc.boolean(),
  store: fc.boolean(),
}, { requiredKeys: ["model", "input"] });
const FIELDS = ["model", "input", "instructions", "tools", "tool_choice", "text", "reasoning", "max_output_tokens", "temperature", "top_p", "parallel_tool_calls", "store", "stream", "metadata", "user", "include", "truncation", "previous_response_id", "background", "conversation", "prompt", "service_tier"];
const nearlyValid = fc.tuple(validBody, fc.option(fc.tuple(fc.constantFrom(...FIELDS), junk)), fc.option(fc.tuple(fc.nat(5), item))).map(([b, field, bad]) => {
  const out: Record<string, unknown> = { ...b };
  if (field) out[field[0]] = field[1];
  if (bad && Array.isArray(out.input) && out.input.length > 0) out.input = out.input.map((it, i) => (i === bad[0] % (out.input as unknown[]).length ? bad[1] : it));
  return out;
});

const CHAT_ROLES = new Set(["system", "user", "assistant", "tool"]);

describe("parseResponsesRequest on hostile bodies", () => {
  test("a 400 GatewayError naming a param, or a chat request whose messages are well formed", () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(fc.property(fc.oneof(nearlyValid, nearlyValid, body, fc.dictionary(fc.string(), fc.anything())), (b) => {
      let parsed;
      try {
        parsed = parseResponsesRequest(b as Record<string, unknown>);
      } catch (err) {
        expect(err).toBeInstanceOf(GatewayError);
        expect((err as GatewayError).status).toBe(400);
        expect(typeof (err as GatewayError).param).toBe("string");
        refused++;
        return;
      }
      accepted++;
      expect(typeof parsed.chat.model).toBe("string");
      for (const m of parsed.chat.messages) {
        expect(CHAT_ROLES.has(m.role)).toBe(true);
        if (m.role === "tool") expect(typeof m.tool_call_id).toBe("string");
      }
      // What is stored comes back as the same messages.
      expect(itemsToMessages(JSON.parse(JSON.stringify(parsed.input)))).toEqual(parsed.chat.messages.filter((_, i) => !(i === 0 && parsed.instructions)));
    }), runs(1500));
    // Both outcomes are exercised, or the property says little.
    expect(accepted).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(20);
  });
});

// ---- stream --------------------------------------------------------------------------------

const delta = fc.record({
  role: fc.constant("assistant" as const),
  content: fc.oneof(fc.string({ maxLength: 6 }), fc.constant(null)),
  refusal: fc.string({ maxLength: 4 }),
  reasoning_content: fc.string({ maxLength: 6 }),
  reasoning_details: fc.array(fc.oneof(
    fc.record({ type: fc.constant("reasoning.text"), text: fc.string(), signature: fc.string(), format: fc.constant("anthropic-claude-v1") }),
    fc.record({ type: fc.constant("reasoning.encrypted"), data: fc.string() }),
    fc.anything(),
  ), { maxLength: 2 }),
  tool_calls: fc.array(fc.record({
    index: fc.integer({ min: 0, max: 2 }), id: fc.constantFrom("call_a", "call_b", undefined, ""),
    type: fc.constant("function" as const), function: fc.record({ name: fc.string({ maxLength: 4 }), arguments: fc.string({ maxLength: 5 }) }, { requiredKeys: [] }),
  }, { requiredKeys: ["index"] }), { maxLength: 2 }),
}, { requiredKeys: [] });
const usage = fc.record({ prompt_tokens: fc.nat(), completion_tokens: fc.nat(), total_tokens: fc.nat(), prompt_tokens_details: fc.record({ cached_tokens: fc.nat() }) });
const chunk = fc.record({
  delta,
  finish: fc.constantFrom(null, null, null, "stop", "length", "tool_calls", "content_filter"),
  usage: fc.option(usage),
  empty: fc.boolean(),
}).map(({ delta, finish, usage, empty }): ChatCompletionChunk => ({
  id: "c", object: "chat.completion.chunk", created: 1, model: "m", usage,
  choices: empty ? [] : [{ index: 0, delta, finish_reason: finish as never }],
}));
const streamCase = fc.record({ chunks: fc.array(chunk, { maxLength: 12 }), fail: fc.option(fc.constantFrom(errors.streamInterrupted("p", "reset"), errors.upstream("p", 429, "slow"), errors.upstream("p", 400, "bad"))) });

const ctx = (): ResponseContext => {
  const p = parseResponsesRequest({ model: "m", input: "hi" });
  return { id: responseId(), createdAt: 1, model: "m", echo: p.echo, previousResponseId: undefined, store: true, instructions: undefined };
};

function encode(c: { chunks: ChatCompletionChunk[]; fail: ReturnType<typeof errors.internal> | null }): { text: string; encoder: ResponsesStreamEncoder } {
  const encoder = new ResponsesStreamEncoder(ctx());
  let text = "";
  for (const k of c.chunks) text += encoder.chunk({ type: "chunk", chunk: k });
  text += c.fail ? encoder.error(c.fail) + encoder.end("error") : encoder.end("done");
  return { text, encoder };
}

const strip = <T>(v: T): T => JSON.parse(JSON.stringify(v), (k, x) => (k === "status" || k === "encrypted_content" ? undefined : x)) as T;

describe("ResponsesStreamEncoder on any chunk sequence", () => {
  test("numbered events, created first, one terminal last; the SDK accumulator takes them all and the deltas build the final output", () => {
    fc.assert(fc.property(streamCase, (c) => {
      const { text, encoder } = encode(c);
      const evs = parseSse(text).map((e) => JSON.parse(e.data) as ResponseStreamEvent & { sequence_number: number });
      expect(evs.map((e) => e.sequence_number)).toEqual(evs.map((_, i) => i));
      expect(evs[0]!.type).toBe("response.created");
      const terminal = ["response.completed", "response.incomplete", "response.failed"];
      expect(terminal).toContain(evs.at(-1)!.type);
      expect(evs.slice(0, -1).some((e) => terminal.includes(e.type))).toBe(false);
      let deltasOnly: SdkResponse | undefined;
      for (const e of evs) {
        if (e !== evs.at(-1) && e.type !== "response.output_item.done") deltasOnly = accumulateResponse(e, deltasOnly);
      }
      const last = evs.at(-1) as { response: SdkResponse };
      // The done events and the terminal Response tell the same story, and the deltas alone build it too.
      const beforeTerminal = evs.slice(0, -1).reduce<SdkResponse | undefined>((snap, e) => accumulateResponse(e, snap), undefined)!;
      accumulateResponse(evs.at(-1)!, beforeTerminal);
      if (!c.fail) expect(beforeTerminal.output).toEqual(last.response.output);
      for (const o of last.response.output) expect((o as { status?: string }).status).not.toBe("in_progress");
      expect(strip(deltasOnly!.output)).toEqual(strip(last.response.output));
      if (c.fail) expect(encoder.final).toBeUndefined();
      else expect(encoder.final).toEqual(last.response as never);
    }), runs(400));
  });

  let server: ReturnType<typeof Bun.serve>;
  let served = "";
  beforeAll(() => {
    server = Bun.serve({ port: 0, fetch: () => new Response(served, { headers: { "content-type": "text/event-stream" } }) });
  });
  afterAll(() => server.stop(true));

  test("the openai SDK's responses.stream() helper reads every stream to its final Response", async () => {
    const client = new OpenAI({ baseURL: `http://localhost:${server.port}/v1`, apiKey: "x", maxRetries: 0 });
    await fc.assert(fc.asyncProperty(streamCase, async (c) => {
      const { text } = encode(c);
      served = text;
      const final = await client.responses.stream({ model: "m", input: "hi" }).finalResponse();
      const last = parseSse(text).at(-1)!;
      expect(final.status).toBe((JSON.parse(last.data) as { response: { status: string } }).response.status as never);
    }), runs(40));
  });
});
