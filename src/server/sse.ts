import { toGatewayError } from "../core/errors.ts";
import type { StreamEvent } from "../core/stream-event.ts";
import { errorBody } from "./error-response.ts";

const DONE = "data: [DONE]\n\n";

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

interface DirectController {
  write(data: string | Uint8Array): number | Promise<number>;
  flush(): number | Promise<number>;
  close(): void;
}

/**
 * The only place stream events become bytes: each event is written and flushed to the socket as
 * soon as it exists (Bun's direct stream: no queue between us and the socket), an error ends the
 * stream with an error event, and every stream ends with [DONE].
 */
export function sseBody(events: AsyncIterable<StreamEvent>, hooks: SseHooks): ReadableStream<Uint8Array> {
  const iterator = events[Symbol.asyncIterator]();
  let ended = false;
  const end = (outcome: "done" | "error" | "cancelled") => {
    if (ended) return;
    ended = true;
    hooks.onEnd(outcome);
  };
  return new ReadableStream({
    type: "direct",
    async pull(controller: DirectController) {
      let outcome: "done" | "error" = "done";
      try {
        for (;;) {
          const next = await iterator.next();
          if (next.done) break;
          if (ended) return;
          if (next.value.type === "chunk") {
            controller.write(`data: ${next.value.raw ?? JSON.stringify(next.value.chunk)}\n\n`);
            await controller.flush();
          } else {
            controller.write(`data: ${JSON.stringify(errorBody(next.value.error))}\n\n`);
            outcome = "error";
            break;
          }
        }
      } catch (err) {
        if (ended) return;
        controller.write(`data: ${JSON.stringify(errorBody(toGatewayError(err)))}\n\n`);
        outcome = "error";
      }
      controller.write(DONE);
      await controller.flush();
      // Before close: once the stream is closed Bun has finished the request, and the connection's
      // idle timer can no longer be set through it (keep-alive.ts).
      end(outcome);
      controller.close();
      void iterator.return?.();
    },
    cancel() {
      // The upstream call is aborted through the request's signal, which Bun fires on disconnect.
      end("cancelled");
      void iterator.return?.().catch(() => {});
    },
  } as never) as ReadableStream<Uint8Array>;
}
