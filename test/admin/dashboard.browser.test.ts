// The dashboard in a real Chromium (Debian's `chromium`, driven by playwright-core; no browser is
// downloaded): sign-in, every page with data made by real requests through the gateway, the live
// tail, keys created, used, budgeted and revoked from the page. Every request the browser makes is
// intercepted: anything not for 127.0.0.1 is refused and fails the test. Screenshots of each page
// go to docs/screenshots/ for the README (BUTTER_SCREENSHOTS=1 bun test test/admin/dashboard.browser.test.ts).
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { json, repoRoot, startGateway, startMockUpstream, type Gateway, type MockUpstream } from "../support/index.ts";
import { ADMIN_TOKEN, answerChat, chatBody, KEY_SHAPE, within } from "../keys/support.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const UPSTREAM_SECRET = "sk-dashboard-upstream-secret";
const dir = mkdtempSync(join(tmpdir(), "butter-ui-"));
// The README's screenshots are refreshed on request (BUTTER_SCREENSHOTS=1), not by every test run.
const SHOTS = process.env.BUTTER_SCREENSHOTS === "1" ? join(repoRoot, "docs/screenshots") : join(dir, "screenshots");
// A browser round trip per step: more than bun's default 5 s per test on a busy machine.
setDefaultTimeout(30_000);

let mock: MockUpstream;
let gw: Gateway;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** Requests the browser tried to send anywhere but the gateway. */
const leaks: string[] = [];
/** Console errors and uncaught exceptions of the signed-in page. */
const consoleErrors: string[] = [];

const chat = (model: string, headers: Record<string, string> = {}) =>
  fetch(`${gw.baseURL}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: chatBody(model) });

async function guardedContext(): Promise<BrowserContext> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  await ctx.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === "127.0.0.1" && url.port === String(gw.port)) return route.continue();
    leaks.push(url.href);
    return route.abort();
  });
  return ctx;
}

function watchConsole(p: Page, sink: string[]): void {
  p.on("console", (m) => {
    if (m.type() === "error") sink.push(m.text());
  });
  p.on("pageerror", (e) => sink.push(`uncaught: ${e.message}`));
}

async function shot(name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path });
  expect(statSync(path).size).toBeLessThan(200 * 1024);
}

async function open(hash: string, heading: string): Promise<void> {
  await page.goto(`${gw.baseURL}/ui#/${hash}`);
  await page.getByRole("heading", { level: 1, name: heading }).waitFor();
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  mock = await startMockUpstream();
  answerChat(mock);
  mock.when("POST", "/flaky/v1/chat/completions", json({ error: { message: "overloaded", type: "server_error" } }, { status: 503 }));
  gw = await startGateway({
    store: `sqlite:${join(dir, "ui.db")}`,
    admin: { token: ADMIN_TOKEN },
    app_keys: { flush_interval: "100ms" },
    ledger: { flush_interval: "100ms" },
    providers: {
      openai: { base_url: `${mock.url}/v1`, keys: [{ value: UPSTREAM_SECRET }] },
      flaky: { type: "openai", base_url: `${mock.url}/flaky/v1`, keys: [{ value: "sk-flaky-one-secret" }, { value: "sk-flaky-two-secret" }] },
    },
    routes: {
      fast: { targets: [{ provider: "openai", model: "gpt-4o-mini" }] },
      backup: { targets: [{ provider: "flaky", model: "gpt-4o-mini" }, { provider: "openai", model: "gpt-4o-mini" }] },
    },
    failover: { timeout: "5s", max_attempts: 2, backoff: { initial: "1ms", max: "2ms" } },
  });
  // Traffic for the pages to show: answers, a failover, a failure.
  for (let i = 0; i < 6; i++) await (await chat("fast")).text();
  for (let i = 0; i < 3; i++) await (await chat("backup")).text();
  await (await chat("nope/unknown")).text();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu", "--no-first-run"] });
  context = await guardedContext();
  page = await context.newPage();
  watchConsole(page, consoleErrors);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await gw?.stop();
  await mock?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("dashboard in Chromium", () => {
  test("a wrong token is refused on the page; nothing is stored in the browser", async () => {
    const ctx = await guardedContext();
    const p = await ctx.newPage();
    const errors: string[] = [];
    watchConsole(p, errors);
    const res = await p.goto(`${gw.baseURL}/ui`);
    expect(res!.headers()["content-security-policy"]).toContain("script-src 'self'");
    await p.getByLabel("Admin token").fill("not-the-token");
    await p.getByRole("button", { name: "Sign in" }).click();
    await expect(p.getByRole("alert").textContent()).resolves.toContain("Wrong admin token");
    expect(await ctx.cookies()).toEqual([]);
    // The only console line is Chromium reporting the 401 itself.
    expect(errors.every((e) => e.includes("401"))).toBe(true);
    await ctx.close();
  });

  test("the right token signs in: an HttpOnly, SameSite=Strict session cookie, the token nowhere in the page", async () => {
    const res = await page.goto(`${gw.baseURL}/ui`);
    const headers = res!.headers();
    expect(headers["content-security-policy"]).toBe("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    expect(headers["x-content-type-options"]).toBe("nosniff");
    expect(headers["referrer-policy"]).toBe("no-referrer");
    await page.getByLabel("Admin token").waitFor();
    await shot("sign-in");
    await page.getByLabel("Admin token").fill(ADMIN_TOKEN);
    await page.getByLabel("Admin token").press("Enter");
    await page.getByRole("navigation", { name: "Dashboard" }).waitFor();
    const cookies = await context.cookies();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ name: "butter_session", httpOnly: true, sameSite: "Strict", path: "/", secure: false });
    expect(cookies[0]!.expires).toBeGreaterThan(Date.now() / 1000 + 3600);
    // Runs in the page (this file is type-checked without the DOM library).
    const stored = await page.evaluate(() => {
      const w = globalThis as any;
      return { cookie: w.document.cookie, local: JSON.stringify(w.localStorage), session: JSON.stringify(w.sessionStorage), html: w.document.documentElement.outerHTML };
    });
    expect(stored.cookie).toBe("");
    expect(stored.local).toBe("{}");
    expect(stored.session).toBe("{}");
    expect(stored.html).not.toContain(ADMIN_TOKEN);
  });

  test("overview, providers, spend and config render the traffic the gateway served", async () => {
    await open("overview", "Overview");
    await within(5000, async () => Number(await page.getByTestId("recorded").textContent()) >= 10);
    await within(5000, async () => /^\$\d/.test((await page.getByTestId("spend-today").textContent()) ?? ""));
    expect(await page.getByTestId("p50").textContent()).toMatch(/ms$/);
    expect(await page.getByTestId("error-rate").textContent()).toMatch(/%$/);
    await shot("overview");

    await open("providers", "Providers");
    const openaiRow = page.getByRole("row").filter({ hasText: "openai" }).filter({ hasText: "gpt-4o-mini" });
    await openaiRow.first().waitFor();
    expect(await openaiRow.first().textContent()).toContain("healthy");
    const flakyRow = page.getByRole("row").filter({ hasText: "flaky" });
    await within(5000, async () => /#0/.test((await flakyRow.textContent()) ?? ""));
    expect(await flakyRow.textContent()).toMatch(/degraded|down/);
    await shot("providers");

    await open("spend", "Spend");
    await page.getByText("Cost per day (UTC)").waitFor();
    await within(5000, async () => /^\$\d/.test((await page.getByTestId("spend-total").textContent()) ?? ""));
    await page.getByRole("img", { name: /By model: gpt-4o-mini \$\d/ }).waitFor();
    await page.getByRole("img", { name: /By key: no key \$\d/ }).waitFor();
    await page.getByRole("img", { name: /By provider: openai \$\d/ }).waitFor();
    await shot("spend");

    await open("config", "Config");
    const config = page.getByLabel("Running config, secrets hidden");
    await within(5000, async () => ((await config.textContent()) ?? "").includes('"routes"'));
    const text = (await config.textContent())!;
    expect(text).toContain('"value": "***"');
    expect(text).toContain('"token": "***"');
    for (const s of [UPSTREAM_SECRET, ADMIN_TOKEN, "sk-flaky-one-secret"]) expect(await page.content()).not.toContain(s);
    expect(await page.getByTestId("last-reload").textContent()).toContain("none since start");
    await shot("config");
  });

  test("requests: filters, one request's detail, and the live tail shows a new request within two seconds", async () => {
    await open("requests", "Requests");
    await page.getByRole("button", { name: /^Details of request / }).first().waitFor();
    // Detail of a failed-over request: route, attempts, provider, tokens, cost.
    await page.getByLabel("Status").selectOption("ok");
    await page.getByLabel("Provider").fill("openai");
    await page.getByRole("button", { name: /^Details of request / }).first().click();
    const detail = page.getByRole("complementary", { name: "Request detail" });
    await detail.waitFor();
    const shown = (await detail.textContent())!;
    for (const part of ["Provideropenai", "Modelgpt-4o-mini", "Prompt tokens11", "Completion tokens7", "Status200"]) expect(shown).toContain(part);
    expect(shown).toMatch(/Cost\$\d/);
    await page.getByRole("button", { name: "Close" }).click();
    await page.getByLabel("Provider").fill("");
    await page.getByLabel("Status").selectOption("");
    // Give the tail's EventSource its first bytes (the comment line) before sending.
    await page.waitForTimeout(300);
    const id = `live-${Date.now()}`;
    await (await chat("fast", { "x-request-id": id })).text();
    await page.getByRole("button", { name: `Details of request ${id}` }).waitFor({ timeout: 2000 });
    await shot("requests");
  });

  test("keys: a key created on the page is shown once and works; revoked, it stops", async () => {
    await open("keys", "Keys");
    await page.getByRole("textbox", { name: "Name" }).fill("browser key");
    await page.getByRole("button", { name: "Create key" }).click();
    const shown = page.getByTestId("new-key");
    await shown.waitFor();
    const key = (await shown.textContent())!;
    expect(key).toMatch(KEY_SHAPE);
    const used = await chat("fast", { authorization: `Bearer ${key}` });
    expect(used.status).toBe(200);
    await used.text();
    // Once: gone after "Done", and not in the page after a reload either.
    await page.getByRole("button", { name: "Done, I copied it" }).click();
    await page.reload();
    await page.getByRole("row").filter({ hasText: "browser key" }).waitFor();
    expect(await page.content()).not.toContain(key);
    const row = page.getByRole("row").filter({ hasText: "browser key" });
    await within(5000, async () => {
      await page.reload();
      await row.waitFor();
      return /\b1\b/.test((await row.getByRole("cell").nth(3).textContent()) ?? "");
    });
    await shot("keys");
    await row.getByRole("button", { name: "Revoke" }).click();
    await within(5000, async () => ((await row.textContent()) ?? "").includes("revoked"));
    const refused = await chat("fast", { authorization: `Bearer ${key}` });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as any).error.code).toBe("invalid_app_key");
  });

  test("a budget set on the page is enforced: 429 insufficient_quota once spent", async () => {
    await open("keys", "Keys");
    await page.getByRole("textbox", { name: "Name" }).fill("budgeted key");
    await page.getByRole("textbox", { name: "Budget (USD)" }).fill("0.000001");
    await page.getByLabel("Budget period").selectOption("total");
    await page.getByRole("button", { name: "Create key" }).click();
    const key = (await page.getByTestId("new-key").textContent())!;
    const first = await chat("fast", { authorization: `Bearer ${key}` });
    expect(first.status).toBe(200);
    await first.text();
    await within(5000, async () => {
      const res = await chat("fast", { authorization: `Bearer ${key}` });
      const body = (await res.json()) as any;
      return res.status === 429 && body.error.code === "insufficient_quota";
    });
    const row = page.getByRole("row").filter({ hasText: "budgeted key" });
    await within(5000, async () => {
      await page.reload();
      await row.waitFor();
      return /\$0\.00000\d+ of \$0\.00000100 in total/.test((await row.textContent()) ?? "");
    });
  });

  test("keyboard: the pages are reachable by Tab and Enter from the navigation", async () => {
    await open("overview", "Overview");
    // A page change moves focus to <main> in the next animation frame: let that happen first, or it
    // can take the focus away from the link between focus() and Enter.
    await page.evaluate(() => new Promise((done) => (globalThis as any).requestAnimationFrame(() => (globalThis as any).requestAnimationFrame(done))));
    await page.getByRole("link", { name: "Providers" }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 1, name: "Providers" }).waitFor();
    expect(await page.getByRole("link", { name: "Providers" }).getAttribute("aria-current")).toBe("page");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.tagName)).not.toBe("BODY");
  });

  test("sign-out ends the session; no console errors, and no request left 127.0.0.1", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Admin token").waitFor();
    const status = await page.evaluate(async () => (await fetch("/admin/requests")).status);
    expect(status).toBe(401);
    // The 401 just asked for on purpose is the one console line allowed.
    expect(consoleErrors.filter((e) => !e.includes("401"))).toEqual([]);
    expect(consoleErrors.length).toBeLessThanOrEqual(1);
    expect(leaks).toEqual([]);
  });
});

