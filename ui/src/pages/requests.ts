// Recent requests: filters, a live tail over SSE (new requests appear on top), one request's detail.
import { useEffect, useState } from "preact/hooks";
import { api, ms, num, usd } from "../api.ts";
import { html } from "../html.ts";

export interface RequestView {
  id: string; time: string; api: string; route: string | null; provider: string | null; model: string | null;
  status: number; latency_ms: number; attempts: number; prompt_tokens: number | null; completion_tokens: number | null;
  cost_usd: number | null; cache: string | null; app_key_id: string | null; error: string | null;
  stream: boolean; requested_model: string | null; finish_reason: string | null; answered_by: string | null; seq: number;
}

const SHOWN = 200;

function query(key: string, provider: string, status: string): string {
  const q = new URLSearchParams();
  if (key) q.set("key", key);
  if (provider) q.set("provider", provider);
  if (status) q.set("status", status);
  return q.toString();
}

export function Requests() {
  const [key, setKey] = useState("");
  const [provider, setProvider] = useState("");
  const [status, setStatus] = useState("");
  const [live, setLive] = useState(true);
  const [rows, setRows] = useState<RequestView[]>([]);
  const [error, setError] = useState<string | undefined>();
  const [selected, setSelected] = useState<RequestView | undefined>();
  const q = query(key.trim(), provider.trim(), status);

  useEffect(() => {
    let open = true;
    api<{ data: RequestView[] }>("GET", `/admin/requests?limit=${SHOWN}&${q}`).then(
      (d) => open && (setRows(d.data), setError(undefined)),
      (e: Error) => open && setError(e.message),
    );
    if (!live) return () => void (open = false);
    const source = new EventSource(`/admin/requests/stream?${q}`);
    source.addEventListener("request", (ev) => {
      const view = JSON.parse((ev as MessageEvent).data) as RequestView;
      setRows((old) => [view, ...old.filter((r) => r.seq !== view.seq)].slice(0, SHOWN));
    });
    return () => {
      open = false;
      source.close();
    };
  }, [q, live]);

  return html`<section aria-labelledby="h-requests">
    <h1 id="h-requests">Requests</h1>
    <form class="filters" onSubmit=${(e: Event) => e.preventDefault()} aria-label="Filter requests">
      <label>Key id <input value=${key} onInput=${(e: any) => setKey(e.currentTarget.value)} placeholder="key_…" /></label>
      <label>Provider <input value=${provider} onInput=${(e: any) => setProvider(e.currentTarget.value)} placeholder="openai" /></label>
      <label>Status
        <select value=${status} onChange=${(e: any) => setStatus(e.currentTarget.value)}>
          <option value="">All</option><option value="ok">Succeeded</option><option value="error">Failed</option>
          <option value="4xx">4xx</option><option value="5xx">5xx</option><option value="429">429</option>
        </select>
      </label>
      <label class="check"><input type="checkbox" checked=${live} onChange=${(e: any) => setLive(e.currentTarget.checked)} /> Live tail</label>
    </form>
    ${error ? html`<p role="alert" class="error">${error}</p>` : null}
    <div class="split">
      <div class="table-wrap">
        <table aria-label="Recent requests">
          <thead><tr><th scope="col">Time</th><th scope="col">API</th><th scope="col">Model</th><th scope="col">Provider</th><th scope="col">Status</th><th scope="col">Latency</th><th scope="col">Cost</th></tr></thead>
          <tbody>
            ${rows.length === 0 ? html`<tr><td colspan="7" class="muted">No requests yet.</td></tr>` : null}
            ${rows.map((r) => html`<tr key=${r.seq} class=${selected?.seq === r.seq ? "selected" : ""}>
              <td><button class="link" onClick=${() => setSelected(r)} aria-label=${`Details of request ${r.id}`}>${new Date(r.time).toLocaleTimeString()}</button></td>
              <td>${r.api}</td><td>${r.route ?? r.requested_model ?? r.model ?? "—"}</td><td>${r.provider ?? "—"}</td>
              <td><span class=${r.status >= 400 ? "badge bad" : "badge good"}>${r.status}</span></td>
              <td>${ms(r.latency_ms)}</td><td>${usd(r.cost_usd)}</td>
            </tr>`)}
          </tbody>
        </table>
      </div>
      ${selected ? html`<${Detail} r=${selected} close=${() => setSelected(undefined)} />` : null}
    </div>
  </section>`;
}

function Detail({ r, close }: { r: RequestView; close: () => void }) {
  const rows: Array<[string, string]> = [
    ["Request id", r.id], ["Time", new Date(r.time).toLocaleString()], ["API", r.api], ["Route", r.route ?? "—"],
    ["Model asked for", r.requested_model ?? "—"], ["Provider", r.provider ?? "—"], ["Model", r.model ?? "—"],
    ["Attempts", String(r.attempts)], ["Status", String(r.status)], ["Latency", ms(r.latency_ms)], ["Stream", r.stream ? "yes" : "no"],
    ["Prompt tokens", num(r.prompt_tokens)], ["Completion tokens", num(r.completion_tokens)], ["Cost", usd(r.cost_usd)],
    ["Cache", r.cache ?? "—"], ["App key", r.app_key_id ?? "—"], ["Finish", r.finish_reason ?? "—"],
    ["Answered by plugin", r.answered_by ?? "—"], ["Error", r.error ?? "—"],
  ];
  return html`<aside class="detail" aria-label="Request detail">
    <h2>Request detail</h2>
    <dl>${rows.map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>
    <button onClick=${close}>Close</button>
  </aside>`;
}
