import { daysBetween } from "../cost/calendar.ts";
import type { LedgerRow, LedgerStore } from "./types.ts";

interface Sender {
  send<T>(command: string, args: string[]): Promise<T>;
}

/** A day's ledger is kept this long (a little over a year), then Redis drops it. */
const RETENTION_SECONDS = 400 * 86_400;

const COLUMNS = ["requests", "prompt_tokens", "completion_tokens", "errors", "cost_pico", "cache_hits", "saved_pico", "unpriced"] as const;

/**
 * `<prefix>ledger:<day>`: one hash per UTC day, field `<JSON [key, provider, model]>|<column>` → an
 * integer that flushes add to with HINCRBY (so instances never overwrite each other's counts).
 * `<prefix>spend:<key id>`: the key's cost per day (field `YYYY-MM-DD`) and ever (`total`), written
 * by the same script, so a budget check reads one small hash instead of summing ledger days.
 */
export class RedisLedger implements LedgerStore {
  constructor(private readonly redis: Sender, private readonly prefix: string) {}

  async add(rows: readonly LedgerRow[]): Promise<void> {
    if (rows.length === 0) return;
    const args = [ADD_ROWS, "0", this.prefix, String(RETENTION_SECONDS)];
    for (const r of rows) {
      args.push(r.day, r.key, JSON.stringify([r.key, r.provider, r.model]), String(r.requests), String(r.promptTokens), String(r.completionTokens),
        String(r.errors), String(r.costPico), String(r.cacheHits), String(r.savedPico), String(r.unpriced));
    }
    await this.redis.send("EVAL", args);
  }

  async rows(from: string, to: string): Promise<LedgerRow[]> {
    const days = daysBetween(from, to);
    // Sent together, Bun's client pipelines them: one round trip for the whole range.
    const hashes = await Promise.all(days.map((day) => this.redis.send<Record<string, string> | null>("HGETALL", [`${this.prefix}ledger:${day}`])));
    const rows: LedgerRow[] = [];
    for (let i = 0; i < days.length; i++) {
      const byGroup = new Map<string, LedgerRow>();
      for (const [field, value] of Object.entries(hashes[i] ?? {})) {
        const bar = field.lastIndexOf("|");
        const group = field.slice(0, bar);
        let row = byGroup.get(group);
        if (row === undefined) {
          const [key, provider, model] = JSON.parse(group) as [string, string, string];
          byGroup.set(group, (row = { day: days[i]!, key, provider, model, requests: 0, promptTokens: 0, completionTokens: 0, errors: 0, costPico: 0n, cacheHits: 0, savedPico: 0n, unpriced: 0 }));
        }
        setColumn(row, field.slice(bar + 1), value);
      }
      rows.push(...byGroup.values());
    }
    return rows;
  }

  async spend(id: string, days: { from: string; to: string } | null): Promise<bigint> {
    const fields = days === null ? ["total"] : daysBetween(days.from, days.to);
    const values = await this.redis.send<(string | null)[]>("HMGET", [`${this.prefix}spend:${id}`, ...fields]);
    let pico = 0n;
    for (const v of values) if (v !== null) pico += BigInt(v);
    return pico;
  }
}

function setColumn(row: LedgerRow, column: string, value: string): void {
  switch (column) {
    case "requests": row.requests = Number(value); break;
    case "prompt_tokens": row.promptTokens = Number(value); break;
    case "completion_tokens": row.completionTokens = Number(value); break;
    case "errors": row.errors = Number(value); break;
    case "cost_pico": row.costPico = BigInt(value); break;
    case "cache_hits": row.cacheHits = Number(value); break;
    case "saved_pico": row.savedPico = BigInt(value); break;
    case "unpriced": row.unpriced = Number(value); break;
  }
}

/** One script: a batch is applied whole or not at all, so a retried flush never counts twice. */
const ADD_ROWS = `
local prefix = ARGV[1]
local retention = ARGV[2]
local columns = {${COLUMNS.map((c) => `'${c}'`).join(", ")}}
for i = 3, #ARGV, 11 do
  local day, key, group = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local hash = prefix .. 'ledger:' .. day
  for c = 1, #columns do
    local v = ARGV[i + 2 + c]
    if v ~= '0' then redis.call('HINCRBY', hash, group .. '|' .. columns[c], v) end
  end
  redis.call('EXPIRE', hash, retention)
  local cost = ARGV[i + 7]
  if key ~= '' and cost ~= '0' then
    redis.call('HINCRBY', prefix .. 'spend:' .. key, day, cost)
    redis.call('HINCRBY', prefix .. 'spend:' .. key, 'total', cost)
  end
end
return 1`;
