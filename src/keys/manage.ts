// Creating, changing and revoking keys, and the key object the admin API and CLI show: one place for both.
import type { AppKeyCounters, AppKeyRecord, AppKeyStore, StoredAppKey } from "../store/types.ts";
import type { BudgetState } from "../cost/budgets.ts";
import { periodEnd, type BudgetPeriod } from "../cost/calendar.ts";
import { formatUsd } from "../cost/money.ts";
import { addInto, zeroCounters } from "./counters.ts";
import { hashKey, newKey, newKeyId } from "./key-format.ts";
import type { CreateKeyInput, UpdateKeyInput } from "./key-input.ts";

/** Returns the record and the key itself, which exists nowhere else from now on. */
export async function createKey(store: AppKeyStore, input: CreateKeyInput, now = Date.now()): Promise<{ record: AppKeyRecord; key: string }> {
  const key = newKey();
  const record: AppKeyRecord = {
    id: newKeyId(), hash: hashKey(key), name: input.name, createdAt: now,
    expiresAt: input.expires_at ?? null, revoked: false, models: input.models ?? null,
    rateLimit: input.rate_limit ?? null, budget: input.budget ?? null,
  };
  await store.save(record);
  return { record, key };
}

export async function updateKey(store: AppKeyStore, id: string, input: UpdateKeyInput): Promise<StoredAppKey | undefined> {
  const found = await store.get(id);
  if (found === undefined) return undefined;
  const r = { ...found.record };
  if (input.name !== undefined) r.name = input.name;
  if (input.models !== undefined) r.models = input.models;
  if (input.rate_limit !== undefined) r.rateLimit = input.rate_limit;
  if (input.expires_at !== undefined) r.expiresAt = input.expires_at;
  if (input.budget !== undefined) r.budget = input.budget;
  await store.save(r);
  return { record: r, counters: found.counters };
}

/** Revoking twice is the same as once (the key object answers either way). */
export async function revokeKey(store: AppKeyStore, id: string): Promise<StoredAppKey | undefined> {
  const found = await store.get(id);
  if (found === undefined) return undefined;
  if (found.record.revoked) return found;
  const r = { ...found.record, revoked: true };
  await store.save(r);
  return { record: r, counters: found.counters };
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/**
 * DESIGN's key object; `unflushed` is this instance's counting not yet written, `budget` the spend
 * in the budget's period (keys with a budget). Never the key or its hash.
 */
export function keyObject({ record: r, counters }: StoredAppKey, unflushed?: AppKeyCounters, budget?: BudgetState): Record<string, unknown> {
  const c = zeroCounters();
  addInto(c, counters);
  if (unflushed !== undefined) addInto(c, unflushed);
  const object: Record<string, unknown> = {
    id: r.id, name: r.name, created_at: iso(r.createdAt), last_used_at: iso(c.lastUsedAt), expires_at: iso(r.expiresAt),
    revoked: r.revoked, models: r.models, rate_limit: r.rateLimit, budget: r.budget,
    usage: {
      requests: c.requests, prompt_tokens: c.promptTokens, completion_tokens: c.completionTokens,
      total_tokens: c.promptTokens + c.completionTokens, errors: c.errors, cost_usd: Number(formatUsd(c.costPico)),
    },
  };
  if (r.budget !== null) {
    object.spent_usd = budget === undefined ? null : Number(formatUsd(budget.spentPico));
    object.resets_at = budget === undefined ? null : iso(budget.resetsAt);
  }
  return object;
}

/** A new key's object: nothing used or spent yet. */
export function newKeyObject(record: AppKeyRecord, now: number): Record<string, unknown> {
  const budget = record.budget === null ? undefined : { spentPico: 0n, resetsAt: periodEnd(record.budget.period as BudgetPeriod, now) };
  return keyObject({ record, counters: zeroCounters() }, undefined, budget);
}
