// `server.workers` as configured, the worker marker a supervisor writes, and the per-worker state warning.
import { describe, expect, test } from "bun:test";
import { availableParallelism } from "node:os";
import { parseConfigText } from "../../src/config/load.ts";
import { perWorkerState } from "../../src/runtime/per-worker-state.ts";
import { encodeWorker, WORKER_ENV, workerCount, workerIdentity } from "../../src/runtime/worker-identity.ts";

const serverOf = (yaml: string) => parseConfigText(yaml).config.server;

describe("server.workers", () => {
  test("default 1, a number, or auto (one per CPU)", () => {
    expect(serverOf("{}").workers).toBe(1);
    expect(serverOf("server: {workers: 4}").workers).toBe(4);
    expect(serverOf("server: {workers: auto}").workers).toBe("auto");
    expect(workerCount("auto")).toBe(availableParallelism());
    expect(workerCount(3)).toBe(3);
  });

  test("anything else names the field", () => {
    for (const [yaml, message] of [
      ["server: {workers: 0}", "server.workers: expected a positive integer"],
      ["server: {workers: -2}", "server.workers: expected a positive integer"],
      ["server: {workers: 2.5}", "server.workers: expected \"auto\" or a positive integer"],
      ["server: {workers: many}", "server.workers: expected \"auto\" or a positive integer"],
      ["server: {workers: \"2\"}", "server.workers: expected \"auto\" or a positive integer"],
      ["server: {workers: 100000}", "server.workers: expected at most 1024"],
      ["server: {workers: 2, address: \"127.0.0.1:0\"}", "server.workers: several workers need a fixed port"],
      ["server: {workers: auto, address: \":0\"}", "server.workers: several workers need a fixed port"],
    ] as const) {
      expect(() => parseConfigText(yaml)).toThrow(message);
    }
    // Port 0 is fine for one process.
    expect(serverOf("server: {workers: 1, address: \"127.0.0.1:0\"}").address.port).toBe(0);
  });
});

describe("the worker marker", () => {
  test("round-trips; absent or empty means a single process", () => {
    const id = { index: 3, hostname: "::1", port: 8080 };
    expect(workerIdentity({ [WORKER_ENV]: encodeWorker(id) })).toEqual(id);
    expect(workerIdentity({})).toBeUndefined();
    expect(workerIdentity({ [WORKER_ENV]: "" })).toBeUndefined();
  });

  test("garbage is refused, not half-used", () => {
    for (const value of ["{", "null", "[]", "1", '{"index":"1","hostname":"h","port":1}', '{"index":1,"port":1}', '{"index":1,"hostname":"h","port":1.5}', "x".repeat(100_000)]) {
      expect(() => workerIdentity({ [WORKER_ENV]: value })).toThrow(`${WORKER_ENV} is set but is not what a butter supervisor writes`);
    }
  });
});

describe("per-worker state", () => {
  const configOf = (yaml: string) => parseConfigText(`server: {address: "127.0.0.1:8080"}\n${yaml}`).config;

  test("everything shared through Redis: nothing to say", () => {
    expect(perWorkerState(configOf("store: redis\ncache: {backend: redis}\nplugins: [{name: ratelimit, config: {rate: 5, backend: redis}}]"), 4)).toEqual([]);
  });

  test("memory and SQLite state is named, with the fix", () => {
    const notes = perWorkerState(configOf([
      "store: \"sqlite:./x.db\"",
      "cache: {backend: memory}",
      "admin: {token: secret-token-for-the-test}",
      "plugins: [{name: logging}, {name: ratelimit, config: {rate: 5}}, {name: ratelimit, enabled: false, config: {rate: 1}}, {name: metrics}]",
    ].join("\n")), 4);
    expect(notes).toEqual([
      expect.stringContaining("store sqlite: the workers share the file, but a budget sees another worker's spend only after that worker's ledger flush"),
      expect.stringContaining("cache.backend memory: each worker has its own cache; use backend: redis"),
      expect.stringContaining("plugins[1] ratelimit with backend memory: each worker has its own buckets, so the workers together admit up to 4 times the rate; use backend: redis"),
      expect.stringContaining("admin: the request log"),
    ]);
    expect(notes.join("\n")).not.toContain("secret-token-for-the-test");
    // /metrics gathers every worker's numbers: nothing to warn about.
    expect(notes.join("\n")).not.toContain("metrics");
    expect(perWorkerState(configOf("store: \"sqlite::memory:\""), 2)[0]).toContain("store sqlite::memory: is a separate database in each worker");
  });
});
