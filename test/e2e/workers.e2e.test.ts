// `server.workers: 2`: the supervisor and its two worker processes on one fixed port. Which worker
// answered is told by behaviour, not by a header: a memory rate limit of one request (burst 1, one
// token per 1000 s) is per worker, so among many requests on fresh connections exactly as many are
// admitted as there are workers with a full bucket.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { json, spawnGateway, startGateway, startMockUpstream, type Gateway, type MockUpstream } from "../support/index.ts";
import { parsePrometheusText } from "../support/prometheus-text.ts";

type Log = Record<string, unknown>;

let mock: MockUpstream;

beforeAll(async () => {
  mock = await startMockUpstream();
  mock.when("POST", "/v1/chat/completions", async (req) => {
    // "slow" is still being answered when the test stops the gateway.
    if ((req.json as { model: string }).model === "slow") await Bun.sleep(500);
    return json({ id: "chatcmpl-w", object: "chat.completion", created: 1, model: (req.json as { model: string }).model, choices: [{ index: 0, message: { role: "assistant", content: "Hi" }, finish_reason: "stop" }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } });
  });
});
afterAll(async () => {
  await mock?.stop();
});

function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

const provider = () => ({ openai: { base_url: `${mock.url}/v1`, keys: [{ value: "sk-upstream" }] } });
const oneRequestPerWorker = { name: "ratelimit", config: { rate: 0.001, burst: 1 } };
const accessLog = { name: "logging" };
const metrics = { name: "metrics" };

/** `n` chat requests, each on a new connection (so the kernel picks a worker for each); their statuses. */
async function statuses(gw: Gateway, n: number, model = "openai/gpt-4o-mini"): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${gw.baseURL}/v1/chat/completions`, {
      method: "POST",
      keepalive: false,
      headers: { "content-type": "application/json", connection: "close" },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
    });
    await res.text();
    out.push(res.status);
  }
  return out;
}

const count = (list: number[], status: number) => list.filter((s) => s === status).length;
const logsWith = (gw: Gateway, msg: string): Log[] => gw.jsonLogs().filter((l) => l.msg === msg);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  for (const end = performance.now() + timeoutMs; !check(); await Bun.sleep(20)) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
  }
}

/** The pid of worker `index` once it logs "worker listening" with a pid not in `seen`. */
async function workerPid(gw: Gateway, index: number, ...seen: number[]): Promise<number> {
  const line = await gw.waitForLog((_, j) => j?.msg === "worker listening" && j.worker === index && !seen.includes(j.pid as number), 10_000);
  return (JSON.parse(line) as { pid: number }).pid;
}

describe("server.workers: 2", () => {
  test("both workers serve; a killed worker is restarted and serves; a config change and SIGHUP reach both; SIGTERM stops all", async () => {
    const port = freePort();
    const config = { server: { address: `127.0.0.1:${port}`, workers: 2 }, store: "sqlite::memory:", providers: provider(), plugins: [oneRequestPerWorker, accessLog, metrics] };
    const gw = await startGateway(config, { env: { BUN_CONFIG_MAX_HTTP_REQUESTS: undefined } });
    try {
      expect(gw.port).toBe(port);
      const warning = logsWith(gw, "with several workers this state is per worker; Redis shares it")[0]!;
      expect(warning.workers).toBe(2);
      expect((warning.per_worker as string[]).join("\n")).toMatch(/plugins\[0\] ratelimit with backend memory: .* up to 2 times the rate/);
      expect((warning.per_worker as string[]).join("\n")).toMatch(/store sqlite::memory: is a separate database in each worker/);
      // Metrics are gathered from every worker: not per worker any more.
      expect((warning.per_worker as string[]).join("\n")).not.toMatch(/plugins\[2\]/);
      const first = await workerPid(gw, 1);
      const second = await workerPid(gw, 2);
      expect(new Set([first, second, gw.proc.pid]).size).toBe(3);

      // One admitted per worker: both serve.
      const before = await statuses(gw, 40);
      expect(count(before, 200)).toBe(2);
      expect(count(before, 429)).toBe(38);
      // Each access line says which worker served the request; the one admitted by each worker is a 200 of its own.
      await until("40 access lines", () => logsWith(gw, "access").length === 40);
      const access = logsWith(gw, "access");
      expect(new Set(access.map((l) => l.worker))).toEqual(new Set([1, 2]));
      // The supervisor starts its workers with fetch's limit on requests at once raised (fetch-concurrency.ts),
      // though it was itself started without it: no worker warns.
      expect(gw.jsonLogs().filter((l) => String(l.msg).includes("BUN_CONFIG_MAX_HTTP_REQUESTS"))).toEqual([]);
      expect(access.filter((l) => l.status === 200).map((l) => l.worker as number).sort()).toEqual([1, 2]);
      // Whichever worker a scrape reaches, /metrics holds both workers' counts, labelled: 40 requests, 2 admitted.
      for (let i = 0; i < 4; i++) {
        const res = await fetch(`${gw.baseURL}/metrics`, { keepalive: false, headers: { connection: "close" } });
        expect(res.status).toBe(200);
        const requests = parsePrometheusText(await res.text()).filter((s) => s.name === "butter_requests_total");
        expect(new Set(requests.map((s) => s.labels.worker))).toEqual(new Set(["1", "2"]));
        expect(requests.reduce((n, s) => n + s.value, 0)).toBe(40);
        expect(requests.filter((s) => s.labels.status === "200").map((s) => [s.labels.worker, s.value]).sort()).toEqual([["1", 1], ["2", 1]]);
      }

      // A second gateway on the same port is refused, workers or not: the supervisor checks the port first.
      const intruder = spawnGateway(config);
      expect(await intruder.exited).toBe(1);
      expect(intruder.logs.join("\n")).toContain(`butter: cannot listen on 127.0.0.1:${port}: the address is already in use`);

      // Killed: restarted with backoff, and the new worker (a full bucket) serves; the other is untouched.
      process.kill(first, "SIGKILL");
      const restarted = await workerPid(gw, 1, first);
      const exit = logsWith(gw, "worker exited; restarting it")[0]!;
      expect(exit).toMatchObject({ worker: 1, pid: first, signal: "SIGKILL", restart_in_ms: 100 });
      expect(alive(second)).toBe(true);
      const after = await statuses(gw, 40);
      expect(count(after, 200)).toBe(1);

      // The file changes: the limiter goes and a route appears, in every worker (one not reloaded would answer 429 or 404).
      const reloaded = () => logsWith(gw, "config reloaded").length;
      gw.writeConfig({ ...config, server: { ...config.server, workers: 3 }, plugins: [], routes: { fresh: { targets: [{ provider: "openai", model: "gpt-4o-mini" }] } } });
      await until("both workers to reload", () => reloaded() === 2);
      // Each worker's lines say which worker wrote them.
      expect(logsWith(gw, "config reloaded").map((l) => l.worker as number).sort()).toEqual([1, 2]);
      // The number of workers is fixed at start: still two.
      expect(logsWith(gw, "server.workers changed; it takes effect after a restart").length).toBe(2);
      expect(logsWith(gw, "worker started").length).toBe(3);
      expect(logsWith(gw, "config reload passed to the workers")[0]).toMatchObject({ trigger: "file", workers: [1, 2] });
      const fresh = await statuses(gw, 30, "fresh");
      expect(count(fresh, 200)).toBe(30);

      gw.signal("SIGHUP");
      await until("both workers to reload on SIGHUP", () => reloaded() === 4);
      expect(logsWith(gw, "config reload passed to the workers")[1]).toMatchObject({ trigger: "signal", workers: [1, 2] });

      // SIGTERM: a request in flight is answered, then every process exits.
      mock.clearRequests();
      const slow = statuses(gw, 1, "openai/slow");
      await mock.waitForRequests(1);
      expect(await gw.stop()).toBe(0);
      expect(await slow).toEqual([200]);
      expect(alive(restarted)).toBe(false);
      expect(alive(second)).toBe(false);
      expect(logsWith(gw, "stopped").length).toBe(3);
    } finally {
      await gw.stop();
    }
  }, 60_000);

  test("a worker that keeps dying at once is given up after 5 crashes in a row; the other serves on; workers leave with a killed supervisor", async () => {
    const port = freePort();
    const gw = await startGateway({ server: { address: `127.0.0.1:${port}`, workers: 2 }, store: "sqlite::memory:", providers: provider() });
    try {
      const other = await workerPid(gw, 2);
      const pids = [await workerPid(gw, 1)];
      for (let crash = 1; crash <= 5; crash++) {
        process.kill(pids.at(-1)!, "SIGKILL");
        if (crash < 5) pids.push(await workerPid(gw, 1, ...pids));
      }
      const gaveUp = JSON.parse(await gw.waitForLog("worker keeps crashing; not restarting it")) as Log;
      expect(gaveUp).toMatchObject({ worker: 1, crashes: 5, each_within_ms: 10_000 });
      // The backoff doubled: 100, 200, 400, 800 ms.
      expect(logsWith(gw, "worker exited; restarting it").map((l) => l.restart_in_ms)).toEqual([100, 200, 400, 800]);
      expect(count(await statuses(gw, 10), 200)).toBe(10);

      // Nobody would stop or restart the workers: they stop themselves.
      gw.proc.kill("SIGKILL");
      await until("the worker to leave after its supervisor", () => !alive(other));
    } finally {
      await gw.stop();
    }
  }, 60_000);

  test("config errors: port 0 with several workers, and a malformed worker marker", async () => {
    const zero = spawnGateway({ server: { address: "127.0.0.1:0", workers: 2 }, providers: provider() });
    expect(await zero.exited).toBe(1);
    expect(zero.logs.join("\n")).toContain("server.workers: several workers need a fixed port in server.address");

    const auto = spawnGateway({ server: { address: "127.0.0.1:0", workers: "auto" }, providers: provider() });
    expect(await auto.exited).toBe(1);
    expect(auto.logs.join("\n")).toContain("server.workers: several workers need a fixed port");

    const garbage = spawnGateway({ providers: provider() }, { env: { BUTTER_WORKER: "{not json" } });
    expect(await garbage.exited).toBe(1);
    expect(garbage.logs.join("\n")).toContain("BUTTER_WORKER is set but is not what a butter supervisor writes");
  }, 30_000);

  test("workers: 1 (the default) runs one process, no supervisor, that refuses a port in use", async () => {
    const port = freePort();
    const gw = await startGateway({ server: { address: `127.0.0.1:${port}`, workers: 1 }, providers: provider() });
    try {
      expect(logsWith(gw, "worker started")).toEqual([]);
      expect(logsWith(gw, "butter listening")[0]!.providers).toEqual(["openai"]);
      const second = spawnGateway({ server: { address: `127.0.0.1:${port}` }, providers: provider() });
      expect(await second.exited).toBe(1);
    } finally {
      await gw.stop();
    }
  }, 30_000);
});
