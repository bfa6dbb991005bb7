// What the shipped table says a usage costs: the expected value for tests that check where cost
// shows up (keys, metrics), so they follow the table's prices instead of freezing today's.
import { formatUsd } from "../../src/cost/money.ts";
import { costOf } from "../../src/cost/pricing.ts";
import { tableRates } from "../../src/cost/price-table.ts";
import type { Usage } from "../../src/core/openai-types.ts";

export function tableCostUsd(kind: string, model: string, usage: { prompt_tokens: number; completion_tokens: number; prompt_tokens_details?: Usage["prompt_tokens_details"]; completion_tokens_details?: Usage["completion_tokens_details"] }, times = 1): number {
  const rates = tableRates(kind, model);
  if (rates === undefined) throw new Error(`the table has no price for ${kind}/${model}`);
  return Number(formatUsd(BigInt(times) * costOf(rates, { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens })));
}
