import { errors, GatewayError } from "../../core/errors.ts";
import type { ChatCompletionChunk, ChunkChoice, FinishReason } from "../../core/openai-types.ts";
import type { StreamEvent } from "../../core/stream-event.ts";
import type { UpstreamReads } from "../types.ts";
import { decodeEventStream, EventStreamError, type EventStreamMessage } from "./event-stream.ts";
import { eventStreamFailure } from "./errors.ts";
import { finishReason, mapUsage, type TokenUsage } from "./converse-response.ts";
import { JSON_TOOL } from "./json-mode.ts";
import { encryptedDetail, textDetail } from "./reasoning.ts";

// ConverseStream (binary event stream) → OpenAI chunks (providers README §3.4):
// messageStart → role chunk; text deltas → content; contentBlockStart.toolUse → first delta of a tool
// call (OpenAI index = ordinal of the call, not contentBlockIndex); toolUse input → argument fragments;
// messageStop → the one finish chunk; metadata (after messageStop) → the `choices: []` usage chunk.

export interface StreamMeta { provider: string; id: string; created: number; model: string; jsonTool: boolean }

interface Payload {
  contentBlockIndex?: number;
  start?: { toolUse?: { toolUseId?: string; name?: string } };
  delta?: { text?: string; toolUse?: { input?: string }; reasoningContent?: { text?: string; signature?: string; redactedContent?: string } };
  stopReason?: string;
  usage?: TokenUsage;
}

/** A tool-use content block; ordinal -1 is the forced JSON-mode tool (its input is content). */
interface ToolBlock { block: number; ordinal: number; sent: boolean }

const utf8 = new TextDecoder();

export async function* converseStream(body: ReadableStream<Uint8Array>, meta: StreamMeta, signal: AbortSignal, reads: UpstreamReads): AsyncGenerator<StreamEvent> {
  const chunk = (delta: ChunkChoice["delta"], finish: FinishReason | null = null): StreamEvent => ({
    type: "chunk",
    chunk: { id: meta.id, object: "chat.completion.chunk", created: meta.created, model: meta.model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] },
  });
  /**
   * Tool blocks by contentBlockIndex: the OpenAI ordinal, and whether any argument text went out. A
   * call that streamed no input is closed with `{}` (as the non-streamed answer has it), never `""`.
   */
  const tools = new Map<number, ToolBlock>();
  let toolCount = 0;
  /** The content block of the forced JSON-mode tool, whose input streams out as content. */
  let jsonBlock: ToolBlock | undefined;
  let finished = false;
  /**
   * Reasoning blocks by contentBlockIndex: their text streams as `delta.reasoning_content`; when the
   * block stops, text and signature go out as one `delta.reasoning_details` item (as on the Anthropic path).
   */
  let reasoning: Map<number, { text: string; signature: string | undefined }> | undefined;
  const closeReasoning = (at: number): StreamEvent | undefined => {
    const r = reasoning?.get(at);
    if (!r) return undefined;
    reasoning!.delete(at);
    return chunk({ reasoning_details: [textDetail(r.text, r.signature)] });
  };
  /** The closing `{}` of a tool block that streamed no input (undefined when it needs none). */
  const close = (block: ToolBlock | undefined): StreamEvent | undefined => {
    if (!block || block.sent) return undefined;
    block.sent = true;
    return block.ordinal < 0 ? chunk({ content: "{}" }) : chunk({ tool_calls: [{ index: block.ordinal, function: { arguments: "{}" } }] });
  };

  try {
    for await (const message of decodeEventStream(body, reads)) {
      const failure = eventStreamFailure(meta.provider, message);
      if (failure) {
        yield { type: "error", error: failure };
        return;
      }
      if (message.headers[":message-type"] !== "event") continue;
      const payload = parsePayload(message);
      if (!payload) {
        yield { type: "error", error: errors.streamInterrupted(meta.provider, "an event payload was not valid JSON") };
        return;
      }
      switch (message.headers[":event-type"]) {
        case "messageStart":
          yield chunk({ role: "assistant", content: "" });
          break;
        case "contentBlockStart": {
          const tool = payload.start?.toolUse;
          if (!tool) break;
          if (meta.jsonTool && tool.name === JSON_TOOL) {
            jsonBlock = { block: payload.contentBlockIndex ?? -1, ordinal: -1, sent: false };
            break;
          }
          const index = toolCount++;
          tools.set(payload.contentBlockIndex ?? -1, { block: payload.contentBlockIndex ?? -1, ordinal: index, sent: false });
          yield chunk({ tool_calls: [{ index, id: tool.toolUseId ?? "", type: "function", function: { name: tool.name ?? "", arguments: "" } }] });
          break;
        }
        case "contentBlockDelta": {
          const delta = payload.delta;
          if (typeof delta?.text === "string") {
            if (delta.text !== "") yield chunk({ content: delta.text });
          } else if (delta?.toolUse) {
            const at = payload.contentBlockIndex ?? -1;
            const block = jsonBlock !== undefined && jsonBlock.block === at ? jsonBlock : tools.get(at);
            const fragment = delta.toolUse.input;
            if (block === undefined || typeof fragment !== "string" || fragment === "") break;
            block.sent = true;
            yield block.ordinal < 0 ? chunk({ content: fragment }) : chunk({ tool_calls: [{ index: block.ordinal, function: { arguments: fragment } }] });
          } else if (delta?.reasoningContent) {
            const r = delta.reasoningContent;
            if (typeof r.redactedContent === "string") {
              yield chunk({ reasoning_details: [encryptedDetail(r.redactedContent)] });
              break;
            }
            const at = payload.contentBlockIndex ?? -1;
            let block = reasoning?.get(at);
            if (!block) (reasoning ??= new Map()).set(at, block = { text: "", signature: undefined });
            if (typeof r.signature === "string") block.signature = (block.signature ?? "") + r.signature;
            if (typeof r.text === "string" && r.text !== "") {
              block.text += r.text;
              yield chunk({ reasoning_content: r.text });
            }
          }
          break;
        }
        case "contentBlockStop": {
          const at = payload.contentBlockIndex ?? -1;
          const closing = close(jsonBlock !== undefined && jsonBlock.block === at ? jsonBlock : tools.get(at)) ?? closeReasoning(at);
          if (closing) yield closing;
          break;
        }
        case "messageStop": {
          // Blocks the model never stopped are closed before the finish chunk.
          if (!finished) {
            for (const at of reasoning?.keys() ?? []) {
              const closing = closeReasoning(at);
              if (closing) yield closing;
            }
            for (const block of tools.values()) {
              const closing = close(block);
              if (closing) yield closing;
            }
            const closing = close(jsonBlock);
            if (closing) yield closing;
            yield chunk({}, finishReason(payload.stopReason, meta.jsonTool));
          }
          finished = true;
          break;
        }
        case "metadata": {
          const usage = mapUsage(payload.usage);
          if (usage) {
            const last: ChatCompletionChunk = { id: meta.id, object: "chat.completion.chunk", created: meta.created, model: meta.model, choices: [], usage };
            yield { type: "chunk", chunk: last };
          }
          break;
        }
        default:
          // Event types added later carry nothing a client needs.
          break;
      }
    }
  } catch (err) {
    // Aborted, over the size limit or out of time: the engine reports those as they are.
    if (signal.aborted || err instanceof GatewayError) throw err;
    const detail = err instanceof EventStreamError ? `the event stream was corrupt (${err.message})` : "the connection closed before the stream ended";
    yield { type: "error", error: errors.streamInterrupted(meta.provider, detail) };
    return;
  }
  if (!finished) yield { type: "error", error: errors.streamInterrupted(meta.provider, "the stream ended before messageStop") };
}

function parsePayload(message: EventStreamMessage): Payload | undefined {
  if (message.payload.byteLength === 0) return {};
  try {
    const value: unknown = JSON.parse(utf8.decode(message.payload));
    return value !== null && typeof value === "object" ? (value as Payload) : undefined;
  } catch {
    return undefined;
  }
}
