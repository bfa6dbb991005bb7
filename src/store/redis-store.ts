import { RedisConnection } from "./redis-connection.ts";
import { RedisAppKeys } from "./redis-app-keys.ts";
import { RedisLedger } from "./redis-ledger.ts";
import type { AppKeyStore, LedgerStore, ResponseStore, StoreBackend, StoredResponse } from "./types.ts";

export { withoutPassword } from "./redis-connection.ts";

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
  readonly ledger: LedgerStore;
  readonly keyPrefix: string;
  private readonly connection: RedisConnection;

  constructor(url: string, options: RedisStoreOptions) {
    this.connection = new RedisConnection(url, "the durable store");
    this.describe = this.connection.address;
    this.keyPrefix = options.keyPrefix ?? "butter:";
    this.responses = this.responsesWithTtl(options.ttlMs);
    this.appKeys = new RedisAppKeys(this, this.keyPrefix);
    this.ledger = new RedisLedger(this, this.keyPrefix);
  }

  responsesWithTtl(ttlMs: number): ResponseStore {
    return new RedisResponses(this, `${this.keyPrefix}response:`, Math.max(1, Math.ceil(ttlMs)));
  }

  /** Runs a command, connecting first when not connected (redis-connection.ts). */
  send<T>(command: string, args: string[]): Promise<T> {
    return this.connection.send<T>(command, args);
  }

  async close(): Promise<void> {
    this.connection.close();
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
