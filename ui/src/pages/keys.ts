// App keys: create (name, models, budget), the new key shown once, revoke, usage and spend per key.
import { useState } from "preact/hooks";
import { api, num, usd, when } from "../api.ts";
import { html } from "../html.ts";
import { usePoll } from "../use-poll.ts";

interface KeyView {
  id: string; name: string; created_at: string; last_used_at: string | null; revoked: boolean; models: string[] | null;
  budget: { limit_usd: number; period: string } | null; spent_usd?: number | null;
  usage: { requests: number; total_tokens: number; errors: number; cost_usd: number };
}

export function Keys() {
  const list = usePoll(() => api<{ data: KeyView[] }>("GET", "/admin/keys"), 5000);
  const [name, setName] = useState("");
  const [models, setModels] = useState("");
  const [budget, setBudget] = useState("");
  const [period, setPeriod] = useState("month");
  const [created, setCreated] = useState<{ name: string; key: string } | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const create = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    const body: Record<string, unknown> = { name: name.trim() };
    const m = models.split(",").map((s) => s.trim()).filter((s) => s !== "");
    if (m.length > 0) body.models = m;
    if (budget.trim() !== "") {
      const limit = Number(budget);
      if (!Number.isFinite(limit) || limit < 0) return setError("Budget: a number of dollars, 0 or more.");
      body.budget = { limit_usd: limit, period };
    }
    setBusy(true);
    try {
      const k = await api<{ name: string; key: string }>("POST", "/admin/keys", body);
      setCreated({ name: k.name, key: k.key });
      setName("");
      setModels("");
      setBudget("");
      list.reload();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (k: KeyView) => {
    setError(undefined);
    try {
      await api("DELETE", `/admin/keys/${encodeURIComponent(k.id)}`);
      list.reload();
    } catch (err) {
      setError((err as Error).message);
    }
  };

  const keys = list.data?.data ?? [];
  return html`<section aria-labelledby="h-keys">
    <h1 id="h-keys">Keys</h1>
    <form class="card create" onSubmit=${create} aria-labelledby="h-create">
      <h2 id="h-create">New key</h2>
      <label>Name <input name="name" required maxlength="200" value=${name} onInput=${(e: any) => setName(e.currentTarget.value)} /></label>
      <label>Models <input name="models" placeholder="all (or e.g. fast, openai/gpt-4o-mini)" value=${models} onInput=${(e: any) => setModels(e.currentTarget.value)} /></label>
      <label>Budget (USD) <input name="budget" inputmode="decimal" placeholder="none" value=${budget} onInput=${(e: any) => setBudget(e.currentTarget.value)} /></label>
      <label>Budget period
        <select value=${period} onChange=${(e: any) => setPeriod(e.currentTarget.value)}>
          <option value="day">per day</option><option value="week">per week</option><option value="month">per month</option><option value="total">in total</option>
        </select>
      </label>
      <button type="submit" disabled=${busy}>Create key</button>
    </form>
    ${error ? html`<p role="alert" class="error">${error}</p>` : null}
    ${created ? html`<div class="card new-key" role="status">
      <h2>Key "${created.name}" created</h2>
      <p>Copy it now: it is shown only this once and cannot be shown again.</p>
      <p><code data-testid="new-key">${created.key}</code></p>
      <button onClick=${() => setCreated(undefined)}>Done, I copied it</button>
    </div>` : null}
    ${list.error ? html`<p role="alert" class="error">${list.error}</p>` : null}
    <div class="table-wrap"><table aria-label="App keys">
      <thead><tr><th scope="col">Name</th><th scope="col">Id</th><th scope="col">Models</th><th scope="col">Requests</th><th scope="col">Tokens</th><th scope="col">Spend</th><th scope="col">Budget</th><th scope="col">Last used</th><th scope="col">State</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
      <tbody>
        ${keys.length === 0 ? html`<tr><td colspan="10" class="muted">No keys yet.</td></tr>` : null}
        ${keys.map((k) => html`<tr key=${k.id} data-key-id=${k.id}>
          <td>${k.name}</td><td><code>${k.id}</code></td><td>${k.models === null ? "all" : k.models.join(", ")}</td>
          <td>${num(k.usage.requests)}</td><td>${num(k.usage.total_tokens)}</td><td>${usd(k.usage.cost_usd)}</td>
          <td>${k.budget === null ? "—" : `${usd(k.spent_usd ?? 0)} of ${usd(k.budget.limit_usd)} ${k.budget.period === "total" ? "in total" : "per " + k.budget.period}`}</td>
          <td>${when(k.last_used_at)}</td>
          <td><span class=${k.revoked ? "badge bad" : "badge good"}>${k.revoked ? "revoked" : "active"}</span></td>
          <td>${k.revoked ? null : html`<button class="danger" onClick=${() => revoke(k)} aria-describedby=${`name-${k.id}`}>Revoke</button><span id=${`name-${k.id}`} class="sr-only">key ${k.name}</span>`}</td>
        </tr>`)}
      </tbody>
    </table></div>
  </section>`;
}
