import { errors, GatewayError } from "../../core/errors.ts";
import type { ChatCompletionChunk, ChunkChoice, FinishReason } from "../../core/openai-types.ts";
import type { StreamEvent } from "../../core/stream-event.ts";
import type { UpstreamReads } from "../types.ts";
import { decodeEventStream, EventStreamError, type EventStreamMessage } from "./event-stream.ts";
import { bedrockException, exceptionName } from "./errors.ts";
import { finishReason, mapUsage, type TokenUsage } from "./converse-response.ts";
import { JSON_TOOL } from "./json-mode.ts";

// ConverseStream (binary event stream) → OpenAI chunks (providers README §3.4):
// messageStart → role chunk; text deltas → content; contentBlockStart.toolUse → first delta of a tool
// call (OpenAI index = ordinal of the call, not contentBlockIndex); toolUse input → argument fragments;
// messageStop → the one finish chunk; metadata (after messageStop) → the `choices: []` usage chunk.

export interface StreamMeta { provider: string; id: string; created: number; model: string; jsonTool: boolean }

interface Payload {
  contentBlockIndex?: number;
  start?: { toolUse?: { toolUseId?: string; name?: string } };
  delta?: { text?: string; toolUse?: { input?: string }; reasoningContent?: { text?: string } };
  stopReason?: string;
  usage?: TokenUsage;
  message?: string;
}

const utf8 = new TextDecoder();

export async function* converseStream(body: ReadableStream<Uint8Array>, meta: StreamMeta, signal: AbortSignal, reads: UpstreamReads): AsyncGenerator<StreamEvent> {
  const chunk = (delta: ChunkChoice["delta"], finish: FinishReason | null = null): StreamEvent => ({
    type: "chunk",
    chunk: { id: meta.id, object: "chat.completion.chunk", created: meta.created, model: meta.model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] },
  });
  const toolOrdinal = new Map<number, number>();
  /** The content block of the forced JSON-mode tool, whose input streams out as content. */
  let jsonBlock: number | undefined;
  let finished = false;

  try {
    for await (const message of decodeEventStream(body, reads)) {
      const kind = message.headers[":message-type"];
      if (kind === "exception") {
        yield { type: "error", error: streamException(meta.provider, message) };
        return;
      }
      if (kind === "error") {
        const code = String(message.headers[":error-code"] ?? "");
        const text = String(message.headers[":error-message"] ?? "");
        yield { type: "error", error: bedrockException(meta.provider, exceptionName(code), 502, text || code || undefined) };
        return;
      }
      if (kind !== "event") continue;
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
            jsonBlock = payload.contentBlockIndex ?? -1;
            break;
          }
          const index = toolOrdinal.size;
          toolOrdinal.set(payload.contentBlockIndex ?? -1, index);
          yield chunk({ tool_calls: [{ index, id: tool.toolUseId ?? "", type: "function", function: { name: tool.name ?? "", arguments: "" } }] });
          break;
        }
        case "contentBlockDelta": {
          const delta = payload.delta;
          if (typeof delta?.text === "string") {
            if (delta.text !== "") yield chunk({ content: delta.text });
          } else if (delta?.toolUse && jsonBlock !== undefined && (payload.contentBlockIndex ?? -1) === jsonBlock) {
            if (delta.toolUse.input) yield chunk({ content: delta.toolUse.input });
          } else if (delta?.toolUse) {
            const index = toolOrdinal.get(payload.contentBlockIndex ?? -1);
            const fragment = delta.toolUse.input ?? "";
            if (index !== undefined && fragment !== "") yield chunk({ tool_calls: [{ index, function: { arguments: fragment } }] });
          } else if (typeof delta?.reasoningContent?.text === "string") {
            yield chunk({ reasoning_content: delta.reasoningContent.text });
          }
          break;
        }
        case "messageStop":
          if (!finished) yield chunk({}, finishReason(payload.stopReason, meta.jsonTool));
          finished = true;
          break;
        case "metadata": {
          const usage = mapUsage(payload.usage);
          if (usage) {
            const last: ChatCompletionChunk = { id: meta.id, object: "chat.completion.chunk", created: meta.created, model: meta.model, choices: [], usage };
            yield { type: "chunk", chunk: last };
          }
          break;
        }
        default:
          // contentBlockStop and event types added later carry nothing a client needs.
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

/** `:exception-type: throttlingException` → the same mapping as an HTTP ThrottlingException. */
function streamException(provider: string, message: EventStreamMessage) {
  const name = exceptionName(String(message.headers[":exception-type"] ?? ""));
  const payload = parsePayload(message);
  return bedrockException(provider, name, 502, typeof payload?.message === "string" ? payload.message : undefined);
}
