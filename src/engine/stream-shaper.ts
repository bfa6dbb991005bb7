import type { ChatCompletionChunk, Usage } from "../core/openai-types.ts";
import type { GatewayError } from "../core/errors.ts";
import type { StreamEvent } from "../core/stream-event.ts";

export interface StreamStats {
  chunks: number;
  usage?: Usage;
  finishReason?: string;
  error?: GatewayError;
}

/**
 * Provider-independent stream rules: the first delta carries `role: assistant`; usage is reported
 * the OpenAI way (`usage: null` on every chunk and one `choices: []` usage chunk before [DONE]) only
 * when the client asked for it with `stream_options.include_usage`, and is always captured in
 * `stats` for accounting.
 */
export async function* shapeStream(events: AsyncIterable<StreamEvent>, includeUsage: boolean, stats: StreamStats): AsyncGenerator<StreamEvent> {
  let last: ChatCompletionChunk | undefined;
  let roleSent = false;
  let usageSent = false;
  for await (const event of events) {
    if (event.type === "error") {
      stats.error = event.error;
      yield event;
      return;
    }
    const chunk = event.chunk;
    if (chunk.usage) stats.usage = chunk.usage;
    if (chunk.choices.length === 0) {
      // A usage chunk after the finish goes out as it arrives; one before it waits for the end.
      if (includeUsage && stats.finishReason !== undefined && stats.usage && last && !usageSent) {
        usageSent = true;
        yield usageChunk(last, stats.usage);
      }
      continue;
    }
    last = chunk;
    let changed = false;
    if (!roleSent) {
      for (const choice of chunk.choices) {
        if (choice.delta && choice.delta.role === undefined) {
          choice.delta.role = "assistant";
          changed = true;
        }
      }
      roleSent = true;
    }
    for (const choice of chunk.choices) if (choice.finish_reason != null) stats.finishReason = choice.finish_reason;
    // OpenAI's shape: `usage: null` on every chunk when the client asked for usage, absent otherwise.
    if (includeUsage ? chunk.usage !== null : "usage" in chunk) {
      chunk.usage = includeUsage ? null : undefined;
      changed = true;
    }
    stats.chunks++;
    // A chunk the gateway changed is serialised again; an untouched one keeps the upstream's text.
    yield changed && event.raw !== undefined ? { type: "chunk", chunk } : event;
  }
  if (includeUsage && stats.usage && last && !usageSent) yield usageChunk(last, stats.usage);
}

function usageChunk(last: ChatCompletionChunk, usage: Usage): StreamEvent {
  return { type: "chunk", chunk: { id: last.id, object: "chat.completion.chunk", created: last.created, model: last.model, choices: [], usage } };
}
