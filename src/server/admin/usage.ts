// GET /admin/usage?from=&to=&group_by=key|model|provider|day (DESIGN "HTTP"): the ledger's rows of
// the days asked for, summed by one dimension. Bounds are ISO-8601 dates or date-times, read as UTC
// days (the ledger's grain), both inclusive; the default is the last 30 days.
import { errors } from "../../core/errors.ts";
import { dayOf, daysBetween } from "../../cost/calendar.ts";
import { addRow } from "../../cost/ledger.ts";
import { formatUsd } from "../../cost/money.ts";
import { appKeysOf } from "../../keys/app-keys.ts";
import type { LedgerRow } from "../../store/types.ts";
import type { Exchange, Generation } from "../context.ts";
import { requireAdmin } from "./admin-auth.ts";

export const ADMIN_USAGE = "/admin/usage";

const GROUPS = ["key", "model", "provider", "day"] as const;
type GroupBy = (typeof GROUPS)[number];

const DAY_MS = 86_400_000;
/** At most this many days per query: one year and a bit, which is how long Redis keeps a day. */
const MAX_DAYS = 400;

export async function usageHandler(gen: Generation, ex: Exchange): Promise<Response> {
  requireAdmin(ex);
  const ledger = gen.ledger;
  if (ledger === undefined) throw errors.ledgerOff();
  const query = new URL(ex.req.url).searchParams;
  const now = ledger.now();
  const to = dayParam(query.get("to"), "to") ?? dayOf(now);
  const from = dayParam(query.get("from"), "from") ?? dayOf(Date.parse(to) - 29 * DAY_MS);
  if (from > to) throw errors.invalidRequest(`from (${from}) is after to (${to}).`, "from");
  if (daysBetween(from, to).length > MAX_DAYS) throw errors.invalidRequest(`At most ${MAX_DAYS} days per query; ask for a shorter range.`, "from");
  const groupBy = (query.get("group_by") ?? "day") as GroupBy;
  if (!GROUPS.includes(groupBy)) throw errors.invalidRequest(`group_by must be one of ${GROUPS.join(", ")}.`, "group_by");
  let rows: LedgerRow[];
  try {
    // What this instance counted but has not written yet is part of the answer.
    await ledger.flush();
    rows = await ledger.store.rows(from, to);
  } catch (err) {
    throw errors.storeUnavailable(err);
  }
  const groups = new Map<string, LedgerRow>();
  const total = emptyRow();
  for (const row of rows) {
    const group = groupOf(row, groupBy);
    let sum = groups.get(group);
    if (sum === undefined) groups.set(group, (sum = emptyRow()));
    addRow(sum, row);
    addRow(total, row);
  }
  const keys = groupBy === "key" ? appKeysOf(gen) : undefined;
  const data = [...groups].map(([group, sum]) => {
    const item: Record<string, unknown> = { group: group === "" && groupBy !== "day" ? null : group, ...totals(sum) };
    if (groupBy === "model") item.priced = sum.unpriced === 0;
    if (keys !== undefined && group !== "") item.name = keys.byIdOf(group)?.record.name ?? null;
    return item;
  });
  if (groupBy === "day") data.sort((a, b) => String(a.group).localeCompare(String(b.group)));
  else data.sort((a, b) => Number(b.cost_usd) - Number(a.cost_usd) || Number(b.requests) - Number(a.requests));
  const body = { object: "list", from, to, group_by: groupBy, data, total: totals(total) };
  return new Response(JSON.stringify(body), { headers: { ...ex.headers, "content-type": "application/json", "cache-control": "no-store" } });
}

/** `2026-11-30` or `2026-11-30T12:00:00Z` → its UTC day; absent → undefined; anything else → 400. */
function dayParam(value: string | null, name: string): string | undefined {
  if (value === null || value === "") return undefined;
  const ms = value.length <= 64 && /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw errors.invalidRequest(`${name}: expected an ISO-8601 date or date-time such as "2026-11-01" or "2026-11-01T00:00:00Z".`, name);
  return dayOf(ms);
}

function groupOf(row: LedgerRow, by: GroupBy): string {
  if (by === "key") return row.key;
  if (by === "model") return row.model;
  if (by === "provider") return row.provider;
  return row.day;
}

function emptyRow(): LedgerRow {
  return { day: "", key: "", provider: "", model: "", requests: 0, promptTokens: 0, completionTokens: 0, errors: 0, costPico: 0n, cacheHits: 0, savedPico: 0n, unpriced: 0 };
}

function totals(r: LedgerRow): Record<string, number> {
  return {
    requests: r.requests, prompt_tokens: r.promptTokens, completion_tokens: r.completionTokens, cost_usd: Number(formatUsd(r.costPico)),
    errors: r.errors, cache_hits: r.cacheHits, saved_usd: Number(formatUsd(r.savedPico)), unpriced_requests: r.unpriced,
  };
}
