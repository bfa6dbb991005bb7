// Idle keep-alive connections to one origin. The most recently used goes out first (the one least
// likely to have been closed by the server); idle ones older than the idle timeout (or the server's
// own keep-alive hint, less a margin) are closed, and they never keep the process alive.
import { Connection, type ConnectOptions, type ConnectionOwner, type Origin } from "./http1-connection.ts";

export interface PoolOptions extends ConnectOptions {
  maxIdle: number;
  idleTimeoutMs: number;
  sweepSlice: number;
}

export class OriginPool implements ConnectionOwner {
  private readonly idle: Connection[] = [];
  private sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(readonly origin: Origin, private readonly options: PoolOptions) {}

  /** An idle connection still fit for a request, or undefined. */
  take(): Connection | undefined {
    const idle = this.idle;
    const now = performance.now();
    while (idle.length > 0) {
      const connection = idle.pop()!;
      if (connection.isClosed) continue;
      if (now - connection.idleSince > Math.min(this.options.idleTimeoutMs, connection.idleLimitMs)) {
        connection.destroy();
        continue;
      }
      connection.socket.ref();
      return connection;
    }
    return undefined;
  }

  open(signal?: AbortSignal): Promise<Connection> {
    return Connection.open(this, this.origin, this.options, signal);
  }

  release(connection: Connection): void {
    if (this.idle.length >= this.options.maxIdle) return connection.destroy();
    connection.idleSince = performance.now();
    connection.socket.unref();
    this.idle.push(connection);
    if (this.sweeper === undefined) {
      this.sweeper = setInterval(() => this.sweep(), Math.max(1000, this.options.idleTimeoutMs / 2));
      this.sweeper.unref();
    }
  }

  closed(connection: Connection): void {
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
  }

  /** Closes every idle connection. */
  close(): void {
    for (const connection of this.idle.splice(0)) connection.destroy();
    this.stopSweeper();
  }

  get idleCount(): number {
    return this.idle.length;
  }

  /**
   * Takes the expired connections out of the list in one pass and closes them a slice per
   * event-loop turn: the pool may hold thousands after a burst, and closing 3,500 at once (each
   * also searched for and spliced out of the list) stalled the loop for 35-45 ms; 64 a turn, about
   * 5 ms (measured).
   */
  private sweep(): void {
    const now = performance.now();
    const expired: Connection[] = [];
    const kept: Connection[] = [];
    for (const connection of this.idle) {
      (now - connection.idleSince > Math.min(this.options.idleTimeoutMs, connection.idleLimitMs) ? expired : kept).push(connection);
    }
    if (expired.length > 0) {
      this.idle.length = 0;
      this.idle.push(...kept);
      this.closeFrom(expired, 0);
    }
    if (this.idle.length === 0) this.stopSweeper();
  }

  private closeFrom(expired: Connection[], from: number): void {
    const end = Math.min(expired.length, from + this.options.sweepSlice);
    for (let i = from; i < end; i++) expired[i]!.destroy();
    if (end < expired.length) setImmediate(() => this.closeFrom(expired, end));
  }

  private stopSweeper(): void {
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}
