import { toGatewayError, type GatewayError } from "../core/errors.ts";
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

/** How one client API writes a stream's events as SSE text (one encoder per stream: it may keep state). */
export interface SseEncoder {
  /** The text for one chunk ("" for none). */
  chunk(event: Extract<StreamEvent, { type: "chunk" }>): string;
  /** The text for an error that ends the stream. */
  error(err: GatewayError): string;
  /**
   * The stream's last text, after its last event or its error; a promise where something must be
   * done before the client sees the end (Responses stores the response first).
   */
  end(outcome: "done" | "error"): string | Promise<string>;
}

const openaiEncoder: SseEncoder = {
  chunk: (event) => `data: ${event.raw ?? JSON.stringify(event.chunk)}\n\n`,
  error: (err) => `data: ${JSON.stringify(errorBody(err))}\n\n`,
  end: () => DONE,
};

/** OpenAI's stream: every chunk as `data:`, an error as an error envelope, and [DONE] at the end. */
export function sseBody(events: AsyncIterable<StreamEvent>, hooks: SseHooks): ReadableStream<Uint8Array> {
  return sseStream(events, hooks, openaiEncoder);
}

/**
 * The only place stream events become bytes: each event is written and flushed to the socket as
 * soon as it exists (Bun's direct stream: no queue between us and the socket), an error ends the
 * stream with the API's error event, and the encoder writes the stream's end.
 */
export function sseStream(events: AsyncIterable<StreamEvent>, hooks: SseHooks, encoder: SseEncoder): ReadableStream<Uint8Array> {
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
            const text = encoder.chunk(next.value);
            if (text === "") continue;
            controller.write(text);
            await controller.flush();
          } else {
            controller.write(encoder.error(next.value.error));
            outcome = "error";
            break;
          }
        }
      } catch (err) {
        if (ended) return;
        controller.write(encoder.error(toGatewayError(err)));
        outcome = "error";
      }
      const ending = encoder.end(outcome);
      const tail = typeof ending === "string" ? ending : await ending;
      if (ended) return;
      if (tail !== "") controller.write(tail);
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
