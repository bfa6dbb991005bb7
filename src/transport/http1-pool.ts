// Idle keep-alive connections to one origin. The most recently used goes out first (the one least
// likely to have been closed by the server); idle ones older than the idle timeout (or the server's
// own keep-alive hint, less a margin) are closed, and they never keep the process alive.
import { Connection, type ConnectOptions, type ConnectionOwner, type Origin } from "./http1-connection.ts";

export interface PoolOptions extends ConnectOptions {
  maxIdle: number;
  idleTimeoutMs: number;
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

  private sweep(): void {
    const now = performance.now();
    for (const connection of [...this.idle]) {
      if (now - connection.idleSince > Math.min(this.options.idleTimeoutMs, connection.idleLimitMs)) connection.destroy();
    }
    if (this.idle.length === 0) this.stopSweeper();
  }

  private stopSweeper(): void {
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}
