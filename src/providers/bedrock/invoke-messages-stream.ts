import { errors, GatewayError } from "../../core/errors.ts";
import type { StreamEvent } from "../../core/stream-event.ts";
import type { UpstreamReads } from "../types.ts";
import { NativeStreamReader } from "../shared/anthropic-messages/native.ts";
import { sseText } from "../shared/relay-summary.ts";
import { decodeEventStream, EventStreamError, type EventStreamMessage } from "./event-stream.ts";
import { eventStreamFailure } from "./errors.ts";

// InvokeModelWithResponseStream for Claude: each `chunk` event's payload is `{"bytes":"<base64>"}`,
// the base64 of one Anthropic stream event's JSON. Each goes to the client as that event's SSE text
// (`event: <type>`, `data: <json>`), exactly the decoded bytes: the last one's
// `amazon-bedrock-invocationMetrics` is kept (the SDKs ignore fields they do not know).

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The Anthropic event JSON inside a chunk message, or undefined when the payload is not one. */
function chunkEvent(message: EventStreamMessage): { text: string; json: { type?: unknown } } | undefined {
  try {
    const outer = JSON.parse(utf8.decode(message.payload)) as { bytes?: unknown } | null;
    if (typeof outer?.bytes !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(outer.bytes)) return undefined;
    const text = utf8.decode(Buffer.from(outer.bytes, "base64"));
    const json = JSON.parse(text) as unknown;
    return json !== null && typeof json === "object" && !Array.isArray(json) ? { text, json } : undefined;
  } catch {
    return undefined;
  }
}

export async function* invokeMessagesStream(body: ReadableStream<Uint8Array>, model: string, signal: AbortSignal, reads: UpstreamReads): AsyncGenerator<StreamEvent> {
  const reader = new NativeStreamReader(model, reads.provider);
  try {
    for await (const message of decodeEventStream(body, reads)) {
      const failure = eventStreamFailure(reads.provider, message);
      if (failure) {
        yield { type: "error", error: failure };
        return;
      }
      if (message.headers[":message-type"] !== "event" || message.headers[":event-type"] !== "chunk") continue;
      const decoded = chunkEvent(message);
      if (!decoded) {
        yield { type: "error", error: errors.streamInterrupted(reads.provider, "a chunk was not base64 of an event's JSON") };
        return;
      }
      const type = typeof decoded.json.type === "string" ? decoded.json.type : undefined;
      const event = reader.event(type, decoded.json, sseText(type, decoded.text));
      yield event;
      if (event.type === "error" || reader.stopped) return;
    }
  } catch (err) {
    // Aborted, over the size limit or out of time: the engine reports those as they are.
    if (signal.aborted || err instanceof GatewayError) throw err;
    const detail = err instanceof EventStreamError ? `the event stream was corrupt (${err.message})` : "the connection closed before the stream ended";
    yield { type: "error", error: errors.streamInterrupted(reads.provider, detail) };
    return;
  }
  reader.end();
}
