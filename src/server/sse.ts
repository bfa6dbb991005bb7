import { toGatewayError } from "../core/errors.ts";
import type { StreamEvent } from "../core/stream-event.ts";
import { errorBody } from "./error-response.ts";

const encoder = new TextEncoder();
const DONE = encoder.encode("data: [DONE]\n\n");

export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  connection: "keep-alive",
  "x-accel-buffering": "no",
} as const;

export interface SseHooks {
  /** Called once when the stream ends for any reason. */
  onEnd(outcome: "done" | "error" | "cancelled"): void;
}

/**
 * The only place stream events become bytes: each event is written as soon as it exists (no
 * batching), an error ends the stream with an error event, and every stream ends with [DONE].
 */
export function sseBody(events: AsyncIterable<StreamEvent>, hooks: SseHooks): ReadableStream<Uint8Array> {
  const iterator = events[Symbol.asyncIterator]();
  let ended = false;
  const end = (outcome: "done" | "error" | "cancelled") => {
    if (ended) return;
    ended = true;
    hooks.onEnd(outcome);
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let outcome: "done" | "error" | undefined;
      try {
        const next = await iterator.next();
        if (next.done) outcome = "done";
        else if (next.value.type === "chunk") controller.enqueue(encoder.encode(`data: ${JSON.stringify(next.value.chunk)}\n\n`));
        else {
          controller.enqueue(encoder.encode(`data: ${JSON.stringify(errorBody(next.value.error))}\n\n`));
          outcome = "error";
        }
      } catch (err) {
        if (ended) return;
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(errorBody(toGatewayError(err)))}\n\n`));
        outcome = "error";
      }
      if (outcome) {
        controller.enqueue(DONE);
        controller.close();
        end(outcome);
        void iterator.return?.();
      }
    },
    cancel() {
      // The upstream call is aborted through the request's signal, which Bun fires on disconnect.
      end("cancelled");
      void iterator.return?.().catch(() => {});
    },
  });
}
