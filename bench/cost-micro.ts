// Per-request cost of cost accounting, in process: pricing an answer from the shipped table, the
// ledger's count of a finished request, and a budget check against a store (SQLite in memory).
//
//   bun bench/cost-micro.ts
import * as v from "valibot";
import { checkBudget } from "../src/cost/budgets.ts";
import { Ledger } from "../src/cost/ledger.ts";
import { Pricing } from "../src/cost/pricing.ts";
import { pricingSchema } from "../src/cost/pricing-config.ts";
import type { Usage } from "../src/core/openai-types.ts";
import type { RequestRecord } from "../src/observability/events.ts";
import { SqliteStore } from "../src/store/sqlite-store.ts";
import type { AppKeyRecord } from "../src/store/types.ts";

async function measure(name: string, run: () => unknown, iterations = 100_000): Promise<void> {
  for (let i = 0; i < 5_000; i++) {
    const out = run();
    if (out instanceof Promise) await out;
  }
  const start = performance.now();
  for (let i = 0; i < iterations; i++) {
    const out = run();
    if (out instanceof Promise) await out;
  }
  const us = ((performance.now() - start) * 1000) / iterations;
  console.log(`${name.padEnd(52)} ${us.toFixed(2).padStart(8)} µs/request`);
}

const pricing = new Pricing(v.parse(pricingSchema, {}));
const usage: Usage = {
  prompt_tokens: 1234, completion_tokens: 567, total_tokens: 1801,
  prompt_tokens_details: { cached_tokens: 200 }, completion_tokens_details: { reasoning_tokens: 100 },
};
pricing.price("openai", "openai", "gpt-4o-mini", usage);
await measure("price an answer (shipped table, cached lookup)", () => pricing.price("openai", "openai", "gpt-4o-mini", usage));

const store = new SqliteStore(":memory:", { ttlMs: 60_000 });
const ledger = new Ledger(store.ledger, store.describe, false, 1000, Date.now);
const record = {
  operation: "chat", appKeyId: "key_AAAAAAAAAAAAAAAA", provider: "openai", model: "gpt-4o-mini", requestedModel: "fast",
  status: 200, errorKind: undefined, cache: undefined, promptTokens: 1234, completionTokens: 567, costPico: 123_456_789n,
} as unknown as RequestRecord;
await measure("ledger: count a finished request (in memory)", () => ledger.record(record), 1_000_000);
await ledger.flush();
await measure("ledger: flush one row (SQLite upsert, one transaction)", () => (ledger.record(record), ledger.flush()), 20_000);

const key: AppKeyRecord = {
  id: "key_AAAAAAAAAAAAAAAA", hash: "", name: "bench", createdAt: 0, expiresAt: null, revoked: false, models: null, rateLimit: null,
  budget: { limit_usd: 1_000_000, period: "month" },
};
await measure("budget check (month: pending + SQLite SUM over days)", () => checkBudget(ledger, key), 50_000);
await ledger.close();
await store.close();
