// Providers' health per target: circuit state, key cool-downs (by index), attempts, errors, median latency.
import { api, ms, num, when } from "../api.ts";
import { html } from "../html.ts";
import { usePoll } from "../use-poll.ts";

interface TargetView {
  provider: string; model: string; circuit: "closed" | "open" | "half_open"; circuit_open_until: string | null;
  keys: { index: number; cooling_down_until: string | null }[]; requests: number; errors: number; latency_p50_ms: number | null;
}

export function Providers() {
  const { data, error } = usePoll(() => api<{ data: TargetView[] }>("GET", "/admin/providers"), 3000);
  const rows = data?.data ?? [];
  return html`<section aria-labelledby="h-providers">
    <h1 id="h-providers">Providers</h1>
    ${error ? html`<p role="alert" class="error">${error}</p>` : null}
    <div class="table-wrap"><table aria-label="Provider targets">
      <thead><tr><th scope="col">Provider</th><th scope="col">Model</th><th scope="col">Health</th><th scope="col">Circuit</th><th scope="col">Keys</th><th scope="col">Attempts</th><th scope="col">Errors</th><th scope="col">Latency p50</th></tr></thead>
      <tbody>
        ${rows.length === 0 ? html`<tr><td colspan="8" class="muted">No targets configured or called yet.</td></tr>` : null}
        ${rows.map((t) => {
          const cooling = t.keys.filter((k) => k.cooling_down_until !== null);
          const rate = t.requests === 0 ? 0 : t.errors / t.requests;
          const health = t.circuit !== "closed" ? "down" : cooling.length > 0 || rate > 0.2 ? "degraded" : "healthy";
          return html`<tr key=${t.provider + "/" + t.model}>
            <td>${t.provider}</td><td>${t.model}</td>
            <td><span class=${`badge ${health === "healthy" ? "good" : health === "degraded" ? "warn" : "bad"}`}>${health}</span></td>
            <td>${t.circuit.replace("_", "-")}${t.circuit_open_until ? html` <span class="muted">until ${when(t.circuit_open_until)}</span>` : null}</td>
            <td>${t.keys.length === 0 ? "—" : t.keys.map((k) => html`<span class=${k.cooling_down_until ? "badge warn" : "badge good"} title=${k.cooling_down_until ? `cooling down until ${when(k.cooling_down_until)}` : "in rotation"}>#${k.index}${k.cooling_down_until ? " cooling" : ""}</span> `)}</td>
            <td>${num(t.requests)}</td><td>${num(t.errors)}</td><td>${ms(t.latency_p50_ms)}</td>
          </tr>`;
        })}
      </tbody>
    </table></div>
  </section>`;
}
