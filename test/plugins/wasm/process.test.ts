// The WASM host in the gateway process: network only to allowed_hosts (a local server in this
// process, which the gateway's blocking http_request must not share a thread with), and a reload
// that swaps a plugin's .wasm.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { answerEveryProvider } from "../../support/all-providers.ts";
import { startGateway, startMockUpstream, type Gateway, type MockUpstream } from "../../support/index.ts";
import { example, fixture, gatewayConfig, MODEL, wasmEntry } from "./support.ts";

let mock: MockUpstream;
let server: ReturnType<typeof Bun.serve>;
const hits: string[] = [];
let gw: Gateway | undefined;

beforeAll(async () => {
  mock = await startMockUpstream();
  answerEveryProvider(mock);
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const url = new URL(req.url);
      hits.push(`${url.pathname} ${req.headers.get("x-from")}`);
      if (url.pathname === "/hang") await Bun.sleep(3000);
      if (url.pathname === "/redirect") return new Response(null, { status: 302, headers: { location: "http://localhost:1/elsewhere" } });
      return new Response("pong from the local server");
    },
  });
});
afterAll(async () => {
  await server.stop(true);
  await mock.stop();
});
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
  hits.length = 0;
});

const chat = () => fetch(`${gw!.url}/v1/chat/completions`, {
  method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "Hello!" }] }),
});
const local = (path: string) => `http://127.0.0.1:${server.port}${path}`;

describe("network", () => {
  test("a granted host is reachable through http_request", async () => {
    gw = await startGateway(gatewayConfig(mock.url, [wasmEntry("fetch", fixture("fetch"), { allowed_hosts: ["127.0.0.1"], timeout: "2s", config: { url: local("/ping") } })]));
    const res = await chat();
    expect(res.status).toBe(200);
    expect(res.headers.get("x-fetched")).toBe("200 pong from the local server");
    expect(hits).toEqual(["/ping wasm"]);
  });

  test("no allowed_hosts: no network (fail-open skips, fail-closed answers 503); nothing reaches the server", async () => {
    for (const failClosed of [false, true]) {
      gw = await startGateway(gatewayConfig(mock.url, [wasmEntry("fetch", fixture("fetch"), { fail_closed: failClosed, config: { url: local("/ping") } })]));
      const res = await chat();
      expect(res.status).toBe(failClosed ? 503 : 200);
      expect(res.headers.get("x-fetched")).toBeNull();
      await gw.waitForLog((_l, j) => j?.msg === "plugin hook failed" && String(j.error).includes("no network access"));
      await gw.stop();
      gw = undefined;
    }
    expect(hits).toEqual([]);
  });

  test("a host that is not granted is refused; a redirect is not followed to another host", async () => {
    gw = await startGateway(gatewayConfig(mock.url, [wasmEntry("fetch", fixture("fetch"), { allowed_hosts: ["example.com", "*.example.org"], fail_closed: true, config: { url: local("/ping") } })]));
    expect((await chat()).status).toBe(503);
    await gw.waitForLog((_l, j) => j?.msg === "plugin hook failed" && String(j.error).includes('host "127.0.0.1" is not in allowed_hosts'));
    await gw.stop();
    gw = await startGateway(gatewayConfig(mock.url, [wasmEntry("fetch", fixture("fetch"), { allowed_hosts: ["127.0.0.1"], timeout: "2s", config: { url: local("/redirect") } })]));
    const res = await chat();
    expect(res.headers.get("x-fetched")).toBe("302");
    expect(hits).toEqual(["/redirect wasm"]);
  });

  test("an HTTP call that outlasts the plugin's timeout ends the call at the timeout", async () => {
    gw = await startGateway(gatewayConfig(mock.url, [wasmEntry("fetch", fixture("fetch"), { allowed_hosts: ["127.0.0.1"], timeout: "200ms", fail_closed: true, config: { url: local("/hang") } })]));
    const res = await chat();
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("plugin_timeout");
  });
});

describe("reload", () => {
  /** Starts a gateway whose one WASM plugin is a copy of the header-tag example in `dir`; returns the copy's path. */
  async function swappable(dir: string): Promise<string> {
    const path = join(dir, "plugin.wasm");
    copyFileSync(example("header-tag"), path);
    gw = await startGateway(gatewayConfig(mock.url, [wasmEntry("swap", path, { config: { name: "x-generation", value: "first", tag: "second" } })]));
    expect((await chat()).headers.get("x-generation")).toBe("first");
    return path;
  }

  test("SIGHUP loads the plugin's .wasm anew; a broken file keeps the running generation and names plugins[0].wasm", async () => {
    const dir = mkdtempSync(join(tmpdir(), "butter-wasm-"));
    try {
      const path = await swappable(dir);
      copyFileSync(fixture("inspect"), path);
      const reloads = () => gw!.jsonLogs().filter((j) => j.msg === "config reloaded").length;
      gw!.signal("SIGHUP");
      await gw!.waitForLog((_l, j) => j?.msg === "config reloaded" && reloads() >= 1);
      let res = await chat();
      expect(res.headers.get("x-generation")).toBeNull();
      expect(res.headers.get("x-wasm-tag")).toBe("second");

      writeFileSync(path, "garbage, not a module");
      gw!.signal("SIGHUP");
      await gw!.waitForLog((_l, j) => j?.msg === "config reload failed; keeping the running config" && String(j.error).includes("plugins[0].wasm"));
      res = await chat();
      expect(res.status).toBe(200);
      expect(res.headers.get("x-wasm-tag")).toBe("second");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a rebuilt .wasm is picked up by the file watcher, without a signal; a plugin left out of the config is no longer watched", async () => {
    const dir = mkdtempSync(join(tmpdir(), "butter-wasm-"));
    try {
      const path = await swappable(dir);
      const reloads = () => gw!.jsonLogs().filter((j) => j.msg === "config reloaded" && j.trigger === "file").length;

      // As a build writes it: to a temporary file renamed over the old one.
      copyFileSync(fixture("inspect"), `${path}.tmp`);
      renameSync(`${path}.tmp`, path);
      await gw!.waitForLog(() => reloads() === 1, 5000);
      const res = await chat();
      expect(res.headers.get("x-generation")).toBeNull();
      expect(res.headers.get("x-wasm-tag")).toBe("second");

      // The plugin goes from the config: a later change of its file reloads nothing.
      gw!.writeConfig(gatewayConfig(mock.url, []));
      await gw!.waitForLog(() => reloads() === 2, 5000);
      writeFileSync(path, "garbage, not a module");
      await Bun.sleep(1200);
      expect(reloads()).toBe(2);
      expect(gw!.jsonLogs().some((j) => j.msg === "config reload failed; keeping the running config")).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
