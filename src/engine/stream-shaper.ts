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
    let raw = event.raw;
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
      // Dropping the `usage: null` every chunk carries (the gateway asks for usage) is a cut in the text.
      if (!changed && raw !== undefined && chunk.usage === null) raw = withoutNullUsage(raw);
      else changed = true;
      chunk.usage = includeUsage ? null : undefined;
    }
    stats.chunks++;
    // A chunk the gateway changed is serialised again; an untouched one keeps the upstream's text (the
    // event is this stream's own: set in place, no second object per event).
    if (event.raw !== undefined && (changed || raw !== event.raw)) event.raw = changed ? undefined : raw;
    yield event;
  }
  if (includeUsage && stats.usage && last && !usageSent) yield usageChunk(last, stats.usage);
}

const NULL_USAGE = '"usage":null';

/**
 * The chunk's text without its top-level `"usage":null` and the comma beside it; undefined (serialise
 * again) unless the text holds exactly one such member, which then must be the top-level one (inside
 * a JSON string the quotes would be escaped).
 */
export function withoutNullUsage(raw: string): string | undefined {
  const at = raw.indexOf(NULL_USAGE);
  if (at === -1 || raw.indexOf(NULL_USAGE, at + NULL_USAGE.length) !== -1) return undefined;
  const after = at + NULL_USAGE.length;
  if (raw.charCodeAt(at - 1) === 44 /* , */) return raw.slice(0, at - 1) + raw.slice(after);
  if (raw.charCodeAt(after) === 44) return raw.slice(0, at) + raw.slice(after + 1);
  return undefined;
}

function usageChunk(last: ChatCompletionChunk, usage: Usage): StreamEvent {
  return { type: "chunk", chunk: { id: last.id, object: "chat.completion.chunk", created: last.created, model: last.model, choices: [], usage } };
}

/**
 * The stream of an API that may be relayed natively (Messages, Responses): a natively relayed
 * stream's events (each carrying its upstream SSE text) go out as they came, and telemetry reads
 * their summaries; any other stream gets the chat rules, usage always kept (the API's encoder puts
 * it in its own final event).
 */
export async function* shapeRelayed(events: AsyncIterable<StreamEvent>, stats: StreamStats): AsyncGenerator<StreamEvent> {
  const it = events[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  const rest: AsyncIterable<StreamEvent> = { [Symbol.asyncIterator]: () => it };
  if (first.value.type !== "chunk" || first.value.sse === undefined) {
    yield* shapeStream(prepend(first.value, rest), true, stats);
    return;
  }
  for (let next: IteratorResult<StreamEvent> = first; !next.done; next = await it.next()) {
    const event = next.value;
    if (event.type === "error") {
      stats.error = event.error;
      yield event;
      return;
    }
    stats.chunks++;
    if (event.chunk.usage) stats.usage = event.chunk.usage;
    const finish = event.chunk.choices[0]?.finish_reason;
    if (finish != null) stats.finishReason = finish;
    yield event;
  }
}

async function* prepend(first: StreamEvent, rest: AsyncIterable<StreamEvent>): AsyncGenerator<StreamEvent> {
  yield first;
  yield* rest;
}
