import { RedisClient } from "bun";

/**
 * One lazily opened Redis connection at `url`, as the durable store and the response cache use it.
 * Constructing connects nothing: the first command does (a config that never uses Redis opens no
 * socket). No retries inside the client: with Redis down a command fails within the connection
 * timeout instead of waiting through the client's backoff, and the next command tries again, so the
 * connection comes back by itself when Redis does.
 */
export class RedisConnection {
  /** `redis:<url>` as it may be logged (no password). */
  readonly address: string;
  private readonly client: RedisClient;
  private connecting: Promise<void> | undefined;
  private closed = false;

  /** `what` names the user in errors ("the durable store"). */
  constructor(url: string, private readonly what: string) {
    this.address = `redis:${withoutPassword(url)}`;
    this.client = new RedisClient(url, { connectionTimeout: 2000, autoReconnect: false, enableOfflineQueue: false });
  }

  /** Runs a command, connecting first when not connected. */
  async send<T>(command: string, args: string[]): Promise<T> {
    if (this.closed) throw new Error(`${this.what} (${this.address}) is closed`);
    if (!this.client.connected) await this.connect();
    return (await this.client.send(command, args)) as T;
  }

  /** One connection attempt at a time, shared by the commands waiting on it. */
  private connect(): Promise<void> {
    this.connecting ??= this.client.connect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.close();
  }
}

/** The URL as logged: `redis://user:secret@host` → `redis://user:***@host`; nothing of an unparsable one. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return "(an unparsable URL)";
  }
}
