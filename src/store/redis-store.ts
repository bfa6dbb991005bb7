import { RedisClient } from "bun";
import { RedisAppKeys } from "./redis-app-keys.ts";
import type { AppKeyStore, ResponseStore, StoreBackend, StoredResponse } from "./types.ts";

export interface RedisStoreOptions {
  ttlMs: number;
  /** Every key starts with it; tests use their own so parallel runs never meet. */
  keyPrefix?: string;
}

/** `store: redis`, at `redis.url`: every gateway sharing the Redis sees the same stored responses. */
export class RedisStore implements StoreBackend {
  readonly kind = "redis";
  readonly describe: string;
  readonly responses: ResponseStore;
  readonly appKeys: AppKeyStore;
  readonly keyPrefix: string;
  private readonly client: RedisClient;
  private connecting: Promise<void> | undefined;
  private closed = false;

  constructor(url: string, options: RedisStoreOptions) {
    this.describe = `redis:${withoutPassword(url)}`;
    this.keyPrefix = options.keyPrefix ?? "butter:";
    // Constructing connects nothing: the first command does (a config that never stores opens no socket).
    // No retries inside the client: with Redis down a request fails within the connection timeout
    // instead of waiting through the client's backoff; the next command tries again (see send).
    this.client = new RedisClient(url, { connectionTimeout: 2000, autoReconnect: false, enableOfflineQueue: false });
    this.responses = this.responsesWithTtl(options.ttlMs);
    this.appKeys = new RedisAppKeys(this, this.keyPrefix);
  }

  responsesWithTtl(ttlMs: number): ResponseStore {
    return new RedisResponses(this, `${this.keyPrefix}response:`, Math.max(1, Math.ceil(ttlMs)));
  }

  /** Runs a command, connecting first when not connected. */
  async send<T>(command: string, args: string[]): Promise<T> {
    if (this.closed) throw new Error(`the durable store (${this.describe}) is closed`);
    if (!this.client.connected) await this.connect();
    return (await this.client.send(command, args)) as T;
  }

  /** One connection attempt at a time, shared by the commands waiting on it. */
  private connect(): Promise<void> {
    this.connecting ??= this.client.connect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.close();
  }
}

class RedisResponses implements ResponseStore {
  constructor(private readonly store: RedisStore, private readonly prefix: string, private readonly ttlMs: number) {}

  async put(record: StoredResponse): Promise<void> {
    await this.store.send("SET", [this.prefix + record.id, JSON.stringify(record), "PX", String(this.ttlMs)]);
  }

  async get(id: string): Promise<StoredResponse | undefined> {
    const data = await this.store.send<string | null>("GET", [this.prefix + id]);
    return data === null ? undefined : (JSON.parse(data) as StoredResponse);
  }

  async delete(id: string): Promise<boolean> {
    return (await this.store.send<number>("DEL", [this.prefix + id])) === 1;
  }

  async touch(ids: readonly string[]): Promise<void> {
    // Sent together, Bun's client pipelines them: one round trip for the whole conversation.
    await Promise.all(ids.map((id) => this.store.send("PEXPIRE", [this.prefix + id, String(this.ttlMs)])));
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
