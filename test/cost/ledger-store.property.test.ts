// Both ledger stores (SQLite and the real Redis) against random batches of rows, hostile names
// included (quotes, '|', NUL, emoji, JSON-looking text): what comes back for a range of days is the
// sum of what went in, grouped by day, key, provider and model, and a key's spend is the sum of its costs.
import { afterAll, expect, test } from "bun:test";
import fc from "fast-check";
import { SqliteStore } from "../../src/store/sqlite-store.ts";
import { RedisStore } from "../../src/store/redis-store.ts";
import type { LedgerRow, LedgerStore } from "../../src/store/types.ts";
import { describeRedis, REDIS_URL, redisClient } from "../plugins/redis-support.ts";

const name = fc.oneof(fc.constantFrom("gpt-4o-mini", "a|b", 'q"uote', "nul\u0000x", "🦄", '["x","y"]', ""), fc.string({ maxLength: 12 }));
const row = fc.record({
  day: fc.constantFrom("2026-02-27", "2026-02-28", "2026-03-01"),
  key: fc.constantFrom("", "key_AAAAAAAAAAAAAAAA", "key_BBBBBBBBBBBBBBBB"),
  provider: fc.constantFrom("openai", "openai-eu", "anthropic"),
  model: name,
  requests: fc.integer({ min: 0, max: 1000 }),
  promptTokens: fc.integer({ min: 0, max: 1e9 }),
  completionTokens: fc.integer({ min: 0, max: 1e9 }),
  errors: fc.integer({ min: 0, max: 10 }),
  costPico: fc.bigInt({ min: 0n, max: 10n ** 15n }),
  cacheHits: fc.integer({ min: 0, max: 10 }),
  savedPico: fc.bigInt({ min: 0n, max: 10n ** 12n }),
  unpriced: fc.integer({ min: 0, max: 3 }),
});

function summed(rows: readonly LedgerRow[]): Map<string, LedgerRow> {
  const out = new Map<string, LedgerRow>();
  for (const r of rows) {
    const id = JSON.stringify([r.day, r.key, r.provider, r.model]);
    const s = out.get(id);
    if (s === undefined) out.set(id, { ...r });
    else {
      s.requests += r.requests; s.promptTokens += r.promptTokens; s.completionTokens += r.completionTokens; s.errors += r.errors;
      s.costPico += r.costPico; s.cacheHits += r.cacheHits; s.savedPico += r.savedPico; s.unpriced += r.unpriced;
    }
  }
  // A store keeps no row whose counts are all zero (Redis writes only what is non-zero).
  for (const [id, r] of out) if (r.requests + r.promptTokens + r.completionTokens + r.errors + r.cacheHits + r.unpriced === 0 && r.costPico === 0n && r.savedPico === 0n) out.delete(id);
  return out;
}

async function check(fresh: () => Promise<LedgerStore>): Promise<void> {
  await fc.assert(fc.asyncProperty(fc.array(fc.array(row, { maxLength: 8 }), { minLength: 1, maxLength: 4 }), async (batches) => {
    const store = await fresh();
    for (const b of batches) await store.add(b);
    const all = batches.flat();
    const expected = summed(all);
    const got = summed(await store.rows("2026-02-27", "2026-03-01"));
    expect(got).toEqual(expected);
    expect(summed(await store.rows("2026-03-01", "2026-03-01"))).toEqual(summed(all.filter((r) => r.day === "2026-03-01")));
    for (const key of ["key_AAAAAAAAAAAAAAAA", "key_BBBBBBBBBBBBBBBB"]) {
      const mine = all.filter((r) => r.key === key);
      expect(await store.spend(key, null)).toBe(mine.reduce((s, r) => s + r.costPico, 0n));
      expect(await store.spend(key, { from: "2026-02-28", to: "2026-03-01" })).toBe(mine.filter((r) => r.day !== "2026-02-27").reduce((s, r) => s + r.costPico, 0n));
    }
  }), { numRuns: 40 });
}

const sqlites: SqliteStore[] = [];
afterAll(async () => {
  for (const s of sqlites) await s.close();
});

test("SQLite ledger: rows and spend sum what was added", async () => {
  await check(async () => {
    const s = new SqliteStore(":memory:", { ttlMs: 60_000 });
    sqlites.push(s);
    return s.ledger;
  });
});

describeRedis("Redis ledger", () => {
  const prefixes: string[] = [];
  const stores: RedisStore[] = [];
  afterAll(async () => {
    for (const s of stores) await s.close();
    const redis = redisClient();
    for (const p of prefixes) {
      const keys = (await redis.send("KEYS", [`${p}*`])) as string[];
      if (keys.length > 0) await redis.send("DEL", keys);
    }
    redis.close();
  });

  test("rows and spend sum what was added, whatever the names hold", async () => {
    let n = 0;
    await check(async () => {
      const prefix = `butter-test-ledger-${process.pid}-${Date.now()}-${n++}:`;
      prefixes.push(prefix);
      const s = new RedisStore(REDIS_URL, { ttlMs: 60_000, keyPrefix: prefix });
      stores.push(s);
      return s.ledger;
    });
  }, 60_000);
});
