// The internal stream (OpenAI chunks) → Anthropic's Messages stream events:
// message_start, ping, then per content block content_block_start / content_block_delta
// (text_delta, input_json_delta, thinking_delta, signature_delta) / content_block_stop with
// consecutive indexes, then message_delta (stop_reason, usage) and message_stop. An error ends the
// stream as `event: error` in Anthropic's envelope.
//
// Usage: upstreams report it at the end of a stream, so message_start carries what the first
// chunk knows (usually 0 input tokens) and message_delta the whole usage (input, output, cache),
// which Anthropic's SDKs take as the final counts.
import type { GatewayError } from "../../../core/errors.ts";
import type { ChatCompletionChunk, ToolCallDelta, Usage } from "../../../core/openai-types.ts";
import type { StreamEvent } from "../../../core/stream-event.ts";
import type { SseEncoder } from "../../sse.ts";
import { anthropicErrorBody } from "./errors.ts";
import { anthropicDetail, messageId } from "./response.ts";
import { stopReason, toMessageUsage } from "./usage.ts";

type Open =
  | { kind: "text"; index: number }
  | { kind: "thinking"; index: number }
  | { kind: "tool"; index: number; call: number };

const frame = (event: string, data: object): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

interface Detail { type?: unknown; text?: unknown; signature?: unknown; data?: unknown; format?: unknown }

export class AnthropicStreamEncoder implements SseEncoder {
  private started = false;
  private next = 0;
  private open: Open | undefined;
  /** Tool-call index (OpenAI) → content block index (Anthropic). */
  private readonly tools = new Map<number, number>();
  private finish: string | null = null;
  private usage: Usage | undefined;
  /** The stream is relayed from a native Messages upstream: its events are written as they came, its end included. */
  private native = false;

  constructor(private readonly model: string, private readonly requestId: string | undefined) {}

  chunk(event: Extract<StreamEvent, { type: "chunk" }>): string {
    if (event.sse !== undefined) {
      this.native = true;
      return event.sse;
    }
    const chunk = event.chunk;
    let out = "";
    if (!this.started) out += this.start(chunk);
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) return out;
    const delta = choice.delta ?? {};
    const reasoning = delta.reasoning_content;
    if (typeof reasoning === "string" && reasoning !== "") {
      out += this.ensure("thinking") + this.delta({ type: "thinking_delta", thinking: reasoning });
    }
    if (Array.isArray(delta.reasoning_details)) for (const d of delta.reasoning_details as Detail[]) out += this.detail(d);
    if (typeof delta.content === "string" && delta.content !== "") {
      out += this.ensure("text") + this.delta({ type: "text_delta", text: delta.content });
    }
    if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls) out += this.toolCall(call);
    if (choice.finish_reason != null) {
      this.finish = choice.finish_reason;
      out += this.close();
    }
    return out;
  }

  error(err: GatewayError): string {
    return frame("error", anthropicErrorBody(err, this.requestId));
  }

  end(outcome: "done" | "error"): string {
    if (outcome === "error" || this.native) return "";
    let out = this.started ? "" : this.start(undefined);
    out += this.close();
    const usage = toMessageUsage(this.usage) ?? { input_tokens: 0, output_tokens: 0 };
    out += frame("message_delta", { type: "message_delta", delta: { stop_reason: stopReason(this.finish), stop_sequence: null }, usage });
    return out + frame("message_stop", { type: "message_stop" });
  }

  private start(chunk: ChatCompletionChunk | undefined): string {
    this.started = true;
    const known = toMessageUsage(chunk?.usage);
    const message = {
      id: messageId(chunk?.id), type: "message", role: "assistant", model: chunk?.model || this.model, content: [],
      stop_reason: null, stop_sequence: null,
      usage: { input_tokens: known?.input_tokens ?? 0, output_tokens: 0, cache_creation_input_tokens: known?.cache_creation_input_tokens ?? 0, cache_read_input_tokens: known?.cache_read_input_tokens ?? 0 },
    };
    return frame("message_start", { type: "message_start", message }) + frame("ping", { type: "ping" });
  }

  /** The open block is of `kind` (text, thinking), or the open one closes and a new one starts. */
  private ensure(kind: "text" | "thinking"): string {
    if (this.open?.kind === kind) return "";
    const out = this.close();
    const index = this.next++;
    this.open = { kind, index };
    const block = kind === "text" ? { type: "text", text: "" } : { type: "thinking", thinking: "", signature: "" };
    return out + frame("content_block_start", { type: "content_block_start", index, content_block: block });
  }

  private delta(delta: object, index = this.open!.index): string {
    return frame("content_block_delta", { type: "content_block_delta", index, delta });
  }

  private close(): string {
    if (!this.open) return "";
    const index = this.open.index;
    this.open = undefined;
    return frame("content_block_stop", { type: "content_block_stop", index });
  }

  /**
   * A reasoning_details item: a thinking block's signature (it ends the block, as Anthropic's
   * signature_delta does), a whole thinking block that arrived only as a detail, or redacted thinking.
   */
  private detail(d: Detail): string {
    if (!anthropicDetail(d)) return "";
    if (d.type === "reasoning.text") {
      let out = "";
      if (this.open?.kind !== "thinking") {
        out += this.ensure("thinking");
        if (typeof d.text === "string" && d.text !== "") out += this.delta({ type: "thinking_delta", thinking: d.text });
      }
      if (typeof d.signature === "string" && d.signature !== "") out += this.delta({ type: "signature_delta", signature: d.signature });
      return out + this.close();
    }
    if (d.type === "reasoning.encrypted" && typeof d.data === "string") {
      const out = this.close();
      const index = this.next++;
      return out + frame("content_block_start", { type: "content_block_start", index, content_block: { type: "redacted_thinking", data: d.data } })
        + frame("content_block_stop", { type: "content_block_stop", index });
    }
    return "";
  }

  /**
   * A call's first delta (with its id or name) opens its tool_use block; its argument pieces are
   * input_json_delta. Upstreams stream calls one after another; a piece that comes late for an
   * earlier call (after the next one opened) still goes to that call's index, where the SDKs add it.
   */
  private toolCall(call: ToolCallDelta): string {
    const ordinal = typeof call.index === "number" ? call.index : 0;
    let out = "";
    let index = this.tools.get(ordinal);
    if (index === undefined) {
      out += this.close();
      index = this.next++;
      this.tools.set(ordinal, index);
      this.open = { kind: "tool", index, call: ordinal };
      const block = { type: "tool_use", id: call.id || `toolu_${index}`, name: call.function?.name ?? "", input: {} };
      out += frame("content_block_start", { type: "content_block_start", index, content_block: block });
    }
    const args = call.function?.arguments;
    if (typeof args === "string" && args !== "") out += this.delta({ type: "input_json_delta", partial_json: args }, index);
    return out;
  }
}
