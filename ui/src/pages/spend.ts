// Cost over time and by key, model and provider, from GET /admin/usage (the ledger).
import { useState } from "preact/hooks";
import { api, daysAgo, today, usd } from "../api.ts";
import { Bars, Columns, type Point } from "../chart.ts";
import { html } from "../html.ts";
import { usePoll } from "../use-poll.ts";

interface UsageItem { group: string | null; name?: string | null; cost_usd: number; requests: number }
interface Usage { data: UsageItem[]; total: { cost_usd: number; requests: number; saved_usd: number } }

export function Spend() {
  const [days, setDays] = useState(30);
  const from = daysAgo(days - 1);
  const load = (by: string) => () => api<Usage>("GET", `/admin/usage?from=${from}&to=${today()}&group_by=${by}`);
  const byDay = usePoll(load("day"), 10_000, [days]);
  const byKey = usePoll(load("key"), 10_000, [days]);
  const byModel = usePoll(load("model"), 10_000, [days]);
  const byProvider = usePoll(load("provider"), 10_000, [days]);
  const costs = new Map((byDay.data?.data ?? []).map((d) => [d.group, d.cost_usd]));
  const dayPoints: Point[] = Array.from({ length: days }, (_, i) => {
    const day = daysAgo(days - 1 - i);
    return { label: day.slice(5), value: costs.get(day) ?? 0 };
  });
  const points = (u: Usage | undefined, unnamed: string): Point[] =>
    (u?.data ?? []).slice(0, 12).map((d) => ({ label: d.name ?? d.group ?? unnamed, value: d.cost_usd }));
  const error = byDay.error ?? byKey.error;
  return html`<section aria-labelledby="h-spend">
    <h1 id="h-spend">Spend</h1>
    <label>Range
      <select value=${String(days)} onChange=${(e: any) => setDays(Number(e.currentTarget.value))}>
        <option value="7">last 7 days</option><option value="30">last 30 days</option><option value="90">last 90 days</option>
      </select>
    </label>
    ${error ? html`<p role="alert" class="error">${error}</p>` : null}
    <dl class="tiles">
      <div><dt>Total</dt><dd data-testid="spend-total">${usd(byDay.data?.total.cost_usd)}</dd></div>
      <div><dt>Requests</dt><dd>${byDay.data?.total.requests ?? "—"}</dd></div>
      <div><dt>Saved by the cache</dt><dd>${usd(byDay.data?.total.saved_usd)}</dd></div>
    </dl>
    <${Columns} points=${dayPoints} title="Cost per day (UTC)" format=${usd} />
    <div class="grid3">
      <${Bars} points=${points(byKey.data, "no key")} title="By key" format=${usd} />
      <${Bars} points=${points(byModel.data, "unknown")} title="By model" format=${usd} />
      <${Bars} points=${points(byProvider.data, "unknown")} title="By provider" format=${usd} />
    </div>
  </section>`;
}
