import { errors, GatewayError } from "../../../core/errors.ts";
import { newCompletionId, nowSeconds } from "../../../core/ids.ts";
import type { ChatCompletionChunk, ChunkChoice, FinishReason } from "../../../core/openai-types.ts";
import type { StreamEvent } from "../../../core/stream-event.ts";
import type { UpstreamReads } from "../../types.ts";
import { decodeSse } from "../sse-decoder.ts";
import { safeJson } from "../upstream-error.ts";
import { anthropicStreamError } from "./errors.ts";
import { completionId } from "./response.ts";
import { encryptedDetail, textDetail } from "./thinking.ts";
import { finishReason, mergeUsage, toOpenAIUsage } from "./usage.ts";
import type { AnthropicUsage } from "./wire-types.ts";

export interface AnthropicStreamOptions {
  /** The provider block name, for error messages. */
  provider: string;
  /** The model asked for; used until message_start names one. */
  model?: string;
  /** From AnthropicCall.jsonTool: that tool's streamed input becomes `delta.content`. */
  jsonTool?: string;
  now?: () => number;
}

/** What a content block index is, so its deltas go to the right place. */
type Block =
  | { kind: "tool"; ordinal: number; args: boolean }
  | { kind: "json"; args: boolean }
  | { kind: "thinking"; text: string; signature: string | undefined }
  | { kind: "other" };

interface Payload {
  type?: string;
  index?: number;
  message?: { id?: string; model?: string; usage?: AnthropicUsage };
  content_block?: { type?: string; id?: string; name?: string; text?: string; input?: unknown; thinking?: string; data?: string };
  delta?: { type?: string; text?: string; partial_json?: string; thinking?: string; signature?: string; stop_reason?: string | null };
  usage?: AnthropicUsage;
}

/**
 * Anthropic stream events → OpenAI chunks, one event in, at most one out. Keeps per-block state by
 * Anthropic `index` (tool_use blocks stream one after another); the OpenAI tool index is the ordinal
 * of the tool call. One id and created for the whole stream; usage is merged from message_start
 * (input, cache) and message_delta (cumulative output) and sent on a final `choices: []` chunk.
 * Thinking streams as `delta.reasoning_content`; when a thinking block stops, its text and
 * signature come as one `delta.reasoning_details` item (redacted blocks as they start).
 */
export class AnthropicStreamMapper {
  private id: string | undefined;
  private model: string;
  private readonly created: number;
  private readonly blocks = new Map<number, Block>();
  private readonly usage: AnthropicUsage = {};
  private tools = 0;
  private jsonUsed = false;
  private finished = false;
  /** message_stop or an error event arrived: nothing more will be mapped. */
  done = false;
  /** The stream ended cleanly with message_stop. */
  stopped = false;

  constructor(private readonly opts: AnthropicStreamOptions) {
    this.model = opts.model ?? "";
    this.created = (opts.now ?? nowSeconds)();
  }

  push(eventName: string | undefined, data: string): StreamEvent | undefined {
    if (this.done) return undefined;
    const p = safeJson(data) as Payload | undefined;
    if (!p || typeof p !== "object") return this.fail(errors.streamInterrupted(this.opts.provider, "an event was not valid JSON"));
    switch (p.type ?? eventName) {
      case "message_start": {
        const m = p.message ?? {};
        if (typeof m.id === "string") this.id ??= completionId(m.id);
        if (typeof m.model === "string") this.model = m.model;
        mergeUsage(this.usage, m.usage);
        return this.chunk({ role: "assistant", content: "" });
      }
      case "content_block_start":
        return this.blockStart(p.index ?? -1, p.content_block ?? {});
      case "content_block_delta":
        return this.blockDelta(p.index ?? -1, p.delta ?? {});
      case "content_block_stop":
        return this.blockStop(p.index ?? -1);
      case "message_delta": {
        mergeUsage(this.usage, p.usage);
        const reason = p.delta?.stop_reason;
        if (reason == null || this.finished) return undefined;
        this.finished = true;
        let finish = finishReason(reason);
        if (this.jsonUsed && this.tools === 0 && finish === "tool_calls") finish = "stop";
        return this.chunk({}, finish);
      }
      case "message_stop": {
        this.done = true;
        if (!this.finished) return this.fail(errors.streamInterrupted(this.opts.provider, "message_stop arrived without a stop reason"));
        this.stopped = true;
        const usage = toOpenAIUsage(this.usage);
        if (!usage) return undefined;
        return { type: "chunk", chunk: { id: this.streamId(), object: "chat.completion.chunk", created: this.created, model: this.model, choices: [], usage } };
      }
      case "error":
        return this.fail(anthropicStreamError(this.opts.provider, p));
      default:
        // ping, and event types newer than this code.
        return undefined;
    }
  }

  /** The upstream body ended: an error event unless message_stop (or an error) came first. */
  end(): StreamEvent | undefined {
    if (this.done) return undefined;
    this.done = true;
    const why = this.finished ? "the stream ended before message_stop" : "the stream ended before a stop reason";
    return { type: "error", error: errors.streamInterrupted(this.opts.provider, why) };
  }

  private blockStart(index: number, block: NonNullable<Payload["content_block"]>): StreamEvent | undefined {
    if (block.type === "tool_use") {
      if (this.opts.jsonTool !== undefined && block.name === this.opts.jsonTool) {
        this.blocks.set(index, { kind: "json", args: false });
        this.jsonUsed = true;
        return undefined;
      }
      const ordinal = this.tools++;
      const input = block.input && typeof block.input === "object" && Object.keys(block.input).length > 0 ? JSON.stringify(block.input) : "";
      this.blocks.set(index, { kind: "tool", ordinal, args: input !== "" });
      return this.chunk({ tool_calls: [{ index: ordinal, id: block.id ?? "", type: "function", function: { name: block.name ?? "", arguments: input } }] });
    }
    if (block.type === "thinking") {
      const text = typeof block.thinking === "string" ? block.thinking : "";
      this.blocks.set(index, { kind: "thinking", text, signature: undefined });
      return text ? this.chunk({ reasoning_content: text }) : undefined;
    }
    this.blocks.set(index, { kind: "other" });
    if (block.type === "text" && block.text && this.opts.jsonTool === undefined) return this.chunk({ content: block.text });
    if (block.type === "redacted_thinking" && typeof block.data === "string") return this.chunk({ reasoning_details: [encryptedDetail(block.data)] });
    return undefined;
  }

  private blockDelta(index: number, delta: NonNullable<Payload["delta"]>): StreamEvent | undefined {
    switch (delta.type) {
      case "text_delta":
        // With a forced JSON tool, text would corrupt the JSON content (the model sends none in practice).
        if (!delta.text || this.opts.jsonTool !== undefined) return undefined;
        return this.chunk({ content: delta.text });
      case "input_json_delta": {
        const block = this.blocks.get(index);
        if (!delta.partial_json || !block || (block.kind !== "tool" && block.kind !== "json")) return undefined;
        block.args = true;
        if (block.kind === "json") return this.chunk({ content: delta.partial_json });
        return this.chunk({ tool_calls: [{ index: block.ordinal, function: { arguments: delta.partial_json } }] });
      }
      case "thinking_delta": {
        if (typeof delta.thinking !== "string" || !delta.thinking) return undefined;
        const block = this.blocks.get(index);
        if (block?.kind === "thinking") block.text += delta.thinking;
        return this.chunk({ reasoning_content: delta.thinking });
      }
      case "signature_delta": {
        const block = this.blocks.get(index);
        if (block?.kind === "thinking" && typeof delta.signature === "string") block.signature = (block.signature ?? "") + delta.signature;
        return undefined;
      }
      default:
        return undefined;
    }
  }

  /**
   * A tool call without arguments streams `input: {}` and an empty input_json_delta: its arguments
   * are "{}" when the block stops, as in the non-streamed answer (OpenAI never sends "").
   */
  private blockStop(index: number): StreamEvent | undefined {
    const block = this.blocks.get(index);
    if (!block || block.kind === "other") return undefined;
    if (block.kind === "thinking") {
      // The whole block, with its signature, as the JSON answer's reasoning_details item.
      this.blocks.set(index, { kind: "other" });
      return this.chunk({ reasoning_details: [textDetail(block.text, block.signature)] });
    }
    if (block.args) return undefined;
    block.args = true;
    if (block.kind === "json") return this.chunk({ content: "{}" });
    return this.chunk({ tool_calls: [{ index: block.ordinal, function: { arguments: "{}" } }] });
  }

  private streamId(): string {
    return (this.id ??= newCompletionId());
  }

  private chunk(delta: ChunkChoice["delta"], finish: FinishReason | null = null): StreamEvent {
    const chunk: ChatCompletionChunk = {
      id: this.streamId(), object: "chat.completion.chunk", created: this.created, model: this.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    };
    return { type: "chunk", chunk };
  }

  private fail(error: GatewayError): StreamEvent {
    this.done = true;
    return { type: "error", error };
  }
}

/** An Anthropic SSE body (Messages API, or Vertex streamRawPredict) → OpenAI stream events. */
export async function* anthropicStream(body: ReadableStream<Uint8Array>, opts: AnthropicStreamOptions, reads: UpstreamReads): AsyncGenerator<StreamEvent> {
  const mapper = new AnthropicStreamMapper(opts);
  try {
    for await (const message of decodeSse(body, reads)) {
      const event = mapper.push(message.event, message.data);
      if (event) yield event;
      if (event?.type === "error") return;
      // After message_stop the body is read to its end, so the connection can be reused.
    }
  } catch (err) {
    // Aborted, over the size limit or out of time: the engine reports those as they are.
    if (err instanceof GatewayError || (err instanceof Error && err.name === "AbortError")) throw err;
    if (!mapper.done) yield { type: "error", error: errors.streamInterrupted(opts.provider, "the connection closed before the stream ended") };
    return;
  }
  const tail = mapper.end();
  if (tail) yield tail;
}
