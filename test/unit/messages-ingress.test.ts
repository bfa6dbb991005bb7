// The Anthropic Messages ingress in isolation: request parsing, the answer's shape, the stream
// encoder's event sequence, and the error envelope.
import { describe, expect, test } from "bun:test";
import { errors, GatewayError } from "../../src/core/errors.ts";
import type { ChatCompletion, ChatCompletionChunk } from "../../src/core/openai-types.ts";
import { anthropicErrorBody, anthropicStatus } from "../../src/server/ingress/anthropic/errors.ts";
import { parseMessagesRequest } from "../../src/server/ingress/anthropic/request.ts";
import { toAnthropicMessage } from "../../src/server/ingress/anthropic/response.ts";
import { AnthropicStreamEncoder } from "../../src/server/ingress/anthropic/stream.ts";
import { parseSse } from "../support/sse.ts";

const base = { model: "openai/gpt-4o", max_tokens: 100 };

describe("request", () => {
  test("context_management (Claude Code sends it) is accepted and not passed on; an unknown field is a 400 naming it", () => {
    const hi = [{ role: "user", content: "hi" }];
    const req = parseMessagesRequest({ ...base, messages: hi, context_management: { edits: [{ type: "clear_tool_uses_20250919" }] } });
    expect(req).not.toHaveProperty("context_management");
    let err: unknown;
    try {
      parseMessagesRequest({ ...base, messages: hi, container: "c1" });
    } catch (e) {
      err = e;
    }
    expect((err as GatewayError).param).toBe("container");
  });

  test("blocks, system, tools, tool_choice, thinking, metadata", () => {
    const req = parseMessagesRequest({
      ...base,
      system: [{ type: "text", text: "S1" }, { type: "text", text: "S2", cache_control: { type: "ephemeral" } }],
      messages: [
        { role: "user", content: [
          { type: "text", text: "look" },
          { type: "image", source: { type: "base64", media_type: "image/png", data: "AAA" } },
          { type: "image", source: { type: "url", url: "https://x.test/a.png" } },
          { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBE" }, title: "a.pdf" },
        ] },
        { role: "assistant", content: [
          { type: "thinking", thinking: "hmm", signature: "sig" },
          { type: "redacted_thinking", data: "enc" },
          { type: "text", text: "calling" },
          { type: "tool_use", id: "t1", name: "f", input: { a: 1 } },
        ] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: [{ type: "text", text: "boom" }], is_error: true, cache_control: { type: "ephemeral" } }] },
      ],
      tools: [{ name: "f", input_schema: { type: "object" }, cache_control: { type: "ephemeral" } }],
      tool_choice: { type: "tool", name: "f" },
      thinking: { type: "enabled", budget_tokens: 10000 },
      metadata: { user_id: "u" },
      top_k: 5,
    });
    expect(req.messages).toEqual([
      { role: "system", content: [{ type: "text", text: "S1" }, { type: "text", text: "S2", cache_control: { type: "ephemeral" } }] },
      { role: "user", content: [
        { type: "text", text: "look" },
        { type: "image_url", image_url: { url: "data:image/png;base64,AAA" } },
        { type: "image_url", image_url: { url: "https://x.test/a.png" } },
        { type: "file", file: { filename: "a.pdf", file_data: "data:application/pdf;base64,JVBE" } },
      ] },
      {
        role: "assistant", content: "calling", tool_calls: [{ id: "t1", type: "function", function: { name: "f", arguments: "{\"a\":1}" } }],
        reasoning_content: "hmm",
        reasoning_details: [
          { type: "reasoning.text", text: "hmm", signature: "sig", format: "anthropic-claude-v1" },
          { type: "reasoning.encrypted", data: "enc", format: "anthropic-claude-v1" },
        ],
      },
      { role: "tool", tool_call_id: "t1", content: [{ type: "text", text: "Error: " }, { type: "text", text: "boom", cache_control: { type: "ephemeral" } }] },
    ]);
    expect(req.tools).toEqual([{ type: "function", function: { name: "f", parameters: { type: "object" } }, cache_control: { type: "ephemeral" } } as never]);
    expect(req.tool_choice).toEqual({ type: "function", function: { name: "f" } });
    expect(req.reasoning_effort).toBe("medium");
    expect(req.user).toBe("u");
    expect(req.top_k).toBe(5);
  });

  test("thinking budgets map to the nearest effort bucket", () => {
    const effort = (budget_tokens: number) => parseMessagesRequest({ ...base, messages: [{ role: "user", content: "x" }], thinking: { type: "enabled", budget_tokens } }).reasoning_effort;
    expect([effort(1024), effort(1600), effort(3000), effort(8000), effort(20000), effort(64000)]).toEqual(["minimal", "low", "low", "medium", "high", "high"]);
    expect(parseMessagesRequest({ ...base, messages: [{ role: "user", content: "x" }], thinking: { type: "disabled" } }).reasoning_effort).toBeUndefined();
  });

  test("what has no counterpart is a 400 naming the field", () => {
    const param = (body: Record<string, unknown>) => {
      try {
        parseMessagesRequest(body);
      } catch (e) {
        expect(e).toBeInstanceOf(GatewayError);
        expect((e as GatewayError).status).toBe(400);
        return (e as GatewayError).param;
      }
      return "accepted";
    };
    const msgs = [{ role: "user", content: "x" }];
    expect(param({ ...base, messages: msgs, container: "c" })).toBe("container");
    expect(param({ ...base, messages: msgs, mcp_servers: [] })).toBe("mcp_servers");
    expect(param({ ...base, messages: [{ role: "user", content: [{ type: "text", text: "x", citations: { enabled: true } }] }] })).toBe("messages[0].content[0].citations");
    expect(param({ ...base, messages: [{ role: "user", content: [{ type: "document", source: { type: "url", url: "https://x" } }] }] })).toBe("messages[0].content[0].source.type");
    expect(param({ ...base, messages: [{ role: "assistant", content: [{ type: "server_tool_use", id: "x", name: "web_search", input: {} }] }] })).toBe("messages[0].content[0].type");
    expect(param({ ...base, messages: msgs, metadata: { user_id: "u", other: 1 } })).toBe("metadata.other");
    expect(param({ ...base, messages: msgs, tool_choice: { type: "any" } })).toBe("tool_choice");
    expect(param({ ...base, messages: msgs, thinking: { type: "enabled" } })).toBe("thinking.budget_tokens");
    expect(param({ ...base, messages: msgs, max_tokens: 0 })).toBe("max_tokens");
    expect(param({ ...base, messages: [] })).toBe("messages");
    expect(param({ ...base, messages: msgs, stream: "yes" })).toBe("stream");
    // Response blocks sent back as they came (citations: null) are fine.
    expect(param({ ...base, messages: [{ role: "assistant", content: [{ type: "text", text: "a", citations: null }] }, ...msgs] })).toBe("accepted");
  });
});

describe("answer", () => {
  test("thinking, text and tool_use blocks; stop_reason; usage without the cached tokens in input_tokens", () => {
    const completion: ChatCompletion = {
      id: "chatcmpl-x1", object: "chat.completion", created: 1, model: "m",
      choices: [{ index: 0, finish_reason: "tool_calls", message: {
        role: "assistant", content: "ok", reasoning_content: "r",
        reasoning_details: [{ type: "reasoning.text", text: "r", signature: "s", format: "anthropic-claude-v1" }, { type: "reasoning.encrypted", data: "g", format: "google-gemini-v1" }],
        tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{\"a\":1}" } }, { id: "c2", type: "function", function: { name: "g", arguments: "oops" } }],
      } }],
      usage: { prompt_tokens: 100, completion_tokens: 7, total_tokens: 107, prompt_tokens_details: { cached_tokens: 60, cache_write_tokens: 10 } },
    };
    expect(toAnthropicMessage(completion, "req-model")).toEqual({
      id: "msg_x1", type: "message", role: "assistant", model: "m",
      content: [
        { type: "thinking", thinking: "r", signature: "s" },
        { type: "text", text: "ok" },
        { type: "tool_use", id: "c1", name: "f", input: { a: 1 } },
        { type: "tool_use", id: "c2", name: "g", input: { _raw: "oops" } },
      ],
      stop_reason: "tool_use", stop_sequence: null,
      usage: { input_tokens: 30, output_tokens: 7, cache_read_input_tokens: 60, cache_creation_input_tokens: 10 },
    });
  });

  test("finish reasons", () => {
    const stop = (finish: ChatCompletion["choices"][number]["finish_reason"]) =>
      toAnthropicMessage({ id: "a", object: "chat.completion", created: 1, model: "m", choices: [{ index: 0, finish_reason: finish, message: { role: "assistant", content: "" } }] }, "m").stop_reason;
    expect([stop("stop"), stop("length"), stop("tool_calls"), stop("content_filter"), stop(null)]).toEqual(["end_turn", "max_tokens", "tool_use", "refusal", "end_turn"]);
  });
});

const ch = (delta: Record<string, unknown>, finish: string | null = null, usage?: object): ChatCompletionChunk =>
  ({ id: "chatcmpl-s", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) }) as ChatCompletionChunk;

function encode(chunks: ChatCompletionChunk[], end: "done" | "error" = "done", err?: GatewayError) {
  const enc = new AnthropicStreamEncoder("req-model", "req_1");
  let text = chunks.map((chunk) => enc.chunk({ type: "chunk", chunk })).join("");
  if (err) text += enc.error(err);
  text += enc.end(end);
  return parseSse(text).map((e) => ({ event: e.event, data: JSON.parse(e.data) as Record<string, any> }));
}

describe("stream encoder", () => {
  test("thinking (with its signature), text, tool calls with interleaved argument pieces", () => {
    const events = encode([
      ch({ role: "assistant", reasoning_content: "th" }),
      ch({ reasoning_details: [{ type: "reasoning.text", text: "th", signature: "sg", format: "anthropic-claude-v1" }] }),
      ch({ reasoning_details: [{ type: "reasoning.encrypted", data: "red", format: "anthropic-claude-v1" }] }),
      ch({ reasoning_details: [{ type: "reasoning.encrypted", data: "gem", format: "google-gemini-v1" }] }),
      ch({ content: "hi" }),
      ch({ tool_calls: [{ index: 0, id: "a", type: "function", function: { name: "f", arguments: "{\"x\"" } }] }),
      ch({ tool_calls: [{ index: 1, id: "b", type: "function", function: { name: "g", arguments: "{}" } }] }),
      ch({ tool_calls: [{ index: 0, function: { arguments: ":1}" } }] }),
      ch({}, "tool_calls"),
      { ...ch({}), choices: [], usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 } },
    ]);
    expect(events.map((e) => `${e.event}${e.data.index ?? ""}${e.data.delta?.type ? ":" + e.data.delta.type : ""}`)).toEqual([
      "message_start", "ping",
      "content_block_start0", "content_block_delta0:thinking_delta", "content_block_delta0:signature_delta", "content_block_stop0",
      "content_block_start1", "content_block_stop1",
      "content_block_start2", "content_block_delta2:text_delta", "content_block_stop2",
      "content_block_start3", "content_block_delta3:input_json_delta", "content_block_stop3",
      "content_block_start4", "content_block_delta4:input_json_delta", "content_block_delta3:input_json_delta", "content_block_stop4",
      "message_delta", "message_stop",
    ]);
    expect(events[0]!.data.message).toMatchObject({ id: "msg_s", model: "m", role: "assistant", content: [], usage: { input_tokens: 0, output_tokens: 0 } });
    expect(events[6]!.data.content_block).toEqual({ type: "redacted_thinking", data: "red" });
    expect(events.at(-2)!.data).toEqual({
      type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null },
      usage: { input_tokens: 9, output_tokens: 4, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
  });

  test("an empty stream is still a whole message; an error ends the stream as `event: error` without message_stop", () => {
    expect(encode([]).map((e) => e.event)).toEqual(["message_start", "ping", "message_delta", "message_stop"]);
    const failed = encode([ch({ content: "a" })], "error", errors.streamInterrupted("openai", "gone"));
    expect(failed.map((e) => e.event)).toEqual(["message_start", "ping", "content_block_start", "content_block_delta", "error"]);
    expect(failed.at(-1)!.data).toEqual({ type: "error", error: { type: "api_error", message: expect.stringContaining("gone") }, request_id: "req_1" });
  });
});

describe("errors", () => {
  test("status ↔ type, 529 for overload", () => {
    const of = (e: GatewayError) => [anthropicStatus(e), anthropicErrorBody(e, undefined).error.type];
    expect(of(errors.invalidRequest("x"))).toEqual([400, "invalid_request_error"]);
    expect(of(errors.missingCredentials("openai"))).toEqual([401, "authentication_error"]);
    expect(of(errors.modelNotFound("a/b", "no"))).toEqual([404, "not_found_error"]);
    expect(of(errors.bodyTooLarge(10))).toEqual([413, "request_too_large"]);
    expect(of(errors.upstream("p", 429, "slow"))).toEqual([429, "rate_limit_error"]);
    expect(of(errors.upstream("p", 503, "overloaded", { code: "overloaded" }))).toEqual([529, "overloaded_error"]);
    expect(of(errors.upstream("p", 500, "x"))).toEqual([500, "api_error"]);
    expect(of(errors.upstreamTimeout("p", 5))).toEqual([504, "timeout_error"]);
    expect(of(errors.pluginFailed("g", new Error("x")))).toEqual([503, "api_error"]);
    expect(of(errors.upstream("p", 403, "no"))).toEqual([403, "permission_error"]);
  });
});
