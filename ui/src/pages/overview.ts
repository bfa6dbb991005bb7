// Traffic at a glance, from the request ring (refreshed every 2 s) and today's spend from the ledger.
import { api, ms, usd, today } from "../api.ts";
import { Columns } from "../chart.ts";
import { html } from "../html.ts";
import { usePoll } from "../use-poll.ts";
import type { RequestView } from "./requests.ts";

const WINDOW_S = 60;
const HISTORY_S = 300;

function quantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

export function Overview() {
  const recent = usePoll(() => api<{ data: RequestView[] }>("GET", "/admin/requests?limit=1000"), 2000);
  const spend = usePoll(() => api<{ total: { cost_usd: number; requests: number } }>("GET", `/admin/usage?from=${today()}&to=${today()}&group_by=day`), 5000);
  const rows = recent.data?.data ?? [];
  const now = Date.now();
  const inWindow = rows.filter((r) => now - Date.parse(r.time) <= WINDOW_S * 1000);
  const history = rows.filter((r) => now - Date.parse(r.time) <= HISTORY_S * 1000);
  const latencies = history.map((r) => r.latency_ms).sort((a, b) => a - b);
  const errors = history.filter((r) => r.status >= 400).length;
  const buckets = Array.from({ length: HISTORY_S / 10 }, (_, i) => ({ label: `-${HISTORY_S - i * 10}s`, value: 0 }));
  for (const r of history) {
    const i = buckets.length - 1 - Math.floor((now - Date.parse(r.time)) / 10_000);
    if (i >= 0) buckets[i]!.value++;
  }
  if (buckets.length > 0) buckets[buckets.length - 1]!.label = "now";
  return html`<section aria-labelledby="h-overview">
    <h1 id="h-overview">Overview</h1>
    ${recent.error ? html`<p role="alert" class="error">${recent.error}</p>` : null}
    <dl class="tiles">
      <div><dt>Requests/s (last minute)</dt><dd data-testid="rps">${(inWindow.length / WINDOW_S).toFixed(2)}</dd></div>
      <div><dt>Error rate (5 min)</dt><dd data-testid="error-rate">${history.length === 0 ? "—" : `${((errors / history.length) * 100).toFixed(1)}%`}</dd></div>
      <div><dt>Latency p50 (5 min)</dt><dd data-testid="p50">${ms(quantile(latencies, 0.5))}</dd></div>
      <div><dt>Latency p99 (5 min)</dt><dd data-testid="p99">${ms(quantile(latencies, 0.99))}</dd></div>
      <div><dt>Spend today (UTC)</dt><dd data-testid="spend-today">${spend.error ? "—" : usd(spend.data?.total.cost_usd)}</dd></div>
      <div><dt>Requests recorded</dt><dd data-testid="recorded">${rows.length}</dd></div>
    </dl>
    <${Columns} points=${buckets} title="Requests per 10 s, last 5 minutes" format=${(n: number) => String(n)} />
  </section>`;
}
