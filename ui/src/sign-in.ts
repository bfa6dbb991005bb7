// Sign-in: the admin token is posted once and exchanged for an HttpOnly session cookie; the page
// keeps only the session's CSRF token, in memory.
import { useState } from "preact/hooks";
import { api } from "./api.ts";
import { html } from "./html.ts";

export function SignIn({ done }: { done: (csrf: string) => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const s = await api<{ csrf_token: string }>("POST", "/ui/api/login", { token });
      setToken("");
      done(s.csrf_token);
    } catch (err) {
      const status = (err as { status?: number }).status;
      setError(status === 401 ? "Wrong admin token." : status === 429 ? "Too many wrong tokens; wait a minute and try again." : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return html`<main class="sign-in">
    <form class="card" onSubmit=${submit} aria-labelledby="h-sign-in">
      <h1 id="h-sign-in">Butter dashboard</h1>
      <label>Admin token <input type="password" name="token" autocomplete="current-password" required autofocus value=${token} onInput=${(e: any) => setToken(e.currentTarget.value)} /></label>
      <button type="submit" disabled=${busy}>Sign in</button>
      ${error ? html`<p role="alert" class="error">${error}</p>` : null}
    </form>
  </main>`;
}
