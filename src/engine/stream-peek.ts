import { errors, GatewayError } from "../core/errors.ts";
import type { StreamEvent } from "../core/stream-event.ts";
import { coarseTimeout, type CoarseTimer } from "../transport/coarse-timers.ts";
import type { Attempt } from "./attempt.ts";

/** Who learns how a started stream ended (the engine: redaction and circuit health). */
export interface StreamOwner {
  /**
   * The stream ended: "done" cleanly, "cancelled" by the client (no verdict), or with `error`, which
   * comes back as the client and the logs may see it.
   */
  streamEnded(attempt: Attempt, outcome: "done" | "cancelled"): void;
  streamFailed(attempt: Attempt, error: GatewayError): GatewayError;
}

/**
 * Streaming failover happens only before the first byte reaches the client. The engine pulls the
 * first event itself (within the attempt's timeout): a stream that fails before it (an error event, a
 * broken connection, an end with nothing in it) throws here and the attempt is retried like any
 * other; otherwise the client gets a stream that replays that event and continues with the rest.
 */
export async function peekStream(events: AsyncIterable<StreamEvent>, attempt: Attempt, owner: StreamOwner): Promise<AsyncIterable<StreamEvent>> {
  const it = events[Symbol.asyncIterator]();
  const provider = attempt.reads.provider;
  let first: IteratorResult<StreamEvent>;
  const start = performance.now();
  try {
    first = await it.next();
    attempt.reads.waited.ms += performance.now() - start;
  } catch (err) {
    if (attempt.signal.aborted || err instanceof GatewayError) throw err;
    throw errors.streamInterrupted(provider, "the connection closed before the first event");
  }
  if (first.done) throw errors.streamInterrupted(provider, "the stream ended before its first event");
  if (first.value.type === "error") {
    void it.return?.()?.catch(() => {});
    throw first.value.error;
  }
  attempt.streaming = true;
  return new PeekedStream(first, it, attempt, owner);
}

const DONE: IteratorResult<StreamEvent> = { done: true, value: undefined };

/**
 * The peeked event, then the rest. After the first byte nothing is retried: a stream that throws,
 * sends an error event or stays silent longer than `failover.stream_idle_timeout` is ended with one
 * error event (the server writes it and `[DONE]`, and logs it), and its owner counts the failure.
 *
 * Silence is measured without a timer per chunk: one coarse timer per stream wakes up once per idle
 * period and compares the time since the stream began waiting for the upstream (or since the last
 * bytes arrived, keep-alives included) with the limit. Time spent waiting for a slow client is not
 * silence.
 */
class PeekedStream implements AsyncIterable<StreamEvent>, AsyncIterator<StreamEvent> {
  private first: IteratorResult<StreamEvent> | undefined;
  private ended = false;
  private waiting = false;
  private waitingSince = 0;
  private idle: GatewayError | undefined;
  private timer: CoarseTimer | undefined;
  private readonly idleMs: number;

  constructor(first: IteratorResult<StreamEvent>, private readonly it: AsyncIterator<StreamEvent>, private readonly attempt: Attempt, private readonly owner: StreamOwner) {
    this.first = first;
    this.idleMs = attempt.failover.stream_idle_timeout;
    this.timer = coarseTimeout(this.idleMs, this.check);
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
    if (this.ended) return Promise.resolve(DONE);
    this.waiting = true;
    this.waitingSince = performance.now();
    return this.it.next().then(this.onEvent, this.onThrow);
  }

  return(value?: unknown): Promise<IteratorResult<StreamEvent>> {
    this.end("cancelled");
    return this.it.return?.(value) ?? Promise.resolve(DONE);
  }

  // Bound once per stream: no closure per chunk.
  private readonly onEvent = (result: IteratorResult<StreamEvent>): IteratorResult<StreamEvent> => {
    this.waiting = false;
    if (result.done) {
      this.end("done");
      return result;
    }
    if (result.value.type !== "error") return result;
    return this.fail(result.value.error);
  };

  private readonly onThrow = (err: unknown): IteratorResult<StreamEvent> => {
    this.waiting = false;
    if (this.attempt.signal.aborted) {
      this.end("cancelled");
      throw err;
    }
    return this.fail(err instanceof GatewayError ? err : errors.streamInterrupted(this.attempt.reads.provider, "the connection closed before the stream ended"));
  };

  /** Ends the stream with one error event: the idle timeout's when it caused the failure. */
  private fail(error: GatewayError): IteratorResult<StreamEvent> {
    if (this.ended) return DONE;
    this.stop();
    const shown = this.owner.streamFailed(this.attempt, this.idle ?? error);
    // Whatever the adapter still holds (a body reader) is released.
    void this.it.return?.()?.catch(() => {});
    return { done: false, value: { type: "error", error: shown } };
  }

  private end(outcome: "done" | "cancelled"): void {
    if (this.ended) return;
    this.stop();
    this.owner.streamEnded(this.attempt, outcome);
  }

  private stop(): void {
    this.ended = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  private readonly check = (): void => {
    this.timer = undefined;
    if (this.ended) return;
    const idleMs = this.idleMs;
    let quiet = 0;
    if (this.waiting) quiet = performance.now() - Math.max(this.waitingSince, this.attempt.reads.lastReadAt);
    if (quiet < idleMs) {
      this.timer = coarseTimeout(idleMs - quiet, this.check);
      return;
    }
    // Aborting the upstream call makes the pending read reject; onThrow then reports this error.
    this.idle = errors.streamIdle(this.attempt.reads.provider, idleMs);
    this.attempt.handle.controller?.abort(this.idle);
  };
}
