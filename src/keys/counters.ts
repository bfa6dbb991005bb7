import type { AppKeyCounters } from "../store/types.ts";

export function zeroCounters(): AppKeyCounters {
  return { requests: 0, promptTokens: 0, completionTokens: 0, errors: 0, costPico: 0n, lastUsedAt: null };
}

/** Adds `b` into `a` (last use: the later one). */
export function addInto(a: AppKeyCounters, b: AppKeyCounters): void {
  a.requests += b.requests;
  a.promptTokens += b.promptTokens;
  a.completionTokens += b.completionTokens;
  a.errors += b.errors;
  a.costPico += b.costPico;
  if (b.lastUsedAt !== null && (a.lastUsedAt === null || b.lastUsedAt > a.lastUsedAt)) a.lastUsedAt = b.lastUsedAt;
}
