// The time a client gets to send its request body (`server.body_timeout`). Bun's own idle timeout is
// off, because an LLM answer may take minutes before its first byte, so without this a client that
// sends headers and then a body that never ends holds its connection (and a file descriptor)
// forever. The deadline covers only the body: the upstream wait and the stream come after it.
import { errors, type GatewayError } from "../core/errors.ts";
import { coarseTimeout, type CoarseTimer } from "../transport/coarse-timers.ts";

/**
 * A body read racing the deadline: `await deadline.race()` settles like the read, or rejects with
 * request_timeout once `ms` pass first; then `cancel()`. A class rather than an async helper: one
 * promise step less per request.
 */
export class BodyDeadline<T> {
  /** Rejects when the deadline passes; never resolves. */
  private readonly expired: Promise<never>;
  private expire: ((err: GatewayError) => void) | undefined;
  // The shared 10 ms wheel, not a setTimeout per request: this deadline almost never fires.
  private readonly timer: CoarseTimer;

  constructor(private readonly read: Promise<T>, private readonly ms: number) {
    this.expired = new Promise<never>((_, reject) => (this.expire = reject));
    this.timer = coarseTimeout(ms, () => this.fire());
  }

  race(): Promise<T> {
    return Promise.race([this.read, this.expired]);
  }

  cancel(): void {
    this.timer.cancel();
  }

  private fire(): void {
    // Nobody awaits the read any more; it rejects when the connection closes after the 408.
    this.read.catch(ignore);
    this.expire!(errors.requestTimeout(this.ms));
  }
}

function ignore(): void {}
