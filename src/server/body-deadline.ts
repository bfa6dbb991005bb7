// The time a client gets to send its request body (`server.body_timeout`). Bun's idle timer is held
// off while a request is handled (keep-alive.ts), because an LLM may take minutes before its first
// byte, so without this a client that sends headers and then a body that never ends holds its
// connection (and a file descriptor) forever. The deadline covers only the body: the upstream wait
// and the stream come after it.
//
// Reads in flight sit in one array (swap-removed when they finish: no Map or Set work per read) and
// one sweep, scheduled on the shared coarse wheel only while reads are in flight, expires the
// overdue ones. Per read that is about 0.2 µs (mostly the one promise) against about 0.5 µs with
// a wheel entry of its own.
import { errors, type GatewayError } from "../core/errors.ts";
import { coarseTimeout, type CoarseTimer } from "../transport/coarse-timers.ts";

/** How often overdue reads are looked for: a deadline fires up to this much (plus a wheel tick) late. */
const SWEEP_MS = 25;

const inFlight: BodyDeadline<unknown>[] = [];
let sweeping: CoarseTimer | undefined;

/**
 * A body read racing the deadline: `await deadline.race()` settles like the read, or rejects with
 * request_timeout once `ms` pass first; then `cancel()`.
 */
export class BodyDeadline<T> {
  private expire: ((err: GatewayError) => void) | undefined;
  private readonly startedAt = performance.now();
  /** Position in `inFlight`; -1 once finished or expired. */
  index: number;

  constructor(private readonly read: Promise<T>, readonly ms: number) {
    this.index = inFlight.push(this) - 1;
    sweeping ??= coarseTimeout(SWEEP_MS, sweep);
  }

  race(): Promise<T> {
    // One promise that the read or the sweep settles (cheaper than Promise.race over two).
    return new Promise<T>((resolve, reject) => {
      this.expire = reject;
      this.read.then(resolve, reject);
    });
  }

  cancel(): void {
    const i = this.index;
    if (i < 0) return;
    const last = inFlight.pop()!;
    if (last !== this) {
      inFlight[i] = last;
      last.index = i;
    }
    this.index = -1;
  }

  /** True when it expired now. */
  expireIfDue(now: number): boolean {
    if (now - this.startedAt < this.ms) return false;
    this.cancel();
    // Nobody awaits the read any more; it rejects when the connection closes after the 408.
    this.read.catch(ignore);
    this.expire!(errors.requestTimeout(this.ms));
    return true;
  }
}

function sweep(): void {
  sweeping = undefined;
  const now = performance.now();
  // Backwards: an expired entry is replaced by the last one, which was already looked at.
  for (let i = inFlight.length - 1; i >= 0; i--) inFlight[i]!.expireIfDue(now);
  if (inFlight.length > 0) sweeping = coarseTimeout(SWEEP_MS, sweep);
}

function ignore(): void {}
