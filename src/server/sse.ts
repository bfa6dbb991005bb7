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

export interface DirectController {
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
  const source = sseSource(events, hooks, encoder);
  const stream = new ReadableStream(source as never) as ReadableStream<Uint8Array>;
  firstReads.set(stream, source.firstRead);
  return stream;
}

/** What Bun pulls a stream's bytes from (sseStream's direct source). */
export interface SseSource {
  readonly type: "direct";
  /** Settles once the first event has been read; a pull after it writes that event before its first await. */
  readonly firstRead: Promise<void>;
  pull(controller: DirectController): Promise<void>;
  cancel(): void;
}

export function sseSource(events: AsyncIterable<StreamEvent>, hooks: SseHooks, encoder: SseEncoder): SseSource {
  const iterator = events[Symbol.asyncIterator]();
  // The first event is asked for now, not when Bun first pulls. The engine has peeked it, so it comes
  // within a few microtasks; the handler hands the response over only then (firstEventRead), and
  // Bun's first pull writes it in the same turn as the response head: both leave in one send.
  const first = new FirstEvent(iterator);
  let ended = false;
  const end = (outcome: "done" | "error" | "cancelled") => {
    if (ended) return;
    ended = true;
    hooks.onEnd(outcome);
  };
  return {
    type: "direct",
    firstRead: first.read,
    async pull(controller: DirectController) {
      let outcome: "done" | "error" = "done";
      try {
        for (let next = first.ready ? first.take() : await first.wait(); !next.done; next = await iterator.next()) {
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
  };
}

const firstReads = new WeakMap<ReadableStream<Uint8Array>, Promise<void>>();

/**
 * Settles once the stream's first event has been read (undefined for a body sseStream did not make).
 * A response handed to Bun after it goes out with that event in the same send as its head; handed
 * over before, Bun sends the head alone and the event in a second send.
 */
export function firstEventRead(body: ReadableStream<Uint8Array>): Promise<void> | undefined {
  return firstReads.get(body);
}

/** A stream's first event, read ahead; `take()` gives it (or throws its failure) once it is `ready`. */
class FirstEvent {
  ready = false;
  private result: IteratorResult<StreamEvent> | undefined;
  private failure: unknown;
  readonly read: Promise<void>;

  constructor(iterator: AsyncIterator<StreamEvent>) {
    this.read = iterator.next().then(this.settled, this.failed);
  }

  take(): IteratorResult<StreamEvent> {
    if (this.result === undefined) throw this.failure;
    return this.result;
  }

  async wait(): Promise<IteratorResult<StreamEvent>> {
    await this.read;
    return this.take();
  }

  private readonly settled = (result: IteratorResult<StreamEvent>): void => {
    this.result = result;
    this.ready = true;
  };

  private readonly failed = (err: unknown): void => {
    this.failure = err;
    this.ready = true;
  };
}
