import { errors, GatewayError } from "../core/errors.ts";
import type { StreamEvent } from "../core/stream-event.ts";

/**
 * Streaming failover happens only before the first byte reaches the client. The engine pulls the
 * first event itself: a stream that fails before it (an error event, a broken connection, an end
 * with nothing in it) throws here and the attempt is retried like any other; otherwise the client
 * gets a stream that replays that event and continues with the rest.
 */
export async function peekStream(events: AsyncIterable<StreamEvent>, provider: string, signal: AbortSignal): Promise<AsyncIterable<StreamEvent>> {
  const it = events[Symbol.asyncIterator]();
  let first: IteratorResult<StreamEvent>;
  try {
    first = await it.next();
  } catch (err) {
    if (signal.aborted || err instanceof GatewayError) throw err;
    throw errors.streamInterrupted(provider, "the connection closed before the first event");
  }
  if (first.done) throw errors.streamInterrupted(provider, "the stream ended before its first event");
  if (first.value.type === "error") {
    void it.return?.()?.catch(() => {});
    throw first.value.error;
  }
  return new PeekedStream(first, it, provider, signal);
}

/**
 * The peeked event, then the rest. After the first byte nothing is retried: a stream that throws is
 * ended with one error event (the server writes it and `[DONE]`, and logs it).
 */
class PeekedStream implements AsyncIterable<StreamEvent>, AsyncIterator<StreamEvent> {
  private first: IteratorResult<StreamEvent> | undefined;
  private ended = false;

  constructor(first: IteratorResult<StreamEvent>, private readonly it: AsyncIterator<StreamEvent>, private readonly provider: string, private readonly signal: AbortSignal) {
    this.first = first;
  }

  [Symbol.asyncIterator](): AsyncIterator<StreamEvent> {
    return this;
  }

  next(): Promise<IteratorResult<StreamEvent>> {
    const first = this.first;
    if (first !== undefined) {
      this.first = undefined;
      return Promise.resolve(first);
    }
    if (this.ended) return Promise.resolve({ done: true, value: undefined });
    return this.it.next().catch((err: unknown) => {
      if (this.signal.aborted) throw err;
      this.ended = true;
      const error = err instanceof GatewayError ? err : errors.streamInterrupted(this.provider, "the connection closed before the stream ended");
      return { done: false, value: { type: "error", error } };
    });
  }

  return(value?: unknown): Promise<IteratorResult<StreamEvent>> {
    this.ended = true;
    return this.it.return?.(value) ?? Promise.resolve({ done: true, value: undefined });
  }
}
