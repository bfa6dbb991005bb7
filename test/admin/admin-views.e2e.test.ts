// The admin views behind the dashboard (DESIGN "Dashboard and admin views"), through a real gateway
// process: the request ring (bounds, filters, metadata only), its SSE tail, providers' health,
// the redacted config and the last reload, and the sign-in (cookie flags, CSRF, Origin, rate limit).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { json, startGateway, startMockUpstream, type Gateway, type MockUpstream } from "../support/index.ts";
import { ADMIN_TOKEN, adminOf, answerChat, chatBody, newAppKey, within, type Admin } from "../keys/support.ts";

const UPSTREAM_SECRET = "sk-admin-views-upstream-secret";
const LIMITED_SECRETS = ["sk-limited-key-number-one", "sk-limited-key-number-two"];
const REDIS_PASSWORD = "redis-password-hunter2";
const RING = 6;
const SECRETS = [ADMIN_TOKEN, UPSTREAM_SECRET, ...LIMITED_SECRETS, REDIS_PASSWORD, "Hello"];

let mock: MockUpstream;
let gw: Gateway;
let admin: Admin;

const config = (extra: Record<string, unknown> = {}) => ({
  store: "sqlite::memory:",
  admin: { token: ADMIN_TOKEN, request_log_size: RING },
  redis: { url: `redis://butter:${REDIS_PASSWORD}@127.0.0.1:6379` },
  server: { idle_timeout: "3s" },
  providers: {
    openai: { base_url: `${mock.url}/v1`, keys: [{ value: UPSTREAM_SECRET }], headers: { "x-extra-auth": "header-secret-value" } },
    limited: { type: "openai", base_url: `${mock.url}/limited/v1`, keys: LIMITED_SECRETS.map((value) => ({ value })) },
  },
  routes: {
    fast: { targets: [{ provider: "openai", model: "gpt-4o-mini" }] },
    lim: { targets: [{ provider: "limited", model: "gpt-4o-mini" }] },
  },
  failover: { timeout: "5s", max_attempts: 3, backoff: { initial: "1ms", max: "2ms" }, circuit: { failures: 50 } },
  ...extra,
});

const chat = (model: string, headers: Record<string, string> = {}) =>
  fetch(`${gw.baseURL}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: chatBody(model) });

beforeAll(async () => {
  mock = await startMockUpstream();
  answerChat(mock);
  mock.when("POST", "/limited/v1/chat/completions", json({ error: { message: "slow down", type: "rate_limit_error" } }, { status: 429 }));
  gw = await startGateway(config());
  admin = adminOf(gw);
});
afterAll(async () => {
  await gw?.stop();
  await mock?.stop();
});

function expectNoSecret(text: string): void {
  for (const s of SECRETS) expect(text).not.toContain(s);
  expect(text).not.toContain("header-secret-value");
}

describe("GET /admin/requests", () => {
  test("newest first, metadata only, bounded by admin.request_log_size, limit honoured", async () => {
    const ids: string[] = [];
    for (let i = 0; i < RING + 3; i++) {
      const res = await chat("fast", { "x-request-id": `ring-${i}` });
      expect(res.status).toBe(200);
      await res.text();
      ids.push(`ring-${i}`);
    }
    const all = await admin("GET", "/admin/requests");
    expect(all.status).toBe(200);
    const data = all.body.data as Array<Record<string, any>>;
    expect(data.map((r) => r.id)).toEqual(ids.slice(-RING).reverse());
    expect(data[0]).toMatchObject({
      api: "chat/completions", route: "fast", provider: "openai", model: "gpt-4o-mini", status: 200, attempts: 1,
      prompt_tokens: 11, completion_tokens: 7, cache: null, app_key_id: null, error: null,
    });
    expect(typeof data[0]!.latency_ms).toBe("number");
    expect(data[0]!.cost_usd).toBeGreaterThan(0);
    expect(Date.parse(data[0]!.time)).toBeGreaterThan(Date.now() - 60_000);
    for (const field of ["id", "time", "api", "route", "provider", "model", "status", "latency_ms", "attempts", "prompt_tokens", "completion_tokens", "cost_usd", "cache", "app_key_id", "error"]) {
      expect(data[0]).toHaveProperty(field);
    }
    expectNoSecret(JSON.stringify(all.body));
    expect((await admin("GET", "/admin/requests?limit=2")).body.data.map((r: any) => r.id)).toEqual([ids.at(-1), ids.at(-2)]);
    expect((await admin("GET", "/admin/requests?limit=999999999")).body.data).toHaveLength(RING);
  });

  test("filters by app key, provider and status (exact, class, error, ok)", async () => {
    const { id, key } = await newAppKey(admin, { name: "filtered" });
    expect((await chat("fast", { authorization: `Bearer ${key}` })).status).toBe(200);
    const limited = await chat("lim");
    expect(limited.status).toBe(429);
    await limited.text();
    const byKey = (await admin("GET", `/admin/requests?key=${id}`)).body.data;
    expect(byKey).toHaveLength(1);
    expect(byKey[0].app_key_id).toBe(id);
    const byProvider = (await admin("GET", "/admin/requests?provider=limited")).body.data;
    expect(byProvider.length).toBe(1);
    expect(byProvider[0]).toMatchObject({ provider: "limited", status: 429, attempts: 3, error: "upstream_error" });
    for (const status of ["429", "4xx", "error"]) expect((await admin("GET", `/admin/requests?status=${status}`)).body.data.map((r: any) => r.status)).toEqual([429]);
    const ok = (await admin("GET", "/admin/requests?status=ok")).body.data;
    expect(ok.length).toBeGreaterThan(0);
    expect(ok.every((r: any) => r.status === 200)).toBe(true);
    expect((await admin("GET", "/admin/requests?status=5xx")).body.data).toEqual([]);
    expect((await admin("GET", "/admin/requests?provider=nobody")).body.data).toEqual([]);
    // The app key's value never shows, only its id.
    expect(JSON.stringify((await admin("GET", "/admin/requests")).body)).not.toContain(key);
  });

  test("hostile query values are 400s naming the parameter", async () => {
    for (const q of ["limit=0", "limit=-1", "limit=abc", "limit=1e3", "limit=" + "9".repeat(20), "status=teapot", "status=6xx", "key=" + "k".repeat(5000), "provider=%00" + "p".repeat(300)]) {
      const r = await admin("GET", `/admin/requests?${q}`);
      expect(r.status).toBe(400);
      expect(r.body.error.param).toBe(q.split("=")[0]);
    }
  });
});

describe("GET /admin/requests/stream", () => {
  test("tails new requests as SSE events with heartbeats, and lets go when the client leaves", async () => {
    const abort = new AbortController();
    const res = await fetch(`${gw.baseURL}/admin/requests/stream?provider=openai`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, signal: abort.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const readUntil = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${pattern}: ${text}`);
        text += decoder.decode(value, { stream: true });
      }
    };
    await readUntil(/tail of the last/);
    // Filtered out by provider: never in the tail.
    await (await chat("lim", { "x-request-id": "tail-other" })).text();
    await (await chat("fast", { "x-request-id": "tail-mine" })).text();
    await readUntil(/"id":"tail-mine"/);
    expect(text).not.toContain("tail-other");
    const event = /event: request\ndata: (.*)\n/.exec(text.slice(text.indexOf("id: ")))!;
    expect(JSON.parse(event[1]!)).toMatchObject({ id: "tail-mine", provider: "openai", status: 200 });
    // idle_timeout 3s → a heartbeat every second, and the tail outlives the idle timer.
    text = "";
    await readUntil(/(: heartbeat\n\n[^]*){4}/);
    await (await chat("fast", { "x-request-id": "tail-later" })).text();
    await readUntil(/"id":"tail-later"/);
    abort.abort();
    await reader.cancel().catch(() => {});
    // The gateway keeps serving, and a later tail sees later requests.
    expect((await chat("fast")).status).toBe(200);
  });

  test("a tail does not hold up shutdown: it ends, and the gateway exits cleanly", async () => {
    const other = await startGateway({ ...config(), server: { shutdown_timeout: "30s" } });
    const res = await fetch(`${other.baseURL}/admin/requests/stream`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const reader = res.body!.getReader();
    await reader.read();
    // With the tail held open, a graceful stop would wait 30 s and the harness would SIGKILL it after 5.
    const [code] = await Promise.all([other.stop(), (async () => {
      while (!(await reader.read()).done);
    })()]);
    expect(code).toBe(0);
    expect(other.logs.join("\n")).not.toContain("shutdown timeout reached");
  });

  test("needs the admin token", async () => {
    expect((await fetch(`${gw.baseURL}/admin/requests/stream`)).status).toBe(401);
  });
});

describe("GET /admin/providers", () => {
  test("circuit, key cool-downs by index (never values), attempts, errors and median latency per target", async () => {
    // Each request to `lim` fails three attempts with 429: keys cool down after three in a row.
    for (let i = 0; i < 3; i++) await (await chat("lim")).text();
    const r = await admin("GET", "/admin/providers");
    expect(r.status).toBe(200);
    expectNoSecret(JSON.stringify(r.body));
    const fast = r.body.data.find((t: any) => t.provider === "openai");
    expect(fast).toMatchObject({ model: "gpt-4o-mini", circuit: "closed", keys: [{ index: 0, cooling_down_until: null }], errors: 0 });
    expect(fast.requests).toBeGreaterThan(0);
    expect(fast.latency_p50_ms).toBeGreaterThanOrEqual(0);
    const lim = r.body.data.find((t: any) => t.provider === "limited");
    expect(lim.errors).toBe(lim.requests);
    expect(lim.keys.map((k: any) => k.index)).toEqual([0, 1]);
    const cooling = lim.keys.filter((k: any) => k.cooling_down_until !== null);
    expect(cooling.length).toBeGreaterThan(0);
    for (const k of cooling) expect(Date.parse(k.cooling_down_until)).toBeGreaterThan(Date.now());
  });
});

describe("GET /admin/config", () => {
  test("the running config with every secret as ***, loaded_at, and the last reload's result", async () => {
    const r = await admin("GET", "/admin/config");
    expect(r.status).toBe(200);
    expectNoSecret(JSON.stringify(r.body));
    expect(r.body.admin).toEqual({ token: "***", request_log_size: RING });
    expect(r.body.providers.openai.keys).toEqual([{ value: "***", weight: 1 }]);
    expect(r.body.providers.openai.headers).toEqual({ "x-extra-auth": "***" });
    expect(r.body.providers.openai.credential_mode).toBe("stored");
    expect(r.body.providers.limited.keys.map((k: any) => k.value)).toEqual(["***", "***"]);
    expect(r.body.redis.url).toBe("redis://butter:***@127.0.0.1:6379");
    expect(r.body.routes.fast.targets[0].provider).toBe("openai");
    expect(Date.parse(r.body.loaded_at)).toBeGreaterThan(0);
    expect(r.body.last_reload).toBeNull();

    // A broken edit: kept running, the failure reported.
    gw.writeConfig({ ...config(), routes: { bad: { targets: [{ provider: "missing", model: "m" }] } } });
    gw.signal("SIGHUP");
    await within(5000, async () => (await admin("GET", "/admin/config")).body.last_reload?.ok === false);
    const failed = (await admin("GET", "/admin/config")).body;
    expect(failed.last_reload.error).toContain("missing");
    expect(failed.loaded_at).toBe(r.body.loaded_at);
    expectNoSecret(JSON.stringify(failed));

    // A good one: a new loaded_at, a smaller ring keeping the newest entries.
    const before = (await admin("GET", "/admin/requests")).body.data.map((x: any) => x.id);
    gw.writeConfig(config({ admin: { token: ADMIN_TOKEN, request_log_size: 2 } }));
    gw.signal("SIGHUP");
    await within(5000, async () => (await admin("GET", "/admin/config")).body.last_reload?.ok === true);
    const ok = (await admin("GET", "/admin/config")).body;
    expect(ok.last_reload.error).toBeNull();
    expect(ok.loaded_at).not.toBe(r.body.loaded_at);
    expect((await admin("GET", "/admin/requests")).body.data.map((x: any) => x.id)).toEqual(before.slice(0, 2));
    gw.writeConfig(config());
    gw.signal("SIGHUP");
    await within(5000, async () => (await admin("GET", "/admin/config")).body.admin.request_log_size === RING);
  });
});

describe("dashboard sign-in", () => {
  const login = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${gw.baseURL}/ui/api/login`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

  test("the page carries a strict CSP, nosniff and no-referrer", async () => {
    const res = await fetch(`${gw.baseURL}/ui`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toBe("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    const page = await res.text();
    expect(page).toContain('<script type="module" src="/ui/app.js">');
    expectNoSecret(page);
    const js = await fetch(`${gw.baseURL}/ui/app.js`);
    expect(js.headers.get("content-type")).toContain("text/javascript");
    expectNoSecret(await js.text());
    expect((await fetch(`${gw.baseURL}/ui/nope.js`)).status).toBe(404);
  });

  test("the token becomes an HttpOnly SameSite=Strict cookie; cookie calls need the CSRF token and our Origin to change state", async () => {
    const res = await login({ token: ADMIN_TOKEN });
    expect(res.status).toBe(200);
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^butter_session=[0-9a-z]+\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; /);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain("Path=/");
    expect(cookie).toMatch(/Max-Age=\d+/);
    expect(cookie).not.toContain("Secure");
    const { csrf_token } = (await res.json()) as { csrf_token: string };
    const session = cookie.split(";")[0]!;
    const origin = gw.baseURL;
    const call = (method: string, path: string, headers: Record<string, string> = {}) => fetch(gw.baseURL + path, { method, headers: { cookie: session, ...headers } });

    expect((await call("GET", "/admin/requests")).status).toBe(200);
    expect(await (await call("GET", "/ui/api/session")).json()).toMatchObject({ signed_in: true, csrf_token });
    const { id } = await newAppKey(admin, { name: "csrf" });
    expect((await call("DELETE", `/admin/keys/${id}`, { origin })).status).toBe(403);
    expect((await call("DELETE", `/admin/keys/${id}`, { "x-csrf-token": csrf_token })).status).toBe(403);
    expect((await call("DELETE", `/admin/keys/${id}`, { "x-csrf-token": csrf_token, origin: "http://evil.example" })).status).toBe(403);
    expect((await call("DELETE", `/admin/keys/${id}`, { "x-csrf-token": csrf_token + "x", origin })).status).toBe(403);
    expect((await admin("GET", `/admin/keys/${id}`)).body.revoked).toBe(false);
    expect((await call("DELETE", `/admin/keys/${id}`, { "x-csrf-token": csrf_token, origin })).status).toBe(200);
    expect((await admin("GET", `/admin/keys/${id}`)).body.revoked).toBe(true);

    // Sign-out ends the session.
    const out = await call("POST", "/ui/api/logout", { "x-csrf-token": csrf_token, origin });
    expect(out.status).toBe(200);
    expect(out.headers.get("set-cookie")).toContain("Max-Age=0");
    expect((await call("GET", "/admin/requests")).status).toBe(401);
    expect(await (await call("GET", "/ui/api/session")).json()).toEqual({ signed_in: false });
    // Garbage cookies are just no session.
    for (const c of ["butter_session=", "butter_session=" + "a".repeat(5000), "butter_session=%00%ff; x=y", "garbage"]) {
      expect((await fetch(`${gw.baseURL}/admin/requests`, { headers: { cookie: c } })).status).toBe(401);
    }
  });

  test("Secure behind TLS (X-Forwarded-Proto: https); a sign-in posted from another site is refused", async () => {
    const res = await login({ token: ADMIN_TOKEN }, { "x-forwarded-proto": "https" });
    expect(res.headers.get("set-cookie")).toContain("; Secure");
    expect((await login({ token: ADMIN_TOKEN }, { origin: "https://evil.example" })).status).toBe(403);
    for (const body of [{}, { token: 42 }, [], "x".repeat(100)]) expect([400, 401]).toContain((await login(body)).status);
  });

  test("wrong tokens are rate limited per client address: 429 with Retry-After, even for the right token", async () => {
    // Earlier tests spent one wrong try ({} / 42 / [] / a string count as wrong tokens when they parse).
    let status = 0;
    for (let i = 0; i < 6 && status !== 429; i++) status = (await login({ token: `wrong-${i}` })).status;
    expect(status).toBe(429);
    const limited = await login({ token: ADMIN_TOKEN });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    const body = (await limited.json()) as any;
    expect(body.error.code).toBe("admin_rate_limited");
    // The bearer API has more slack (scripts with a stale token) but shares the count.
    expect((await admin("GET", "/admin/requests")).status).toBe(200);
  });
});

describe("with server.workers: 2", () => {
  test("a sign-in holds on every worker: the session is a cookie signed with the admin token, not per-process state", async () => {
    const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = probe.port;
    probe.stop(true);
    await using two = await startGateway({ ...config(), server: { address: `127.0.0.1:${port}`, workers: 2 } });
    const res = await fetch(`${two.baseURL}/ui/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: ADMIN_TOKEN }) });
    expect(res.status).toBe(200);
    const cookie = res.headers.get("set-cookie")!.split(";")[0]!;
    // Each on a new connection, so the kernel spreads them over both workers.
    const statuses: number[] = [];
    for (let i = 0; i < 24; i++) {
      const r = await fetch(`${two.baseURL}/admin/requests?limit=1`, { headers: { cookie, connection: "close" }, keepalive: false });
      statuses.push(r.status);
      await r.text();
    }
    expect(new Set(statuses)).toEqual(new Set([200]));
  });
});

describe("without admin.token", () => {
  test("no dashboard and no admin views: 404s", async () => {
    await using off = await startGateway({ store: "sqlite::memory:", providers: { openai: { base_url: `${mock.url}/v1`, keys: [{ value: "k" }] } } });
    for (const path of ["/ui", "/ui/app.js", "/ui/api/session", "/admin/requests", "/admin/requests/stream", "/admin/providers", "/admin/config"]) {
      expect((await fetch(off.baseURL + path)).status).toBe(404);
    }
    expect((await fetch(`${off.baseURL}/ui/api/login`, { method: "POST", body: "{}" })).status).toBe(404);
  });
});
