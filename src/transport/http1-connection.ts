// One keep-alive connection (TCP, or TLS with the certificate verified): one request at a time, no
// pipelining. Its writes queue behind the kernel's buffer (drain); its reads feed the exchange in flight.
import type { Socket, SocketHandler } from "bun";
import { Http1ConnectionError } from "./http1-errors.ts";
import { Exchange, type ExchangeOwner } from "./http1-exchange.ts";
import { openTunnel } from "./http1-tunnel.ts";
import type { Proxy } from "./proxy-env.ts";

export interface Origin {
  hostname: string;
  port: number;
  tls: boolean;
  /** Reached through this forward proxy: a CONNECT tunnel for TLS, the proxy itself for plain HTTP. */
  proxy?: Proxy;
}

export interface ConnectionOwner {
  /** The connection finished a response and may carry another request. */
  release(connection: Connection): void;
  /** The connection closed (or will): it must not be handed out again. */
  closed(connection: Connection): void;
}

export interface ConnectOptions {
  /** Trusted CA certificates (PEM) instead of the system's: for tests with a generated CA. */
  ca?: string | string[];
  maxHeaderBytes: number;
}

export class Connection implements ExchangeOwner {
  socket!: Socket<Connection>;
  exchange: Exchange | undefined;
  /** Responses it has completed: more than 0 means it was reused from the pool. */
  served = 0;
  idleSince = 0;
  /** The server's keep-alive timeout hint minus a margin; Infinity when it sent none. */
  idleLimitMs = Infinity;
  isClosed = false;
  private paused = false;
  private queue: Uint8Array[] = [];
  private drained: (() => void) | undefined;
  private onOpen: ((error?: Error) => void) | undefined;

  constructor(private readonly owner: ConnectionOwner, readonly maxHeaderBytes: number) {}

  static async open(owner: ConnectionOwner, origin: Origin, options: ConnectOptions, signal?: AbortSignal): Promise<Connection> {
    const connection = new Connection(owner, options.maxHeaderBytes);
    // A TLS socket is usable after its handshake (bytes written before it are lost): wait for it.
    const ready = origin.tls ? new Promise<Error | undefined>((resolve) => (connection.onOpen = resolve)) : undefined;
    const tls = origin.tls ? { serverName: origin.hostname, rejectUnauthorized: true, ca: options.ca } : undefined;
    const proxy = origin.proxy;
    if (proxy !== undefined && tls !== undefined) {
      const raw = await openTunnel(proxy, origin.hostname, origin.port, signal);
      try {
        connection.socket = raw.upgradeTLS<Connection>({ data: connection, socket: HANDLERS, tls })[1];
      } catch (err) {
        raw.terminate();
        throw new Http1ConnectionError(`TLS through the proxy's tunnel could not start: ${(err as Error)?.message ?? err}`, false, { cause: err });
      }
    } else {
      try {
        connection.socket = await Bun.connect<Connection>({
          hostname: proxy?.hostname ?? origin.hostname,
          port: proxy?.port ?? origin.port,
          data: connection,
          socket: HANDLERS,
          tls,
        });
      } catch (err) {
        const message = (err as Error)?.message ?? String(err);
        throw new Http1ConnectionError(proxy === undefined ? message : `the proxy ${proxy.key} could not be reached: ${message}`, false, { cause: err });
      }
    }
    // Requests are written whole; Nagle would only hold the next one back waiting for an ACK.
    connection.socket.setNoDelay(true);
    const failed = ready === undefined ? undefined : await ready;
    if (failed !== undefined) {
      connection.destroy();
      throw new Http1ConnectionError(failed.message, false, { cause: failed });
    }
    return connection;
  }

  /** Starts an exchange; the caller writes the request through `write`. */
  begin(method: string): Exchange {
    const exchange = new Exchange(this, method, this.maxHeaderBytes);
    this.exchange = exchange;
    return exchange;
  }

  /**
   * Hands bytes to the socket; false when some wait in the queue (await `drain`). Throws
   * Http1ConnectionError when the connection is already closed.
   */
  write(data: string | Uint8Array): boolean {
    if (this.isClosed) throw new Http1ConnectionError("the connection closed before the request was written", this.exchange?.sent ?? false);
    if (this.queue.length > 0) {
      this.queue.push(typeof data === "string" ? Buffer.from(data) : data);
      return false;
    }
    // A string goes to the socket as it is (encoded there, once); only a partial write needs its bytes.
    const written = this.socket.write(data);
    if (written < 0) throw new Http1ConnectionError("the connection closed before the request was written", this.exchange?.sent ?? false);
    if (written > 0 && this.exchange !== undefined) this.exchange.sent = true;
    const bytes = typeof data === "string" ? undefined : data;
    const length = bytes === undefined ? Buffer.byteLength(data as string) : bytes.byteLength;
    if (written === length) return true;
    this.queue.push((bytes ?? Buffer.from(data as string)).subarray(written));
    return false;
  }

  /** Resolves when the queue is empty (or the connection closed: the next write throws). */
  drain(): Promise<void> {
    if (this.queue.length === 0 || this.isClosed) return Promise.resolve();
    return new Promise((resolve) => (this.drained = resolve));
  }

  onDrain(): void {
    while (this.queue.length > 0) {
      const bytes = this.queue[0]!;
      const written = this.socket.write(bytes);
      if (written > 0 && this.exchange !== undefined) this.exchange.sent = true;
      if (written < bytes.byteLength) {
        if (written > 0) this.queue[0] = bytes.subarray(written);
        return;
      }
      this.queue.shift();
    }
    this.wake();
  }

  onData(data: Buffer): void {
    const exchange = this.exchange;
    // Bytes while idle are nothing a request asked for.
    if (exchange === undefined || exchange.done) return this.destroy();
    try {
      exchange.feed(data);
    } catch (err) {
      exchange.fail(err);
      this.destroy();
    }
  }

  onHandshake(success: boolean, error: Error | null): void {
    const open = this.onOpen;
    this.onOpen = undefined;
    open?.(success ? undefined : (error ?? new Error("the TLS handshake failed")));
  }

  onClose(error?: Error): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.onOpen?.(error ?? new Error("the connection closed during the TLS handshake"));
    this.onOpen = undefined;
    this.wake();
    this.owner.closed(this);
    const exchange = this.exchange;
    this.exchange = undefined;
    exchange?.lost(error);
  }

  // ExchangeOwner
  finished(reusable: boolean, idleHintMs: number | undefined): void {
    const exchange = this.exchange;
    this.exchange = undefined;
    this.served++;
    // A request still being written when the answer came (an early 413, say) leaves the connection mid-request.
    if (!reusable || exchange?.requestComplete !== true || this.isClosed) return this.destroy();
    // A second short of the server's own timeout, so it does not close the socket while a request is on its way.
    if (idleHintMs !== undefined) this.idleLimitMs = Math.max(0, idleHintMs - 1000);
    if (this.paused) this.resume();
    this.owner.release(this);
  }

  destroy(): void {
    if (!this.isClosed) this.socket?.terminate();
    this.onClose();
  }

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.socket.pause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.socket.resume();
  }

  private wake(): void {
    const drained = this.drained;
    this.drained = undefined;
    drained?.();
  }
}

const HANDLERS: SocketHandler<Connection> = {
  data: (socket, data) => socket.data.onData(data as Buffer),
  drain: (socket) => socket.data.onDrain(),
  handshake: (socket, success, error) => socket.data.onHandshake(success, error),
  end: (socket) => socket.data.onClose(),
  close: (socket, error) => socket.data.onClose(error),
  error: (socket, error) => socket.data.onClose(error),
  // Bun.connect rejects with the error.
  connectError: () => {},
};
