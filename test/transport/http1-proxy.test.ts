// Forward proxies: HTTP_PROXY / HTTPS_PROXY / NO_PROXY read as Bun's fetch reads them (each case run
// through Bun's fetch in a child process and through the http1 client, against one recording proxy),
// absolute-form requests and CONNECT tunnels against a real server (nginx, TLS verified inside the
// tunnel), a proxy that refuses, demands credentials, is down or never answers, and the gateway itself
// behind a proxy with either upstream client.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Http1Client } from "../../src/transport/http1-client.ts";
import { Http1ConnectionError } from "../../src/transport/http1-errors.ts";
import { parseProxy, ProxyRules } from "../../src/transport/proxy-env.ts";
import { json, openaiClient, startGateway, startMockUpstream, type MockUpstream } from "../support/index.ts";
import { startForwardProxy, type ForwardProxy } from "./support/forward-proxy.ts";
import { makeCertificates, nginxMissing, startNginx, type Nginx } from "./support/nginx.ts";

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

describe("proxy rules", () => {
  const at = (env: Record<string, string>, url: string) => new ProxyRules(env).for(new URL(url));

  test("http targets use HTTP_PROXY, https targets HTTPS_PROXY, and neither borrows the other", () => {
    expect(at({ HTTP_PROXY: "http://p:1" }, "http://a.test/")?.port).toBe(1);
    expect(at({ HTTP_PROXY: "http://p:1" }, "https://a.test/")).toBeUndefined();
    expect(at({ HTTPS_PROXY: "http://p:2" }, "https://a.test/")?.port).toBe(2);
    expect(at({ HTTPS_PROXY: "http://p:2" }, "http://a.test/")).toBeUndefined();
    expect(at({}, "http://a.test/")).toBeUndefined();
    expect(at({ HTTP_PROXY: "  " }, "http://a.test/")).toBeUndefined();
  });

  test("the lowercase name wins; a proxy without a scheme or port is http on 80", () => {
    expect(at({ HTTP_PROXY: "http://upper:1", http_proxy: "http://lower:2" }, "http://a.test/")?.hostname).toBe("lower");
    expect(at({ HTTP_PROXY: "proxy.corp" }, "http://a.test/")).toMatchObject({ hostname: "proxy.corp", port: 80 });
    expect(at({ HTTP_PROXY: "http://[::1]:3128" }, "http://a.test/")).toMatchObject({ hostname: "::1", port: 3128 });
  });

  test("NO_PROXY: a host and its subdomains (label boundary), optional leading dot or *., port narrows, * is all", () => {
    const env = (no: string) => ({ HTTP_PROXY: "http://p:1", NO_PROXY: no });
    expect(at(env("a.test"), "http://a.test/")).toBeUndefined();
    expect(at(env("a.test"), "http://x.a.test/")).toBeUndefined();
    expect(at(env("a.test"), "http://ba.test/")).toBeDefined();
    expect(at(env(".a.test"), "http://a.test/")).toBeUndefined();
    expect(at(env("*.a.test"), "http://x.a.test/")).toBeUndefined();
    expect(at(env("test"), "http://a.test/")).toBeUndefined();
    expect(at(env(" other , A.TEST "), "http://a.test/")).toBeUndefined();
    expect(at(env("a.test:8080"), "http://a.test:8080/")).toBeUndefined();
    expect(at(env("a.test:8080"), "http://a.test:9090/")).toBeDefined();
    expect(at(env("a.test:80"), "http://a.test/")).toBeUndefined();
    expect(at(env("*"), "http://anything/")).toBeUndefined();
    expect(at(env("::1"), "http://[::1]:5/")).toBeUndefined();
    expect(at(env("[::1]:5"), "http://[::1]:5/")).toBeUndefined();
    expect(at(env("[::1]:6"), "http://[::1]:5/")).toBeDefined();
    expect(at({ ...env("b.test"), no_proxy: "a.test" }, "http://a.test/")).toBeUndefined();
  });

  test("credentials in the proxy URL become Basic Proxy-Authorization (percent-decoded) and stay out of the key", () => {
    const proxy = parseProxy("http://us%40er:p%3Ass@proxy:8080")!;
    expect(proxy.authorization).toBe(basic("us@er", "p:ss"));
    expect(proxy.key).not.toContain("ss");
    expect(proxy.key).not.toContain("us");
  });

  test("an unusable proxy URL fails the requests it would carry (never a silent direct connection) and is reported", () => {
    const rules = new ProxyRules({ HTTPS_PROXY: "socks5://secret-user:pw@p:1", HTTP_PROXY: "http://p:2" });
    expect(() => rules.for(new URL("https://a.test/"))).toThrow(/http:\/\/ or https:\/\//);
    expect(rules.for(new URL("http://a.test/"))?.port).toBe(2);
    expect(rules.problems).toHaveLength(1);
    expect(rules.problems.join()).not.toContain("pw");
    expect(new ProxyRules({ HTTPS_PROXY: "socks5://p:1", NO_PROXY: "a.test" }).for(new URL("https://a.test/"))).toBeUndefined();
    expect(new ProxyRules({ HTTPS_PROXY: "https://p" }).for(new URL("https://a.test/"))).toMatchObject({ tls: true, port: 443 });
    expect(new ProxyRules({ HTTP_PROXY: "http://[bad" }).problems.join()).toMatch(/not a URL/);
    expect(new ProxyRules({ HTTP_PROXY: "http://us%zzer:pw@p:1" }).problems.join()).toMatch(/percent-encoding/);
  });
});

describe("proxy rules under hostile environments", () => {
  const pieces = ["http://", "https://", "socks5://", "user:pw@", "%zz", "[", "]", "::1", ":", "*", ".", ",", " ", "a.test", "127.0.0.1", "8080", "\u0000", "ü", "/path", "?q", "#f", "@"];
  const random = (n: number) => Array.from({ length: n }, () => pieces[Math.floor(Math.random() * pieces.length)]).join("");

  test("any HTTP_PROXY / HTTPS_PROXY / NO_PROXY text: building the rules never throws; a request gets a proxy, none, or a TypeError naming no credentials", () => {
    const urls = ["http://a.test/", "https://a.test:8443/x", "http://[::1]:8080/", "http://127.0.0.1/"].map((u) => new URL(u));
    for (let round = 0; round < 3000; round++) {
      const env = { HTTP_PROXY: random(1 + (round % 6)), HTTPS_PROXY: `https://secret-user:secret-pw@${random(2)}`, NO_PROXY: random(round % 5) };
      const rules = new ProxyRules(env);
      for (const problem of rules.problems) expect(problem).not.toContain("secret");
      for (const url of urls) {
        try {
          const proxy = rules.for(url);
          if (proxy !== undefined) {
            expect(proxy.port).toBeGreaterThan(0);
            expect(proxy.key).not.toContain("secret");
          }
        } catch (err) {
          expect(err).toBeInstanceOf(TypeError);
          expect(String((err as Error).message)).not.toContain("secret");
        }
      }
    }
  });
});

describe("the same choices as Bun's fetch", () => {
  let proxy: ForwardProxy;
  let upstream: ReturnType<typeof Bun.serve>;
  beforeAll(() => {
    proxy = startForwardProxy();
    upstream = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("direct or proxied") });
  });
  afterAll(() => {
    proxy.stop();
    upstream.stop(true);
  });

  const viaProxy = async (attempt: () => Promise<unknown>) => {
    const before = proxy.seen.length;
    await attempt().catch(() => {});
    return proxy.seen.length > before;
  };
  const withFetch = (env: Record<string, string>, url: string) =>
    viaProxy(async () => {
      const child = Bun.spawn([process.execPath, "-e", `try { await (await fetch(${JSON.stringify(url)}, { signal: AbortSignal.timeout(3000) })).text() } catch {}`], {
        env: { PATH: process.env.PATH, ...env },
        stdout: "ignore",
        stderr: "ignore",
      });
      await child.exited;
    });
  const withHttp1 = (env: Record<string, string>, url: string) =>
    viaProxy(async () => {
      const client = new Http1Client({ env });
      try {
        await (await client.fetch(url, { signal: AbortSignal.timeout(3000) })).text();
      } finally {
        client.close();
      }
    });

  test("each environment sends each request the same way through both clients", async () => {
    const p = proxy.url;
    const port = upstream.port;
    const cases: [Record<string, string>, string, boolean][] = [
      [{ HTTP_PROXY: p }, `http://localhost:${port}/`, true],
      [{ HTTP_PROXY: p }, `https://localhost:${port}/`, false],
      [{ HTTPS_PROXY: p }, `http://localhost:${port}/`, false],
      [{ HTTPS_PROXY: p }, `https://localhost:${port}/`, true],
      [{ http_proxy: p, HTTP_PROXY: "http://127.0.0.1:1" }, `http://localhost:${port}/`, true],
      [{ HTTP_PROXY: p, NO_PROXY: "localhost" }, `http://localhost:${port}/`, false],
      [{ HTTP_PROXY: p, NO_PROXY: "*" }, `http://localhost:${port}/`, false],
      [{ HTTP_PROXY: p, NO_PROXY: `other.test, localhost:${port}` }, `http://localhost:${port}/`, false],
      [{ HTTP_PROXY: p, NO_PROXY: "ocalhost" }, `http://localhost:${port}/`, true],
      [{ HTTP_PROXY: p, NO_PROXY: "localhost:1" }, `http://localhost:${port}/`, true],
      [{ HTTP_PROXY: p, NO_PROXY: ".localhost" }, `http://localhost:${port}/`, false],
      [{ HTTP_PROXY: p, NO_PROXY: "b.test" }, `http://a.b.test:${port}/`, false],
      [{ HTTP_PROXY: p, NO_PROXY: "b.test" }, `http://ab.test:${port}/`, true],
      [{ HTTP_PROXY: p, NO_PROXY: "127.0.0.1" }, `http://127.0.0.1:${port}/`, false],
    ];
    for (const [env, url, proxied] of cases) {
      const label = `${JSON.stringify(env)} ${url}`;
      expect(`${label}: fetch ${await withFetch(env, url)}`).toBe(`${label}: fetch ${proxied}`);
      expect(`${label}: http1 ${await withHttp1(env, url)}`).toBe(`${label}: http1 ${proxied}`);
    }
  }, 60_000);
});

const missing = nginxMissing();
if (missing !== undefined && process.env.CI === "true") throw new Error(`CI=true needs nginx for the transport suite: ${missing}`);
if (missing !== undefined) console.warn(`SKIPPED http1 client through a proxy to nginx: ${missing}`);

const medium = new Uint8Array(300 * 1024).map((_, i) => (i * 7 + 3) % 256);
const sha = (bytes: Uint8Array | ArrayBuffer) => createHash("sha256").update(new Uint8Array(bytes)).digest("hex");

describe.skipIf(missing !== undefined)("http1 client through a forward proxy to nginx", () => {
  let nginx: Nginx;
  beforeAll(async () => {
    nginx = await startNginx({ "medium.bin": medium });
  });
  afterAll(async () => {
    await nginx?.stop();
  });
  const httpPort = () => new URL(nginx.http).port;
  const auth = basic("user", "p@ss");

  test("http: absolute-form target with Proxy-Authorization, bytes intact, the proxy connection reused", async () => {
    const proxy = startForwardProxy({ authorization: auth });
    const client = new Http1Client({ env: { HTTP_PROXY: `http://user:p%40ss@127.0.0.1:${proxy.port}` } });
    try {
      // upstream.test resolves nowhere: only the proxy can reach it.
      for (let i = 0; i < 3; i++) {
        const r = await client.fetch(`http://upstream.test:${httpPort()}/medium.bin`);
        expect(r.status).toBe(200);
        expect(sha(await r.arrayBuffer())).toBe(sha(medium));
      }
      expect(proxy.connections).toBe(1);
      expect(proxy.seen[0]).toMatchObject({ method: "GET", target: `http://upstream.test:${httpPort()}/medium.bin` });
      expect(proxy.seen[0]!.headers["proxy-authorization"]).toBe(auth);
      expect(proxy.seen[0]!.headers.host).toBe(`upstream.test:${httpPort()}`);
    } finally {
      client.close();
      proxy.stop();
    }
  });

  test("a caller's own Proxy-Authorization header is not sent: the proxy's credentials come from its URL only", async () => {
    const proxy = startForwardProxy();
    const client = new Http1Client({ env: { HTTP_PROXY: proxy.url } });
    try {
      const r = await client.fetch(`http://upstream.test:${httpPort()}/small`, { headers: { "Proxy-Authorization": "Basic injected" } });
      expect(await r.text()).toBe("small answer");
      expect(proxy.seen[0]!.headers["proxy-authorization"]).toBeUndefined();
    } finally {
      client.close();
      proxy.stop();
    }
  });

  test("https: a CONNECT tunnel with credentials, TLS to the target verified inside it, the tunnel reused", async () => {
    const proxy = startForwardProxy({ authorization: auth });
    const client = new Http1Client({ ca: nginx.ca, env: { HTTPS_PROXY: `http://user:p%40ss@127.0.0.1:${proxy.port}` } });
    try {
      for (let i = 0; i < 3; i++) {
        const r = await client.fetch(`https://localhost:${nginx.httpsPort}/medium.bin`);
        expect(r.status).toBe(200);
        expect(sha(await r.arrayBuffer())).toBe(sha(medium));
      }
      expect(proxy.connections).toBe(1);
      expect(proxy.seen).toEqual([{ method: "CONNECT", target: `localhost:${nginx.httpsPort}`, headers: { host: `localhost:${nginx.httpsPort}`, "proxy-authorization": auth } }]);
      // Through the tunnel the proxy saw only ciphertext: its one recorded head is the CONNECT.
    } finally {
      client.close();
      proxy.stop();
    }
  });

  test("the certificate is still checked through the tunnel: a name it does not cover, or an unknown CA, fails", async () => {
    const proxy = startForwardProxy();
    const trusted = new Http1Client({ ca: nginx.ca, env: { HTTPS_PROXY: proxy.url } });
    const untrusted = new Http1Client({ env: { HTTPS_PROXY: proxy.url } });
    try {
      const wrongName = await trusted.fetch(`https://127.0.0.1:${nginx.httpsPort}/medium.bin`).catch((e) => e);
      expect(wrongName).toBeInstanceOf(Http1ConnectionError);
      expect(String(wrongName.message)).toMatch(/certificate|verify|altname|host/i);
      const unknownCa = await untrusted.fetch(`https://localhost:${nginx.httpsPort}/medium.bin`).catch((e) => e);
      expect(unknownCa).toBeInstanceOf(Http1ConnectionError);
      expect(proxy.seen.map((s) => s.method)).toEqual(["CONNECT", "CONNECT"]);
    } finally {
      trusted.close();
      untrusted.close();
      proxy.stop();
    }
  });

  test("a proxy that wants credentials (407), refuses the tunnel (502), or is down: a connection error before anything was sent", async () => {
    const strict = startForwardProxy({ authorization: auth });
    const refusing = startForwardProxy({ refuseConnect: 502 });
    const down = startForwardProxy();
    down.stop();
    const target = `https://localhost:${nginx.httpsPort}/medium.bin`;
    try {
      for (const [proxy, pattern] of [[strict, /407/], [refusing, /502/], [down, /proxy .*could not be reached/]] as const) {
        const client = new Http1Client({ ca: nginx.ca, env: { HTTPS_PROXY: proxy.url } });
        const err = await client.fetch(target, { method: "POST", body: "{}" }).catch((e) => e);
        client.close();
        expect(err).toBeInstanceOf(Http1ConnectionError);
        expect((err as Http1ConnectionError).sent).toBe(false);
        expect(String(err.message)).toMatch(pattern);
      }
      // Plain HTTP through a proxy that wants credentials: the 407 is the proxy's answer, as fetch returns it.
      const client = new Http1Client({ env: { HTTP_PROXY: strict.url } });
      expect((await client.fetch(`http://upstream.test:${httpPort()}/small`)).status).toBe(407);
      client.close();
    } finally {
      strict.stop();
      refusing.stop();
    }
  });

  test("a proxy that never answers CONNECT: the abort ends the wait and closes the socket to the proxy", async () => {
    let closed = 0;
    const silent = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {}, close: () => void closed++ } });
    const client = new Http1Client({ env: { HTTPS_PROXY: `http://127.0.0.1:${silent.port}` } });
    try {
      const started = performance.now();
      const err = await client.fetch(`https://localhost:${nginx.httpsPort}/medium.bin`, { signal: AbortSignal.timeout(200) }).catch((e) => e);
      expect((err as Error).name).toBe("TimeoutError");
      expect(performance.now() - started).toBeLessThan(2000);
      const deadline = Date.now() + 2000;
      while (closed === 0 && Date.now() < deadline) await Bun.sleep(10);
      expect(closed).toBe(1);
    } finally {
      client.close();
      silent.stop(true);
    }
  });

  test("a proxy that answers CONNECT with garbage, an endless head, or bytes before TLS: a connection error", async () => {
    const answers = ["garbage\r\n\r\n", "HTTP/1.1 200 OK\r\nX: " + "a".repeat(20_000), "HTTP/1.1 200 OK\r\n\r\nextra", ""];
    for (const answer of answers) {
      const fake = Bun.listen({
        hostname: "127.0.0.1",
        port: 0,
        socket: {
          data(s) {
            if (answer === "") s.end();
            else s.write(answer);
          },
        },
      });
      const client = new Http1Client({ env: { HTTPS_PROXY: `http://127.0.0.1:${fake.port}` } });
      const err = await client.fetch(`https://localhost:${nginx.httpsPort}/x`, { signal: AbortSignal.timeout(3000) }).catch((e) => e);
      client.close();
      fake.stop(true);
      expect(err).toBeInstanceOf(Http1ConnectionError);
      expect(String(err.message)).toMatch(/proxy/);
    }
  });
});

describe("the gateway behind a forward proxy", () => {
  let upstream: MockUpstream;
  let proxy: ForwardProxy;
  beforeAll(async () => {
    upstream = await startMockUpstream();
    upstream.when("POST", "/v1/chat/completions", json({ id: "c1", object: "chat.completion", created: 1, model: "gpt-4o-mini", choices: [{ index: 0, message: { role: "assistant", content: "via proxy" }, finish_reason: "stop" }], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }));
    proxy = startForwardProxy();
  });
  afterAll(async () => {
    proxy.stop();
    await upstream.stop();
  });

  for (const client of ["fetch", "http1"] as const) {
    test(`upstream_client ${client}: HTTP_PROXY carries the request to a host only the proxy can reach`, async () => {
      const seenBefore = proxy.seen.length;
      await using gw = await startGateway(
        { server: { upstream_client: client }, providers: { openai: { base_url: `http://upstream.test:${upstream.port}/v1`, keys: [{ value: "sk-proxy-test" }] } } },
        { env: { HTTP_PROXY: proxy.url, NO_PROXY: "127.0.0.1" } },
      );
      const reply = await openaiClient(gw).chat.completions.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
      expect(reply.choices[0]!.message.content).toBe("via proxy");
      const seen = proxy.seen.slice(seenBefore);
      expect(seen.some((s) => s.method === "POST" && s.target === `http://upstream.test:${upstream.port}/v1/chat/completions`)).toBe(true);
      expect(upstream.requests.at(-1)!.headers.authorization).toBe("Bearer sk-proxy-test");
    });

    test.skipIf(Bun.which("openssl") === null)(`upstream_client ${client}: an https:// proxy (TLS to the proxy, its CA from NODE_EXTRA_CA_CERTS)`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "butter-proxy-tls-"));
      makeCertificates(dir);
      const tlsProxy = startForwardProxy({ tls: { key: readFileSync(join(dir, "server.key"), "utf8"), cert: readFileSync(join(dir, "server.pem"), "utf8") } });
      try {
        await using gw = await startGateway(
          { server: { upstream_client: client }, providers: { openai: { base_url: `http://upstream.test:${upstream.port}/v1`, keys: [{ value: "sk-proxy-test" }] } } },
          { env: { HTTP_PROXY: tlsProxy.url, NODE_EXTRA_CA_CERTS: join(dir, "ca.pem") } },
        );
        const reply = await openaiClient(gw).chat.completions.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
        expect(reply.choices[0]!.message.content).toBe("via proxy");
        expect(tlsProxy.seen.some((s) => s.method === "POST" && s.target === `http://upstream.test:${upstream.port}/v1/chat/completions`)).toBe(true);
      } finally {
        tlsProxy.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  for (const client of ["fetch", "http1"] as const) {
    test(`upstream_client ${client}: a proxy that echoes its credentials in an error answer leaks them to no client and no log`, async () => {
      const password = "proxy-pass-9f3k";
      const token = Buffer.from(`squid-user:${password}`).toString("base64");
      // Answers every request with a 407 whose JSON error quotes the Proxy-Authorization it got and the password.
      const echo = Bun.listen<{ head: string }>({
        hostname: "127.0.0.1",
        port: 0,
        socket: {
          open(socket) {
            socket.data = { head: "" };
          },
          data(socket, data) {
            socket.data.head += data.toString("latin1");
            if (!socket.data.head.includes("\r\n\r\n")) return;
            const got = /proxy-authorization: ([^\r]*)/i.exec(socket.data.head)?.[1] ?? "none";
            const body = JSON.stringify({ error: { message: `denied ${got}; password ${password}`, type: `proxy ${token}`, code: token, param: password } });
            socket.end(`HTTP/1.1 407 Proxy Authentication Required\r\ncontent-type: application/json\r\nx-echo: ${got}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
          },
        },
      });
      try {
        await using gw = await startGateway(
          { server: { upstream_client: client }, providers: { openai: { base_url: `http://upstream.test:${upstream.port}/v1`, keys: [{ value: "sk-proxy-test" }] } }, failover: { max_attempts: 1 } },
          { env: { HTTP_PROXY: `http://squid-user:${password}@127.0.0.1:${echo.port}`, NO_PROXY: "127.0.0.1" } },
        );
        const res = await fetch(`${gw.baseURL}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }) });
        const text = await res.text();
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(JSON.parse(text).error.message).toContain("denied");
        const seen = [text, ...res.headers.values(), gw.logs.join("\n")].join("\n");
        for (const secret of [password, token]) expect(seen).not.toContain(secret);
      } finally {
        echo.stop(true);
      }
    });
  }

  test("upstream_client http1 with a proxy it cannot speak to: a warning at start, then a 502 that leaks nothing, never a direct connection", async () => {
    await using gw = await startGateway(
      { server: { upstream_client: "http1" }, providers: { openai: { base_url: `https://127.0.0.1:${upstream.port}/v1`, keys: [{ value: "sk-proxy-test" }] } } },
      { env: { HTTPS_PROXY: "socks5://proxyuser:proxy-secret@127.0.0.1:1" } },
    );
    const warning = await gw.waitForLog(/upstream proxy unusable/);
    expect(warning).toMatch(/must be http:\/\/ or https:\/\//);
    const res = await fetch(`${gw.baseURL}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }) });
    const text = await res.text();
    expect(res.status).toBe(502);
    expect(JSON.parse(text).error.type).toBeString();
    for (const secret of ["proxy-secret", "proxyuser", "sk-proxy-test"]) {
      expect(text).not.toContain(secret);
      expect(gw.logs.join("\n")).not.toContain(secret);
    }
  });
});
