// The dashboard: sign-in, then six pages under hash routes (#/requests...), one document served at /ui.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, setCsrf, whenSignedOut } from "./api.ts";
import { html } from "./html.ts";
import { SignIn } from "./sign-in.ts";
import { Overview } from "./pages/overview.ts";
import { Requests } from "./pages/requests.ts";
import { Providers } from "./pages/providers.ts";
import { Keys } from "./pages/keys.ts";
import { Spend } from "./pages/spend.ts";
import { Config } from "./pages/config.ts";

const PAGES = [
  { path: "overview", title: "Overview", view: Overview },
  { path: "requests", title: "Requests", view: Requests },
  { path: "providers", title: "Providers", view: Providers },
  { path: "keys", title: "Keys", view: Keys },
  { path: "spend", title: "Spend", view: Spend },
  { path: "config", title: "Config", view: Config },
] as const;

const current = () => location.hash.replace(/^#\/?/, "") || "overview";

function App() {
  const [state, setState] = useState<"loading" | "out" | "in">("loading");
  const [page, setPage] = useState(current());
  useEffect(() => {
    whenSignedOut(() => setState("out"));
    api<{ signed_in: boolean; csrf_token?: string }>("GET", "/ui/api/session").then(
      (s) => {
        if (s.signed_in && s.csrf_token) setCsrf(s.csrf_token);
        setState(s.signed_in ? "in" : "out");
      },
      () => setState("out"),
    );
    const onHash = () => setPage(current());
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);
  useEffect(() => {
    const p = PAGES.find((x) => x.path === page);
    document.title = `${p?.title ?? "Not found"} · Butter`;
    // Focus moves to the new page's heading so keyboard and screen-reader users land on it.
    if (state === "in") requestAnimationFrame(() => document.getElementById("main")?.focus());
  }, [page, state]);

  if (state === "loading") return html`<p class="muted" role="status">Loading…</p>`;
  if (state === "out") return html`<${SignIn} done=${(csrf: string) => (setCsrf(csrf), setState("in"))} />`;
  const p = PAGES.find((x) => x.path === page);
  const signOut = async () => {
    await api("POST", "/ui/api/logout").catch(() => {});
    setCsrf("");
    setState("out");
  };
  return html`<a class="skip" href="#main">Skip to content</a>
    <header>
      <span class="brand">Butter</span>
      <nav aria-label="Dashboard">
        <ul>${PAGES.map((x) => html`<li><a href=${`#/${x.path}`} aria-current=${x.path === page ? "page" : undefined}>${x.title}</a></li>`)}</ul>
      </nav>
      <button class="quiet" onClick=${signOut}>Sign out</button>
    </header>
    <main id="main" tabindex="-1">
      ${p ? html`<${p.view} />` : html`<h1 tabindex="-1">Not found</h1><p><a href="#/overview">Back to the overview</a></p>`}
    </main>`;
}

render(html`<${App} />`, document.getElementById("app")!);
