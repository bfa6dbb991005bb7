// `npm run build`'s single-file executable, built into a temporary directory (scripts/build.ts) and run
// the way a user runs it: /healthz, a proxied chat request through the SDK with every optional part
// that loads lazily in use (the price table, a WASM plugin calling out through the HTTP worker,
// metrics, OTLP tracing, the token estimator, the dashboard's embedded files), and `server.workers: 2`, where the binary starts copies
// of itself. Prints the binary's size and its idle RSS.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import OpenAI from "openai";
import { json, repoRoot, startMockUpstream, type MockUpstream } from "../support/index.ts";

const ADMIN_TOKEN = "admin-token-for-the-binary-0123456789";
const FETCH_PLUGIN = join(repoRoot, "test/plugins/wasm/fixtures/fetch.wasm");

let dir: string;
let binary: string;
let mock: MockUpstream;
const running = new Set<Subprocess>();

interface Started {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  baseURL: string;
  logs: string[];
}

/** Runs the binary with `config` and resolves once it logs "butter listening". */
async function run(name: string, config: Record<string, unknown>): Promise<Started> {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, Bun.YAML.stringify(config));
  const proc = Bun.spawn([binary, "--config", path], { cwd: dir, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  running.add(proc);
  const logs: string[] = [];
  let listening: ((line: string) => void) | undefined;
  const seen = new Promise<string>((resolve) => (listening = resolve));
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    let pending = "";
    for await (const chunk of stream) {
      const lines = (pending + decoder.decode(chunk, { stream: true })).split("\n");
      pending = lines.pop()!;
      for (const line of lines) {
        logs.push(line);
        if (line.includes('"msg":"butter listening"')) listening!(line);
      }
    }
  };
  void pump(proc.stdout);
  void pump(proc.stderr);
  const line = await Promise.race([seen, proc.exited.then((code) => Promise.reject(new Error(`the binary exited (${code}):\n${logs.join("\n")}`)))]);
  const address = (JSON.parse(line) as { address: string }).address;
  return { proc, baseURL: `http://${address}`, logs };
}

async function stop(p: Started): Promise<number> {
  p.proc.kill("SIGTERM");
  const code = await p.proc.exited;
  running.delete(p.proc);
  return code;
}

function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;
}

function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

const provider = () => ({ openai: { base_url: `${mock.url}/v1`, keys: [{ value: "sk-upstream" }] } });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "butter-binary-"));
  binary = join(dir, "butter");
  const build = Bun.spawnSync([process.execPath, join(repoRoot, "scripts/build.ts"), "--outfile", binary], { cwd: repoRoot, stdout: "pipe", stderr: "pipe" });
  if (build.exitCode !== 0) throw new Error(`build failed:\n${build.stdout.toString()}${build.stderr.toString()}`);
  mock = await startMockUpstream();
  mock.when("POST", "/v1/chat/completions", () =>
    json({ id: "chatcmpl-bin", object: "chat.completion", created: 1, model: "gpt-4o-mini", choices: [{ index: 0, message: { role: "assistant", content: "Hi from upstream" }, finish_reason: "stop" }], usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 } }),
  );
  mock.when("GET", "/fetched", () => json({ ok: true }));
  mock.when("POST", "/v1/traces", () => json({}));
}, 120_000);

afterAll(async () => {
  for (const p of running) p.kill("SIGKILL");
  await mock?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

test("the single-file binary starts, answers /healthz and proxies a chat request with the lazily loaded parts working", async () => {
  const size = statSync(binary).size;
  // Idle: the example's shape (one provider, no plugins), nothing asked of it yet.
  const idle = await run("idle", { server: { address: "127.0.0.1:0" }, store: "sqlite::memory:", providers: provider() });
  await Bun.sleep(1000);
  const idleRss = rssMb(idle.proc.pid);
  expect(await stop(idle)).toBe(0);

  const gw = await run("full", {
    server: { address: "127.0.0.1:0" },
    store: `sqlite:${join(dir, "butter.db")}`,
    admin: { token: ADMIN_TOKEN },
    providers: provider(),
    plugins: [
      { name: "metrics" },
      { name: "tracing", config: { endpoint: `${mock.url}/v1/traces` } },
      { name: "fetch", wasm: FETCH_PLUGIN, allowed_hosts: ["127.0.0.1"], timeout: "2s", config: { url: `${mock.url}/fetched` } },
    ],
  });
  const health = await fetch(`${gw.baseURL}/healthz`);
  expect(health.status).toBe(200);

  const client = new OpenAI({ baseURL: `${gw.baseURL}/v1`, apiKey: "unused", maxRetries: 0 });
  const { data, response } = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }).withResponse();
  expect(data.choices[0]!.message.content).toBe("Hi from upstream");
  // The price table (required lazily from @pydantic/genai-prices) priced it.
  expect(Number(response.headers.get("x-butter-cost-usd"))).toBeGreaterThan(0);
  // The WASM plugin's http_request ran in the HTTP worker, an entry point of its own in the binary.
  expect(response.headers.get("x-fetched")).toBe('200 {"ok":true}');
  expect(await (await fetch(`${gw.baseURL}/metrics`)).text()).toContain("butter_requests_total");
  // No token counter upstream: the estimate, from gpt-tokenizer imported on first use.
  const counted = await fetch(`${gw.baseURL}/v1/messages/count_tokens`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "How many tokens is this?" }] }),
  });
  expect(counted.status).toBe(200);
  expect(((await counted.json()) as { input_tokens: number }).input_tokens).toBeGreaterThan(0);
  const ui = await fetch(`${gw.baseURL}/ui`);
  expect(ui.status).toBe(200);
  expect(await ui.text()).toContain("<html");
  const busyRss = rssMb(gw.proc.pid);
  expect(await stop(gw)).toBe(0);
  // The tracing exporter (OpenTelemetry, loaded only when configured) sent the spans at shutdown.
  expect(mock.requests.some((r) => r.path === "/v1/traces")).toBe(true);

  console.log(`binary: ${(size / 1024 / 1024).toFixed(1)} MB; idle RSS ${idleRss.toFixed(1)} MB (one provider, no plugins); ${busyRss.toFixed(1)} MB after requests with metrics, tracing, a WASM plugin, the price table and the token estimator loaded`);
}, 60_000);

test("the binary with server.workers: 2 starts two copies of itself on one port", async () => {
  const port = freePort();
  const gw = await run("workers", { server: { address: `127.0.0.1:${port}`, workers: 2 }, store: `sqlite:${join(dir, "workers.db")}`, providers: provider() });
  const workers = gw.logs.filter((l) => l.includes('"msg":"worker listening"')).map((l) => JSON.parse(l) as { worker: number; pid: number });
  expect(workers.map((w) => w.worker).sort()).toEqual([1, 2]);
  for (const w of workers) expect(w.pid).not.toBe(gw.proc.pid);
  expect(gw.baseURL).toBe(`http://127.0.0.1:${port}`);
  const client = new OpenAI({ baseURL: `${gw.baseURL}/v1`, apiKey: "unused", maxRetries: 0 });
  for (let i = 0; i < 4; i++) {
    const answer = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
    expect(answer.choices[0]!.message.content).toBe("Hi from upstream");
  }
  expect(await stop(gw)).toBe(0);
  for (const w of workers) expect(() => process.kill(w.pid, 0)).toThrow();
}, 60_000);
