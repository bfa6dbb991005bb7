// Budgets per app key: the key's spend in its current period, read from the ledger (the store's
// total plus this instance's unwritten part) before the upstream call. A request already admitted
// finishes even if it crosses the limit; the next one is refused with OpenAI's quota error.
import { errors } from "../core/errors.ts";
import { DistinctWarning } from "../observability/distinct-warning.ts";
import type { AppKeyRecord } from "../store/types.ts";
import { dayOf, periodEnd, periodStart, type BudgetPeriod } from "./calendar.ts";
import type { Ledger } from "./ledger.ts";
import { usdToPico } from "./money.ts";

export interface BudgetState {
  spentPico: bigint;
  /** When the period ends (ms since the epoch); null for `total`. */
  resetsAt: number | null;
}

/** Where spend is read: the running ledger, or (the CLI) the store's ledger as it is. */
export type SpendReader = Pick<Ledger, "now" | "spend">;

/** The key's spend in the period holding `now`; undefined when it has no budget. */
export async function budgetState(ledger: SpendReader, record: AppKeyRecord): Promise<BudgetState | undefined> {
  const budget = record.budget;
  if (budget === null) return undefined;
  const now = ledger.now();
  const period = budget.period as BudgetPeriod;
  const start = periodStart(period, now);
  const spentPico = await ledger.spend(record.id, start === null ? null : { from: dayOf(start), to: dayOf(now) });
  return { spentPico, resetsAt: periodEnd(period, now) };
}

const warning = new DistinctWarning();

/**
 * Throws the 429 when the key's period spend has reached its limit. A store that cannot answer
 * does not stop traffic: the check then fails open (logged once per distinct failure), as a
 * budget is accounting, and the spend is still recorded for when the store is back.
 */
export async function checkBudget(ledger: Ledger, record: AppKeyRecord): Promise<void> {
  const budget = record.budget!;
  let state: BudgetState;
  try {
    state = (await budgetState(ledger, record))!;
    warning.clear();
  } catch (err) {
    warning.warn("reading a key's spend failed; its budget is not enforced until the store answers", err, { key_id: record.id });
    return;
  }
  if (state.spentPico >= usdToPico(budget.limit_usd)) throw errors.budgetExceeded(budget.limit_usd, budget.period, state.resetsAt, ledger.now());
}
