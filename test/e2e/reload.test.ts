// Config hot reload, end to end: the gateway process, its config file rewritten (in place, by
// rename, through a symlink swap) or SIGHUP, mock upstreams, the official SDK.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { configText, fixtureReply, openaiClient, sse, startGateway, startMockUpstream, type Gateway, type MockUpstream } from "../support/index.ts";

let mock: MockUpstream;

beforeAll(async () => {
  mock = await startMockUpstream();
  mock.when("POST", /\/v1\/chat\/completions$/, (req) => {
    const body = req.json as { stream?: boolean };
    if (body.stream !== true) return fixtureReply("openai", "chat.response.json");
    const chunk = (content: string, finish: string | null = null) => ({
      id: "c1", object: "chat.completion.chunk", created: 1, model: "m",
      choices: [{ index: 0, delta: finish === null ? { content } : {}, finish_reason: finish }],
    });
    // A stream long enough to straddle a reload: 10 chunks, 40 ms apart.
    return sse([...Array.from({ length: 10 }, (_, i) => chunk(`t${i} `)), chunk("", "stop"), "data: [DONE]\n\n"], { chunkDelayMs: 40 });
  });
});
afterAll(async () => {
  await mock?.stop();
});

const provider = (path: string, key = `key-${path}`) => ({ type: "openai", base_url: `${mock.url}/${path}/v1`, keys: [{ value: key }] });

function config(target: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    providers: { a: provider("a"), b: provider("b"), c: provider("c") },
    routes: { chat: { targets: [{ provider: target, model: "m" }] } },
    failover: { backoff: { initial: "1ms", max: "5ms", multiplier: 2 } },
    ...extra,
  };
}

const hello = [{ role: "user" as const, content: "Hello!" }];

async function answeredBy(gw: Gateway, model = "chat"): Promise<string | null> {
  const { response } = await openaiClient(gw).chat.completions.create({ model, messages: hello }).withResponse();
  return response.headers.get("x-butter-provider");
}

/** Polls until `fn` returns `want`; returns the ms it took. */
async function until<T>(fn: () => Promise<T>, want: T, timeoutMs = 3000): Promise<number> {
  const start = performance.now();
  for (;;) {
    if ((await fn()) === want) return performance.now() - start;
    if (performance.now() - start > timeoutMs) throw new Error(`still not ${String(want)} after ${timeoutMs} ms`);
    await Bun.sleep(20);
  }
}

const reloaded = (gw: Gateway, after: number) => gw.waitForLog((_l, j) => j?.msg === "config reloaded" && countReloads(gw) > after, 3000);
const countReloads = (gw: Gateway) => gw.jsonLogs().filter((j) => j.msg === "config reloaded").length;

describe("reload triggers", () => {
  test("a rewritten file is live within a second, and the log says what changed", async () => {
    await using gw = await startGateway(config("a"));
    expect(await answeredBy(gw)).toBe("a");
    gw.writeConfig(config("b"));
    const ms = await until(() => answeredBy(gw), "b");
    expect(ms).toBeLessThan(1000);
    const line = gw.jsonLogs().find((j) => j.msg === "config reloaded")!;
    expect(line.routes_changed).toEqual(["chat"]);
  });

  test("SIGHUP reloads (with the watcher off)", async () => {
    await using gw = await startGateway(config("a"), { args: ["--no-watch"] });
    gw.writeConfig(config("b"));
    await Bun.sleep(700);
    expect(await answeredBy(gw)).toBe("a");
    gw.signal("SIGHUP");
    await reloaded(gw, 0);
    expect(await answeredBy(gw)).toBe("b");
    expect(gw.jsonLogs().find((j) => j.msg === "config reloaded")!.trigger).toBe("signal");
  });

  test("an invalid change keeps the running config and logs one line naming the failing path", async () => {
    await using gw = await startGateway(config("a"));
    const bad = config("b");
    (bad.failover as Record<string, unknown>).max_attempts = -1;
    gw.writeConfig(bad);
    const line = await gw.waitForLog((_l, j) => j?.msg === "config reload failed; keeping the running config", 3000);
    expect(line).toContain("failover.max_attempts");
    expect(await answeredBy(gw)).toBe("a");
    // Unknown route target and YAML syntax errors too.
    writeFileSync(gw.configPath, "providers: [unclosed");
    await gw.waitForLog((l, j) => j?.msg === "config reload failed; keeping the running config" && l.includes("YAML"), 3000);
    expect(await answeredBy(gw)).toBe("a");
    // And a later valid change still lands.
    gw.writeConfig(config("c"));
    await until(() => answeredBy(gw), "c");
  });

  test("a changed server.address is logged as needing a restart; the rest of the change applies", async () => {
    await using gw = await startGateway(config("a"));
    const moved = config("b");
    moved.server = { address: "127.0.0.1:1" };
    writeFileSync(gw.configPath, configText(moved));
    await gw.waitForLog((_l, j) => j?.msg === "server.address changed; it takes effect after a restart", 3000);
    await until(() => answeredBy(gw), "b");
  });

  test("editor-style saves (write a temp file, rename over) and kubectl-style symlink swaps", async () => {
    await using gw = await startGateway(config("a"));
    const dir = dirname(gw.configPath);
    // Editor: write beside, rename over.
    writeFileSync(join(dir, ".config.yaml.swp"), configText(config("b")));
    renameSync(join(dir, ".config.yaml.swp"), gw.configPath);
    await until(() => answeredBy(gw), "b");
    // kubectl: config.yaml -> ..data/config.yaml, ..data -> ..v1; a new ..v2 is swapped in by renaming a symlink.
    const version = (name: string, target: string) => {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, "config.yaml"), configText(config(target)));
    };
    version("..v1", "c");
    symlinkSync("..v1", join(dir, "..data"));
    symlinkSync("..data/config.yaml", join(dir, "config.yaml.new"));
    renameSync(join(dir, "config.yaml.new"), gw.configPath);
    await until(() => answeredBy(gw), "c");
    version("..v2", "a");
    symlinkSync("..v2", join(dir, "..data_tmp"));
    renameSync(join(dir, "..data_tmp"), join(dir, "..data"));
    rmSync(join(dir, "..v1"), { recursive: true });
    await until(() => answeredBy(gw), "a");
  });
});

describe("state across reloads", () => {
  test("/metrics counters keep increasing across reloads", async () => {
    const withMetrics = (t: string) => config(t, { plugins: [{ name: "metrics" }] });
    await using gw = await startGateway(withMetrics("a"));
    const total = async () => {
      const text = await (await fetch(`${gw.baseURL}/metrics`)).text();
      return [...text.matchAll(/^butter_requests_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
    };
    let previous = 0;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 3; i++) await answeredBy(gw);
      const n = await total();
      expect(n).toBeGreaterThanOrEqual(previous + 3);
      previous = n;
      const before = countReloads(gw);
      gw.writeConfig(withMetrics(round % 2 === 0 ? "b" : "a"));
      await reloaded(gw, before);
      expect(await total()).toBeGreaterThanOrEqual(previous);
    }
  });

  test("an unchanged target's open circuit survives a reload; a removed provider's state is dropped", async () => {
    const failing = await startMockUpstream();
    try {
      failing.when("POST", /chat\/completions$/, { kind: "json", status: 503, body: { error: { message: "overloaded", type: "server_error" } } });
      const cfg = (withBad: boolean, route: string) => ({
        providers: { ...(withBad ? { bad: { type: "openai", base_url: `${failing.url}/v1`, keys: [{ value: "k" }] } } : {}), a: provider("a") },
        routes: { chat: { targets: [...(withBad ? [{ provider: "bad", model: "m" }] : []), { provider: "a", model: "m" }] }, other: { targets: [{ provider: "a", model: route }] } },
        failover: { backoff: { initial: "1ms", max: "2ms", multiplier: 2 }, circuit: { failures: 2, cooldown: "1h" } },
      });
      await using gw = await startGateway(cfg(true, "x"));
      for (let i = 0; i < 3; i++) expect(await answeredBy(gw)).toBe("a");
      const opened = failing.requests.length;
      expect(opened).toBe(2);
      // A reload that leaves `bad` as it was: its circuit is still open.
      gw.writeConfig(cfg(true, "y"));
      await reloaded(gw, 0);
      for (let i = 0; i < 3; i++) expect(await answeredBy(gw)).toBe("a");
      expect(failing.requests.length).toBe(opened);
      // Removed, then added back: it starts fresh (closed), so it is tried again.
      gw.writeConfig(cfg(false, "y"));
      await reloaded(gw, 1);
      gw.writeConfig(cfg(true, "y"));
      await reloaded(gw, 2);
      expect(await answeredBy(gw)).toBe("a");
      expect(failing.requests.length).toBe(opened + 1);
    } finally {
      await failing.stop();
    }
  });
});

describe("key health across reloads", () => {
  test("a key cooling down after 401s stays out of rotation across a reload that keeps it", async () => {
    const keyed = await startMockUpstream();
    try {
      keyed.when("POST", /chat\/completions$/, (req) =>
        req.headers.authorization === "Bearer key-revoked"
          ? { kind: "json", status: 401, body: { error: { message: "invalid key", type: "invalid_request_error", code: "invalid_api_key" } } }
          : fixtureReply("openai", "chat.response.json"));
      const cfg = (route: string) => ({
        providers: { k: { type: "openai", base_url: `${keyed.url}/v1`, keys: [{ value: "key-revoked" }, { value: "key-good" }] } },
        routes: { chat: { targets: [{ provider: "k", model: route }] } },
      });
      await using gw = await startGateway(cfg("m"));
      const revoked = () => keyed.requests.filter((r) => r.headers.authorization === "Bearer key-revoked").length;
      // Weighted random choice: within 40 requests the revoked key fails three times and cools down.
      for (let i = 0; i < 40 && gw.jsonLogs().every((j) => j.msg !== "key cooling down"); i++) expect(await answeredBy(gw)).toBe("k");
      await gw.waitForLog((_l, j) => j?.msg === "key cooling down", 1000);
      const before = revoked();
      gw.writeConfig(cfg("m2"));
      await reloaded(gw, 0);
      for (let i = 0; i < 20; i++) expect(await answeredBy(gw)).toBe("k");
      expect(revoked()).toBe(before);
    } finally {
      await keyed.stop();
    }
  });
});

describe("reload under load", () => {
  test("8 client loops (30% streams) for 10 s across 20+ rewrites: no failed request, no broken stream", async () => {
    await using gw = await startGateway(config("a"));
    const dir = dirname(gw.configPath);
    const client = openaiClient(gw);
    const stop = { now: false };
    const failures: string[] = [];
    let requests = 0;
    let streams = 0;
    const loop = async (n: number) => {
      let i = 0;
      while (!stop.now) {
        i++;
        try {
          if ((n * 7 + i) % 10 < 3) {
            const s = await client.chat.completions.create({ model: "chat", messages: hello, stream: true });
            let text = "";
            let finish: string | null = null;
            for await (const chunk of s) {
              text += chunk.choices[0]?.delta?.content ?? "";
              finish = chunk.choices[0]?.finish_reason ?? finish;
            }
            if (finish !== "stop" || !text.includes("t9")) failures.push(`broken stream: ${finish} ${text}`);
            streams++;
          } else {
            await client.chat.completions.create({ model: "chat", messages: hello });
          }
          requests++;
        } catch (err) {
          failures.push(String(err));
        }
      }
    };
    const loops = Array.from({ length: 8 }, (_, n) => loop(n));
    const targets = ["a", "b", "c"];
    let writes = 0;
    let linked = false;
    const started = performance.now();
    while (performance.now() - started < 10_000) {
      const target = targets[writes % 3]!;
      const kind = writes % 5;
      if (kind === 4) {
        // An invalid version in between: ignored.
        writeFileSync(gw.configPath, "routes: { chat: { targets: [] } }\n");
      } else if (kind === 3 && !linked) {
        const v = join(dir, `..v${writes}`);
        mkdirSync(v);
        writeFileSync(join(v, "config.yaml"), configText(config(target)));
        symlinkSync(v, join(dir, "config.tmp"));
        renameSync(join(dir, "config.tmp"), join(dir, "..data"));
        symlinkSync("..data/config.yaml", join(dir, "config.yaml.tmp"));
        renameSync(join(dir, "config.yaml.tmp"), gw.configPath);
        linked = true;
      } else if (kind === 2) {
        writeFileSync(join(dir, "save.tmp"), configText(config(target)));
        renameSync(join(dir, "save.tmp"), gw.configPath);
      } else {
        writeFileSync(gw.configPath, configText(config(target)));
      }
      writes++;
      await Bun.sleep(400);
    }
    // The last valid version is live within a second.
    gw.writeConfig(config("c"));
    await until(() => answeredBy(gw), "c", 1000);
    stop.now = true;
    await Promise.all(loops);
    expect(failures).toEqual([]);
    expect(writes).toBeGreaterThanOrEqual(20);
    expect(streams).toBeGreaterThan(10);
    expect(requests).toBeGreaterThan(100);
    expect(readdirSync(dir).length).toBeGreaterThan(0);
  }, 30_000);

  test("a stream opened before a reload finishes on the config it started with", async () => {
    await using gw = await startGateway(config("a"));
    const s = await openaiClient(gw).chat.completions.create({ model: "chat", messages: hello, stream: true }).withResponse();
    expect(s.response.headers.get("x-butter-provider")).toBe("a");
    gw.writeConfig(config("b", { providers: { b: provider("b") } }));
    await reloaded(gw, 0);
    let text = "";
    for await (const chunk of s.data) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text).toContain("t9");
    expect(await answeredBy(gw)).toBe("b");
    // `a` is gone from the new config.
    await expect(answeredBy(gw, "a/m")).rejects.toThrow(/no provider named 'a'/);
  });
});

describe("resources", () => {
  test("200 reloads in a row: RSS, open descriptors and Redis connections stay flat", async () => {
    const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
    const withRedis = (n: number) => config(n % 2 === 0 ? "a" : "b", {
      redis: { url: redisUrl },
      plugins: [
        { name: "ratelimit", config: { mode: "global", rate: 1000, burst: 1000, backend: "redis", key_prefix: `butter:test:reload:${process.pid}:` } },
        { name: "metrics" },
        { name: "logging" },
      ],
    });
    await using gw = await startGateway(withRedis(0), { args: ["--no-watch"] });
    const pid = gw.proc.pid;
    const fds = () => readdirSync(`/proc/${pid}/fd`).length;
    const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;
    const redisClients = async () => {
      const { RedisClient } = await import("bun");
      const r = new RedisClient(redisUrl);
      try {
        return String(await r.send("CLIENT", ["LIST"])).trim().split("\n").length;
      } finally {
        r.close();
      }
    };
    const cycle = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const before = countReloads(gw);
        gw.writeConfig(withRedis(i));
        gw.signal("SIGHUP");
        await reloaded(gw, before);
        if (i % 10 === 0) await answeredBy(gw);
      }
      await Bun.sleep(300);
    };
    await cycle(20);
    const base = { fds: fds(), rss: rss(), redis: await redisClients() };
    await cycle(180);
    const after = { fds: fds(), rss: rss(), redis: await redisClients() };
    expect(after.fds).toBeLessThanOrEqual(base.fds + 5);
    expect(after.redis).toBeLessThanOrEqual(base.redis + 2);
    expect(after.rss).toBeLessThan(base.rss + 40 * 1024 * 1024);
  }, 60_000);
});

