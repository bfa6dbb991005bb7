// Anthropic → OpenAI: response, usage, finish reasons, errors and the stream mapper, driven directly.
import { describe, expect, test } from "bun:test";
import type { StreamEvent } from "../../src/core/stream-event.ts";
import type { ChatCompletionChunk } from "../../src/core/openai-types.ts";
import {
  AnthropicStreamMapper, anthropicError, anthropicStream, finishReason, fromAnthropicResponse, JSON_TOOL_NAME, toOpenAIUsage,
} from "../../src/providers/shared/anthropic-messages/index.ts";
import { loadJson, loadText } from "../support/index.ts";
import { testReads } from "../support/reads.ts";

const opts = { provider: "anthropic", now: () => 1_700_000_000 };

describe("response", () => {
  test("chat fixture: content, id, created, model, finish and usage", () => {
    const out = fromAnthropicResponse(loadJson("anthropic", "chat.response.json").body, opts);
    expect(out).toEqual({
      id: "chatcmpl-01XFDUDYJgAACzvnptvVoYEL", object: "chat.completion", created: 1_700_000_000, model: "claude-sonnet-4-5-20250929",
      choices: [{ index: 0, message: { role: "assistant", content: "Hello! How can I help you today?", refusal: null }, logprobs: null, finish_reason: "stop" }],
      usage: { prompt_tokens: 12, completion_tokens: 12, total_tokens: 24, prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 } },
    });
  });

  test("stop_reason tool_use → finish_reason tool_calls; a message of only tool_use has content null", () => {
    const out = fromAnthropicResponse({
      id: "msg_1", type: "message", role: "assistant", model: "m", stop_reason: "tool_use",
      content: [{ type: "tool_use", id: "toolu_1", name: "f", input: { a: 1 } }, { type: "tool_use", id: "toolu_2", name: "g", input: {} }],
      usage: { input_tokens: 1, output_tokens: 2 },
    }, opts);
    const choice = out.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toEqual([
      { id: "toolu_1", type: "function", function: { name: "f", arguments: "{\"a\":1}" } },
      { id: "toolu_2", type: "function", function: { name: "g", arguments: "{}" } },
    ]);
  });

  test("every stop_reason maps to an OpenAI finish_reason", () => {
    expect(finishReason("end_turn")).toBe("stop");
    expect(finishReason("stop_sequence")).toBe("stop");
    expect(finishReason("pause_turn")).toBe("stop");
    expect(finishReason("max_tokens")).toBe("length");
    expect(finishReason("model_context_window_exceeded")).toBe("length");
    expect(finishReason("tool_use")).toBe("tool_calls");
    expect(finishReason("refusal")).toBe("content_filter");
    expect(finishReason("something_new")).toBe("stop");
    expect(finishReason(null)).toBeNull();
  });

  test("JSON mode: the forced tool's input is the content and the finish is stop", () => {
    const out = fromAnthropicResponse({
      id: "msg_j", type: "message", role: "assistant", model: "m", stop_reason: "tool_use",
      content: [{ type: "tool_use", id: "toolu_j", name: JSON_TOOL_NAME, input: { city: "Paris" } }], usage: { input_tokens: 1, output_tokens: 1 },
    }, { ...opts, jsonTool: JSON_TOOL_NAME });
    expect(out.choices[0]!.message.content).toBe("{\"city\":\"Paris\"}");
    expect(out.choices[0]!.message.tool_calls).toBeUndefined();
    expect(out.choices[0]!.finish_reason).toBe("stop");
  });

  test("thinking blocks become reasoning_content", () => {
    const out = fromAnthropicResponse({
      id: "msg_t", type: "message", role: "assistant", model: "m", stop_reason: "end_turn",
      content: [{ type: "thinking", thinking: "hmm", signature: "s" }, { type: "text", text: "42" }], usage: { input_tokens: 1, output_tokens: 1 },
    }, opts);
    expect(out.choices[0]!.message.reasoning_content).toBe("hmm");
    expect(out.choices[0]!.message.content).toBe("42");
  });

  test("every thinking block (with its signature) and redacted block → reasoning_details, in order", () => {
    const out = fromAnthropicResponse({
      id: "msg_t", type: "message", role: "assistant", model: "m", stop_reason: "tool_use",
      content: [
        { type: "thinking", thinking: "a", signature: "s1" }, { type: "redacted_thinking", data: "ENC" },
        { type: "tool_use", id: "toolu_1", name: "f", input: {} },
      ],
      usage: { input_tokens: 1, output_tokens: 1 },
    }, opts);
    expect(out.choices[0]!.message.reasoning_content).toBe("a");
    expect(out.choices[0]!.message.reasoning_details).toEqual([
      { type: "reasoning.text", text: "a", signature: "s1", format: "anthropic-claude-v1" },
      { type: "reasoning.encrypted", data: "ENC", format: "anthropic-claude-v1" },
    ]);
    const plain = fromAnthropicResponse({ id: "msg_p", type: "message", role: "assistant", model: "m", stop_reason: "end_turn", content: [{ type: "text", text: "x" }] }, opts);
    expect("reasoning_details" in plain.choices[0]!.message).toBe(false);
  });

  test("a body without content is a 502 bad_upstream_response", () => {
    expect(() => fromAnthropicResponse({ type: "message" }, opts)).toThrow(expect.objectContaining({ status: 502, code: "bad_upstream_response" }));
  });
});

describe("usage", () => {
  test("cache reads and writes are added back into prompt_tokens; cached_tokens = reads", () => {
    expect(toOpenAIUsage({ input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 1000, cache_creation_input_tokens: 200 })).toEqual({
      prompt_tokens: 1210, completion_tokens: 5, total_tokens: 1215, prompt_tokens_details: { cached_tokens: 1000, cache_write_tokens: 200 },
    });
  });

  test("absent cache fields mean no cache; absent input or output tokens mean no usage at all (not zero)", () => {
    expect(toOpenAIUsage({ input_tokens: 3, output_tokens: 4 })).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7, prompt_tokens_details: { cached_tokens: 0 } });
    expect(toOpenAIUsage({ output_tokens: 4 })).toBeUndefined();
    expect(toOpenAIUsage(undefined)).toBeUndefined();
  });
});

describe("errors", () => {
  const map = (status: number, type: string, headers: Record<string, string> = {}) =>
    anthropicError("anthropic", status, JSON.stringify({ type: "error", error: { type, message: "m" } }), new Headers(headers));

  test("status and type per the provider table; retryable ones marked", () => {
    const cases: Array<[number, string, number, string, string | null, boolean]> = [
      [400, "invalid_request_error", 400, "invalid_request_error", null, false],
      [401, "authentication_error", 401, "authentication_error", "invalid_api_key", false],
      [402, "billing_error", 402, "insufficient_quota", "insufficient_quota", false],
      [403, "permission_error", 403, "permission_error", null, false],
      [404, "not_found_error", 404, "invalid_request_error", "model_not_found", false],
      [413, "request_too_large", 413, "invalid_request_error", "request_too_large", false],
      [429, "rate_limit_error", 429, "rate_limit_error", "rate_limit_exceeded", true],
      [500, "api_error", 500, "server_error", null, true],
      [504, "timeout_error", 504, "timeout", null, true],
      [529, "overloaded_error", 503, "server_error", "overloaded", true],
    ];
    for (const [status, type, wantStatus, wantType, wantCode, retryable] of cases) {
      const err = map(status, type);
      expect([err.status, err.type, err.code, err.retryable]).toEqual([wantStatus, wantType, wantCode, retryable]);
      expect(err.message).toBe("m");
    }
  });

  test("retry-after is copied; a non-JSON body still gives a readable message", () => {
    expect(map(429, "rate_limit_error", { "retry-after": "14" }).headers).toEqual({ "retry-after": "14" });
    const html = anthropicError("anthropic", 529, "<html><body>Overloaded</body></html>", new Headers());
    expect(html.status).toBe(503);
    expect(html.retryable).toBe(true);
    expect(html.message).toContain("Overloaded");
  });
});

describe("stream mapper", () => {
  const run = (events: Array<[string, object]>, jsonTool?: string) => {
    const m = new AnthropicStreamMapper({ ...opts, jsonTool });
    const out: StreamEvent[] = [];
    for (const [name, data] of events) {
      const e = m.push(name, JSON.stringify({ type: name, ...data }));
      if (e) out.push(e);
    }
    const tail = m.end();
    if (tail) out.push(tail);
    return out;
  };
  const chunks = (events: StreamEvent[]) => events.filter((e) => e.type === "chunk").map((e) => (e as { chunk: ChatCompletionChunk }).chunk);
  const start = (usage: object): [string, object] => ["message_start", { message: { id: "msg_s", model: "m", usage } }];

  test("usage is merged from message_start (input, cache) and message_delta (output), sent on a choices:[] chunk", () => {
    const out = chunks(run([
      start({ input_tokens: 7, cache_read_input_tokens: 3, output_tokens: 1 }),
      ["message_delta", { delta: { stop_reason: "end_turn" }, usage: { output_tokens: 9 } }],
      ["message_stop", {}],
    ]));
    expect(out.at(-1)!.choices).toEqual([]);
    expect(out.at(-1)!.usage).toEqual({ prompt_tokens: 10, completion_tokens: 9, total_tokens: 19, prompt_tokens_details: { cached_tokens: 3 } });
  });

  test("message_delta repeating input counts (newer API versions) wins over message_start", () => {
    const out = chunks(run([
      start({ input_tokens: 7, output_tokens: 1 }),
      ["message_delta", { delta: { stop_reason: "end_turn" }, usage: { input_tokens: 8, output_tokens: 2 } }],
      ["message_stop", {}],
    ]));
    expect(out.at(-1)!.usage!.prompt_tokens).toBe(8);
  });

  test("JSON mode in a stream: the forced tool's partial_json streams as content, finish stop", () => {
    const out = chunks(run([
      start({ input_tokens: 1, output_tokens: 1 }),
      ["content_block_start", { index: 0, content_block: { type: "tool_use", id: "toolu_j", name: JSON_TOOL_NAME, input: {} } }],
      ["content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: "" } }],
      ["content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: "{\"city\":" } }],
      ["content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: "\"Paris\"}" } }],
      ["content_block_stop", { index: 0 }],
      ["message_delta", { delta: { stop_reason: "tool_use" }, usage: { output_tokens: 5 } }],
      ["message_stop", {}],
    ], JSON_TOOL_NAME));
    const content = out.map((c) => c.choices[0]?.delta.content ?? "").join("");
    expect(JSON.parse(content)).toEqual({ city: "Paris" });
    expect(out.some((c) => c.choices[0]?.delta.tool_calls)).toBe(false);
    expect(out.filter((c) => c.choices[0]?.finish_reason).map((c) => c.choices[0]!.finish_reason)).toEqual(["stop"]);
  });

  test("a tool call without arguments streams \"{}\" when its block stops; one with arguments gets nothing more", () => {
    const out = chunks(run([
      start({ input_tokens: 1, output_tokens: 1 }),
      ["content_block_start", { index: 0, content_block: { type: "tool_use", id: "toolu_a", name: "now", input: {} } }],
      ["content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: "" } }],
      ["content_block_stop", { index: 0 }],
      ["content_block_start", { index: 1, content_block: { type: "tool_use", id: "toolu_b", name: "f", input: {} } }],
      ["content_block_delta", { index: 1, delta: { type: "input_json_delta", partial_json: "{\"a\":1}" } }],
      ["content_block_stop", { index: 1 }],
      ["content_block_stop", { index: 1 }],
      ["content_block_stop", { index: 7 }],
      ["message_delta", { delta: { stop_reason: "tool_use" }, usage: { output_tokens: 5 } }],
      ["message_stop", {}],
    ]));
    const args = ["", ""];
    for (const c of out) for (const t of c.choices[0]?.delta.tool_calls ?? []) args[t.index] += t.function?.arguments ?? "";
    expect(args).toEqual(["{}", "{\"a\":1}"]);
  });

  test("JSON mode: a forced tool with no input streams \"{}\" as content, as the JSON answer does", () => {
    const out = chunks(run([
      start({ input_tokens: 1, output_tokens: 1 }),
      ["content_block_start", { index: 0, content_block: { type: "tool_use", id: "toolu_j", name: JSON_TOOL_NAME, input: {} } }],
      ["content_block_stop", { index: 0 }],
      ["message_delta", { delta: { stop_reason: "tool_use" }, usage: { output_tokens: 5 } }],
      ["message_stop", {}],
    ], JSON_TOOL_NAME));
    expect(out.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("{}");
  });

  test("thinking streams as delta.reasoning_content; its block with the signature comes whole as delta.reasoning_details when it stops", () => {
    const out = chunks(run([
      start({ input_tokens: 1, output_tokens: 1 }),
      ["content_block_start", { index: 0, content_block: { type: "thinking", thinking: "" } }],
      ["content_block_delta", { index: 0, delta: { type: "thinking_delta", thinking: "Let me " } }],
      ["content_block_delta", { index: 0, delta: { type: "thinking_delta", thinking: "think." } }],
      ["content_block_delta", { index: 0, delta: { type: "signature_delta", signature: "SIG" } }],
      ["content_block_stop", { index: 0 }],
      ["content_block_start", { index: 1, content_block: { type: "redacted_thinking", data: "ENC" } }],
      ["content_block_stop", { index: 1 }],
      ["content_block_start", { index: 2, content_block: { type: "text", text: "" } }],
      ["content_block_delta", { index: 2, delta: { type: "text_delta", text: "42" } }],
      ["content_block_stop", { index: 2 }],
      ["message_delta", { delta: { stop_reason: "end_turn" }, usage: { output_tokens: 5 } }],
      ["message_stop", {}],
    ]));
    expect(out.map((c) => c.choices[0]?.delta.reasoning_content ?? "").join("")).toBe("Let me think.");
    expect(out.flatMap((c) => (c.choices[0]?.delta.reasoning_details as unknown[] | undefined) ?? [])).toEqual([
      { type: "reasoning.text", text: "Let me think.", signature: "SIG", format: "anthropic-claude-v1" },
      { type: "reasoning.encrypted", data: "ENC", format: "anthropic-claude-v1" },
    ]);
    expect(out.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("42");
  });

  test("event: error inside a 200 stream → one error event, nothing after it", () => {
    const out = run([
      start({ input_tokens: 1, output_tokens: 1 }),
      ["error", { error: { type: "overloaded_error", message: "Overloaded" } }],
      ["message_stop", {}],
    ]);
    expect(out.at(-1)!.type).toBe("error");
    const err = (out.at(-1) as { error: { status: number; code: string; retryable: boolean } }).error;
    expect([err.status, err.code, err.retryable]).toEqual([503, "overloaded", true]);
    expect(out.length).toBe(2);
  });

  test("message_stop without a stop reason, or an end without message_stop, is an interrupted stream", () => {
    const a = run([start({ input_tokens: 1, output_tokens: 1 }), ["message_stop", {}]]);
    expect((a.at(-1) as { error: { kind: string } }).error.kind).toBe("stream_interrupted");
    const b = run([start({ input_tokens: 1, output_tokens: 1 }), ["message_delta", { delta: { stop_reason: "end_turn" }, usage: { output_tokens: 1 } }]]);
    expect((b.at(-1) as { error: { kind: string } }).error.kind).toBe("stream_interrupted");
  });

  test("ping, content_block_stop, signature deltas and unknown events produce nothing", () => {
    const m = new AnthropicStreamMapper(opts);
    expect(m.push("ping", "{\"type\": \"ping\"}")).toBeUndefined();
    expect(m.push("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}")).toBeUndefined();
    expect(m.push("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"x\"}}")).toBeUndefined();
    expect(m.push("brand_new", "{\"type\":\"brand_new\"}")).toBeUndefined();
  });

  test("CRLF-separated SSE decodes the same (fixture replayed with CRLF)", async () => {
    const text = loadText("anthropic", "stream.sse").replace(/\n/g, "\r\n");
    const events: StreamEvent[] = [];
    for await (const e of anthropicStream(new Response(text).body!, opts, testReads())) events.push(e);
    const content = chunks(events).map((c) => c.choices[0]?.delta.content ?? "").join("");
    expect(content).toBe("Hello there!");
    expect(events.every((e) => e.type === "chunk")).toBe(true);
  });
});
