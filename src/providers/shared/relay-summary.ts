// What the gateway keeps of an answer it relays natively (a Messages or Responses body passed
// through untranslated): not the content, only what the engine, telemetry and cost read — the id,
// the model, how it ended and the usage — in the internal (Chat Completions) shape.
import type { ChatCompletion, ChatCompletionChunk, Usage } from "../../core/openai-types.ts";

/** A relayed JSON answer's summary. */
export function summaryCompletion(id: unknown, model: string, finish: string, usage: Usage | undefined): ChatCompletion {
  return {
    id: typeof id === "string" ? id : "",
    object: "chat.completion",
    created: 0,
    model,
    choices: [{ index: 0, message: { role: "assistant", content: null }, finish_reason: finish }],
    usage,
  } as ChatCompletion;
}

/** A relayed stream event's summary: the usage so far, and the finish once the event names it. */
export function summaryChunk(model: string, usage: Usage | undefined, finish: string | null): ChatCompletionChunk {
  return {
    id: "", object: "chat.completion.chunk", created: 0, model,
    choices: finish === null ? [] : [{ index: 0, delta: {}, finish_reason: finish }],
    usage,
  } as ChatCompletionChunk;
}

/** An event's SSE text: the `event:` line, then the data (one `data:` line per line of it). */
export const sseText = (event: string | undefined, data: string): string =>
  (event !== undefined ? `event: ${event}\n` : "") + `data: ${data.replace(/\n/g, "\ndata: ")}\n\n`;
