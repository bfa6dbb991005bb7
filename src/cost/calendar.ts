// UTC days and budget periods. The ledger is kept per UTC day ("2026-11-30"); a budget's period
// starts at a UTC day (midnight), a Monday (ISO week) or the 1st of a month, or never resets.

export type BudgetPeriod = "day" | "week" | "month" | "total";

const DAY_MS = 86_400_000;

/** The UTC day of `ms` as "YYYY-MM-DD" (sorts as text in time order). */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Midnight UTC of "YYYY-MM-DD", ms since the epoch. */
export function dayStart(day: string): number {
  return Date.parse(day + "T00:00:00Z");
}

/** Every day from `from` to `to` (both "YYYY-MM-DD", inclusive), in order. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = dayStart(from), end = dayStart(to); t <= end; t += DAY_MS) days.push(dayOf(t));
  return days;
}

/** Where the period holding `ms` began (ms since the epoch); null for `total`, which never resets. */
export function periodStart(period: BudgetPeriod, ms: number): number | null {
  const d = new Date(ms);
  const midnight = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  switch (period) {
    case "day":
      return midnight;
    case "week":
      // ISO weeks start on Monday: getUTCDay() is 0 on Sunday.
      return midnight - ((d.getUTCDay() + 6) % 7) * DAY_MS;
    case "month":
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    case "total":
      return null;
  }
}

/** When the period holding `ms` ends and spend starts again from 0; null for `total`. */
export function periodEnd(period: BudgetPeriod, ms: number): number | null {
  const start = periodStart(period, ms);
  if (start === null) return null;
  if (period === "day") return start + DAY_MS;
  if (period === "week") return start + 7 * DAY_MS;
  const d = new Date(start);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}
