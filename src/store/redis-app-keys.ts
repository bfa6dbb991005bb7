import type { AppKeyCounters, AppKeyRecord, AppKeyStore, StoredAppKey } from "./types.ts";

/** What the store needs of RedisStore: one command at a time (Bun's client pipelines concurrent ones). */
interface Sender {
  send<T>(command: string, args: string[]): Promise<T>;
}

/**
 * `<prefix>key:<id>`: a hash holding the record (`data`, JSON) and its counters, which flushes add to
 * with HINCRBY so instances never overwrite each other's increments. `<prefix>keys` indexes hash → id;
 * `<prefix>keys:version` is bumped by every change to a record, and polled by every instance.
 */
export class RedisAppKeys implements AppKeyStore {
  constructor(private readonly redis: Sender, private readonly prefix: string) {}

  private keyOf(id: string): string {
    return `${this.prefix}key:${id}`;
  }

  async version(): Promise<string> {
    return (await this.redis.send<string | null>("GET", [`${this.prefix}keys:version`])) ?? "0";
  }

  async list(): Promise<StoredAppKey[]> {
    const index = await this.redis.send<Record<string, string> | null>("HGETALL", [`${this.prefix}keys`]);
    const ids = Object.values(index ?? {}).sort();
    const keys = await Promise.all(ids.map((id) => this.get(id)));
    return keys.filter((k): k is StoredAppKey => k !== undefined);
  }

  async get(id: string): Promise<StoredAppKey | undefined> {
    const h = await this.redis.send<Record<string, string> | null>("HGETALL", [this.keyOf(id)]);
    if (h === null || h.data === undefined) return undefined;
    const data = JSON.parse(h.data) as AppKeyRecord;
    const last = Number(h.last_used_at ?? 0);
    return {
      record: data,
      counters: {
        requests: Number(h.requests ?? 0), promptTokens: Number(h.prompt_tokens ?? 0), completionTokens: Number(h.completion_tokens ?? 0),
        errors: Number(h.errors ?? 0), costPico: BigInt(h.cost_pico ?? "0"), lastUsedAt: last > 0 ? last : null,
      },
    };
  }

  async save(record: AppKeyRecord): Promise<void> {
    await Promise.all([
      this.redis.send("HSET", [this.keyOf(record.id), "data", JSON.stringify(record)]),
      this.redis.send("HSET", [`${this.prefix}keys`, record.hash, record.id]),
    ]);
    // After the record is written: an instance seeing the new version reads the new record.
    await this.redis.send("INCR", [`${this.prefix}keys:version`]);
  }

  async addCounters(increments: ReadonlyMap<string, AppKeyCounters>): Promise<void> {
    if (increments.size === 0) return;
    const args = [ADD_COUNTERS, "0", this.prefix];
    for (const [id, c] of increments) {
      args.push(id, String(c.requests), String(c.promptTokens), String(c.completionTokens), String(c.errors), String(c.lastUsedAt ?? 0), String(c.costPico));
    }
    await this.redis.send("EVAL", args);
  }
}

/**
 * One script, so a batch is applied whole or not at all (a retried batch never counts twice) and
 * nothing else sharing the connection can interleave, as it could inside MULTI. Counters of a key
 * that no longer exists are dropped rather than creating a hash without a record.
 */
const ADD_COUNTERS = `
local prefix = ARGV[1]
for i = 2, #ARGV, 7 do
  local key = prefix .. 'key:' .. ARGV[i]
  if redis.call('HEXISTS', key, 'data') == 1 then
    redis.call('HINCRBY', key, 'requests', ARGV[i + 1])
    redis.call('HINCRBY', key, 'prompt_tokens', ARGV[i + 2])
    redis.call('HINCRBY', key, 'completion_tokens', ARGV[i + 3])
    redis.call('HINCRBY', key, 'errors', ARGV[i + 4])
    if ARGV[i + 6] ~= '0' then redis.call('HINCRBY', key, 'cost_pico', ARGV[i + 6]) end
    local last = tonumber(ARGV[i + 5])
    if last > tonumber(redis.call('HGET', key, 'last_used_at') or '0') then redis.call('HSET', key, 'last_used_at', ARGV[i + 5]) end
  end
end
return 1`;
