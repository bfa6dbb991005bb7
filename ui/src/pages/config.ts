// The running config as the gateway shows it (every secret "***"), when it was loaded, the last reload.
import { api, when } from "../api.ts";
import { html } from "../html.ts";
import { usePoll } from "../use-poll.ts";

interface ConfigView { loaded_at: string; generation: number; last_reload: { at: string; ok: boolean; error: string | null } | null; [k: string]: unknown }

export function Config() {
  const { data, error } = usePoll(() => api<ConfigView>("GET", "/admin/config"), 5000);
  const shown = data === undefined ? undefined : Object.fromEntries(Object.entries(data).filter(([k]) => !["loaded_at", "last_reload", "generation"].includes(k)));
  const last = data?.last_reload;
  return html`<section aria-labelledby="h-config">
    <h1 id="h-config">Config</h1>
    ${error ? html`<p role="alert" class="error">${error}</p>` : null}
    <dl class="tiles">
      <div><dt>Loaded at</dt><dd data-testid="loaded-at">${when(data?.loaded_at)}</dd></div>
      <div><dt>Last reload</dt><dd data-testid="last-reload">${last == null ? "none since start" : html`<span class=${last.ok ? "badge good" : "badge bad"}>${last.ok ? "ok" : "failed"}</span> ${when(last.at)}`}</dd></div>
    </dl>
    ${last && !last.ok ? html`<p class="error" role="status">Reload failed, running config kept: ${last.error}</p>` : null}
    <pre class="config" tabindex="0" aria-label="Running config, secrets hidden">${shown === undefined ? "…" : JSON.stringify(shown, null, 2)}</pre>
  </section>`;
}
