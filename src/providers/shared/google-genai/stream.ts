import { errors, GatewayError } from "../../../core/errors.ts";
import type { ChunkChoice, ToolCallDelta, Usage } from "../../../core/openai-types.ts";
import type { StreamEvent } from "../../../core/stream-event.ts";
import type { UpstreamReads } from "../../types.ts";
import { decodeSse } from "../sse-decoder.ts";
import { safeJson } from "../upstream-error.ts";
import { googleError } from "./errors.ts";
import { hasWellFormedCandidates } from "./validate.ts";
import { completionId, createdOf, mapFinishReason, mapLogprobs, mapUsage, readParts, signatureFields } from "./response.ts";
import type { GenerateContentResponse } from "./wire.ts";

/**
 * `:streamGenerateContent?alt=sse` → OpenAI chunks. Google's SSE has CRLF separators and no [DONE]: the
 * body simply ends. Function calls arrive whole, so each becomes one tool-call delta with its full
 * arguments. Thought parts stream as `delta.reasoning_content`; a text part's thoughtSignature as
 * `delta.extra_content.google.thought_signature` and a `delta.reasoning_details` item; `logprobsResult` as the choice's `logprobs`. Usage is
 * cumulative on every chunk (on Vertex only the last has counts): the last one seen
 * is sent at the end as a `choices: []` chunk, after the finish chunk.
 */
export async function* toChunkStream(body: ReadableStream<Uint8Array>, provider: string, model: string, reads: UpstreamReads): AsyncGenerator<StreamEvent> {
  let head: { id: string; created: number; model: string } | undefined;
  let usage: Usage | undefined;
  const toolCalls = new Map<number, number>();
  const finished = new Set<number>();
  const chunk = (choices: ChunkChoice[], withUsage?: Usage): StreamEvent => ({
    type: "chunk",
    chunk: { ...head!, object: "chat.completion.chunk", choices, ...(withUsage ? { usage: withUsage } : {}) },
  });

  try {
    for await (const message of decodeSse(body, reads)) {
      const data = safeJson(message.data) as GenerateContentResponse | undefined;
      if (!data || typeof data !== "object" || Array.isArray(data)) {
        yield { type: "error", error: errors.streamInterrupted(provider, "an event was not valid JSON") };
        return;
      }
      if (data.error === undefined && !hasWellFormedCandidates(data)) {
        yield { type: "error", error: errors.streamInterrupted(provider, "an event's `candidates` had the wrong shape") };
        return;
      }
      if (data.error !== undefined) {
        const code = (data.error as { code?: unknown }).code;
        const status = typeof code === "number" && code >= 400 ? code : 502;
        yield { type: "error", error: googleError(provider, status, JSON.stringify({ error: data.error }), new Headers()) };
        return;
      }
      head ??= { id: completionId(data), created: createdOf(data), model: data.modelVersion ?? model };
      usage = mapUsage(data.usageMetadata) ?? usage;

      const deltas: ChunkChoice[] = [];
      const finishes: ChunkChoice[] = [];
      const candidates = data.candidates ?? [];
      if (candidates.length === 0 && data.promptFeedback?.blockReason && !finished.has(0)) {
        finished.add(0);
        finishes.push({ index: 0, delta: {}, logprobs: null, finish_reason: "content_filter" });
      }
      candidates.forEach((candidate, position) => {
        const index = candidate.index ?? position;
        if (finished.has(index)) return;
        const read = readParts(candidate.content?.parts);
        const calls: ToolCallDelta[] = [];
        for (const call of read.calls) {
          const ordinal = toolCalls.get(index) ?? 0;
          toolCalls.set(index, ordinal + 1);
          calls.push({ index: ordinal, ...call });
        }
        const logprobs = mapLogprobs(candidate.logprobsResult);
        if (read.text || read.reasoning || calls.length > 0 || read.signature !== undefined || logprobs) {
          const delta: ChunkChoice["delta"] = {};
          if (read.reasoning) delta.reasoning_content = read.reasoning;
          if (read.text) delta.content = read.text;
          if (calls.length > 0) delta.tool_calls = calls;
          if (read.signature !== undefined) Object.assign(delta, signatureFields(read.signature));
          deltas.push({ index, delta, logprobs, finish_reason: null });
        }
        if (candidate.finishReason) {
          finished.add(index);
          finishes.push({ index, delta: {}, logprobs: null, finish_reason: mapFinishReason(candidate.finishReason, (toolCalls.get(index) ?? 0) > 0) });
        }
      });
      if (deltas.length > 0) yield chunk(deltas);
      if (finishes.length > 0) yield chunk(finishes);
    }
  } catch (err) {
    // Aborted, over the size limit or out of time: the engine reports those as they are.
    if (err instanceof GatewayError || (err instanceof Error && err.name === "AbortError")) throw err;
    // Cut off after the answer was complete: only trailing usage is lost, the answer stands.
    if (finished.size === 0) {
      yield { type: "error", error: errors.streamInterrupted(provider, "the connection closed before the stream ended") };
      return;
    }
  }
  if (finished.size === 0) {
    yield { type: "error", error: errors.streamInterrupted(provider, "the stream ended without a finishReason") };
    return;
  }
  if (usage) yield chunk([], usage);
}
