// The durable store's contract, run against both backends: SQLite (a temp file, the clock injected so
// expiry needs no sleeping) and the real Redis at REDIS_URL (skipped with a visible reason when none
// answers, except under CI=true). Then what only one backend has: files, schema, restart, URLs.
import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RedisStore, withoutPassword } from "../../src/store/redis-store.ts";
import { SqliteStore } from "../../src/store/sqlite-store.ts";
import type { StoreBackend, StoredResponse } from "../../src/store/types.ts";
import { describeRedis, REDIS_URL, redisClient } from "../plugins/redis-support.ts";

const dir = mkdtempSync(join(tmpdir(), "butter-store-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshPath = () => join(dir, `s${++files}.db`);

function record(id: string, extra: Partial<StoredResponse> = {}): StoredResponse {
  return {
    id,
    response: { id, object: "response", status: "completed", output: [{ type: "message", role: "assistant", content: [{ type: "output_text", text: `answer ${id}` }] }] },
    input: [{ type: "message", role: "user", content: `question ${id} — ünïcödé 🧈` }],
    previousResponseId: undefined,
    createdAt: 1_790_000_000,
    ...extra,
  };
}

interface Harness {
  store: StoreBackend;
  /** Lets `ms` of the store's time pass. */
  advance(ms: number): Promise<void>;
}

interface Backend {
  name: string;
  describe: typeof describe | typeof describe.skip;
  make(ttlMs: number): Harness;
}

const sqlite: Backend = {
  name: "sqlite",
  describe,
  make(ttlMs) {
    let now = 1_790_000_000_000;
    const store = new SqliteStore(freshPath(), { ttlMs, now: () => now });
    return { store, advance: async (ms) => void (now += ms) };
  },
};

const redisPrefix = `butter-test:${process.pid}:${Date.now()}:`;
let redisStores = 0;
const redis: Backend = {
  name: "redis",
  describe: describeRedis,
  make(ttlMs) {
    const store = new RedisStore(REDIS_URL, { ttlMs, keyPrefix: `${redisPrefix}${++redisStores}:` });
    return { store, advance: (ms) => Bun.sleep(ms) };
  },
};

for (const backend of [sqlite, redis]) {
  backend.describe(`durable store contract: ${backend.name}`, () => {
    // Real time for Redis: long enough that a loaded machine's scheduling delay does not expire a live record.
    const TTL = 400;
    const open: StoreBackend[] = [];
    const make = (ttlMs = 60_000) => {
      const h = backend.make(ttlMs);
      open.push(h.store);
      return h;
    };
    afterAll(async () => {
      await Promise.all(open.map((s) => s.close()));
      if (backend === redis) {
        const client = redisClient();
        const keys = (await client.send("KEYS", [`${redisPrefix}*`])) as string[];
        if (keys.length) await client.send("DEL", keys);
        client.close();
      }
    });

    test("put then get answers the same record; a put with the same id replaces it", async () => {
      const { store } = make();
      const r = record("resp_1", { previousResponseId: "resp_0" });
      await store.responses.put(r);
      expect(await store.responses.get("resp_1")).toEqual(r);
      const changed = record("resp_1", { createdAt: 5 });
      await store.responses.put(changed);
      expect((await store.responses.get("resp_1"))!.createdAt).toBe(5);
    });

    test("an unknown id answers undefined", async () => {
      const { store } = make();
      expect(await store.responses.get("resp_nope")).toBeUndefined();
      await store.responses.put(record("resp_a"));
      expect(await store.responses.get("resp_nope")).toBeUndefined();
      expect(await store.responses.get("resp_A")).toBeUndefined();
    });

    test("delete answers true when the record existed, false after, and the record is gone", async () => {
      const { store } = make();
      await store.responses.put(record("resp_d"));
      await store.responses.put(record("resp_keep"));
      expect(await store.responses.delete("resp_d")).toBe(true);
      expect(await store.responses.delete("resp_d")).toBe(false);
      expect(await store.responses.delete("resp_never")).toBe(false);
      expect(await store.responses.get("resp_d")).toBeUndefined();
      expect(await store.responses.get("resp_keep")).toEqual(record("resp_keep"));
    });

    test("a record expires after the TTL: get answers undefined and delete false", async () => {
      const { store, advance } = make(TTL);
      await store.responses.put(record("resp_t"));
      await advance(TTL / 4);
      expect(await store.responses.get("resp_t")).toBeDefined();
      await advance(TTL * 1.5);
      expect(await store.responses.get("resp_t")).toBeUndefined();
      expect(await store.responses.delete("resp_t")).toBe(false);
    });

    test("touch restarts the TTL of the ids given, not of others, and never revives an expired one", async () => {
      const { store, advance } = make(TTL);
      await store.responses.put(record("resp_1"));
      await store.responses.put(record("resp_2"));
      await store.responses.put(record("resp_3"));
      await advance(TTL * 0.6);
      await store.responses.touch(["resp_1", "resp_2", "resp_unknown"]);
      await advance(TTL * 0.6);
      // 1.2 TTL after the put: only the touched ones remain.
      expect(await store.responses.get("resp_1")).toBeDefined();
      expect(await store.responses.get("resp_2")).toBeDefined();
      expect(await store.responses.get("resp_3")).toBeUndefined();
      await store.responses.touch(["resp_3"]);
      expect(await store.responses.get("resp_3")).toBeUndefined();
      await advance(TTL * 0.8);
      expect(await store.responses.get("resp_1")).toBeUndefined();
      await store.responses.touch([]);
    });

    test("a large record (1 MB of input) round-trips intact", async () => {
      const { store } = make();
      const text = "x".repeat(1024 * 1024 - 7) + "🧈end";
      const r = record("resp_big", { input: [{ type: "message", role: "user", content: text }] });
      await store.responses.put(r);
      const back = await store.responses.get("resp_big");
      expect((back!.input[0] as { content: string }).content).toBe(text);
    });

    test("ids are opaque: quotes, SQL and glob characters neither inject nor match other ids", async () => {
      const { store } = make();
      const odd = ["'; DROP TABLE responses; --", "a:*", "a:?", "a:[b]", "%", "_", "resp with spaces\nand\0nul", "\"", "..\\..", "ü🧈"];
      await store.responses.put(record("a:b"));
      await store.responses.put(record("abc"));
      for (const id of odd) await store.responses.put(record(id));
      for (const id of odd) expect((await store.responses.get(id))!.id).toBe(id);
      expect(await store.responses.get("a:c")).toBeUndefined();
      expect(await store.responses.get("a*")).toBeUndefined();
      expect(await store.responses.delete("a:*")).toBe(true);
      expect(await store.responses.get("a:b")).toEqual(record("a:b"));
      expect(await store.responses.delete("%")).toBe(true);
      expect(await store.responses.get("abc")).toEqual(record("abc"));
      await store.responses.touch(odd);
      expect((await store.responses.get("'; DROP TABLE responses; --"))!.id).toBe("'; DROP TABLE responses; --");
    });

    test("concurrent puts all land; concurrent puts of one id leave one whole record", async () => {
      const { store } = make();
      const ids = Array.from({ length: 100 }, (_, i) => `resp_c${i}`);
      await Promise.all(ids.map((id) => store.responses.put(record(id))));
      const back = await Promise.all(ids.map((id) => store.responses.get(id)));
      expect(back.map((r) => r?.id)).toEqual(ids);
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.responses.put(record("resp_same", { createdAt: i }))));
      const same = await store.responses.get("resp_same");
      expect(same!.createdAt).toBeGreaterThanOrEqual(0);
      expect(same!.createdAt).toBeLessThan(20);
      expect(same).toEqual(record("resp_same", { createdAt: same!.createdAt }));
    });

    test("stores with another TTL over one connection see the same records", async () => {
      const { store, advance } = make(TTL);
      const longer = store.responsesWithTtl(60_000);
      await longer.put(record("resp_long"));
      await store.responses.put(record("resp_short"));
      await advance(TTL * 1.5);
      expect(await store.responses.get("resp_long")).toEqual(record("resp_long"));
      expect(await longer.get("resp_short")).toBeUndefined();
    });

    test("after close, every operation fails instead of silently doing nothing", async () => {
      const { store } = make();
      await store.responses.put(record("resp_x"));
      await store.close();
      await store.close();
      await expect(store.responses.get("resp_x")).rejects.toThrow(/closed/);
      await expect(store.responses.put(record("resp_y"))).rejects.toThrow(/closed/);
    });
  });
}

describe("sqlite store", () => {
  test("a record survives close and reopen (a restart), with its remaining TTL", async () => {
    const path = freshPath();
    let now = 1_000_000;
    const first = new SqliteStore(path, { ttlMs: 10_000, now: () => now });
    await first.responses.put(record("resp_r", { previousResponseId: "resp_q" }));
    await first.close();
    const second = new SqliteStore(path, { ttlMs: 10_000, now: () => now });
    expect(await second.responses.get("resp_r")).toEqual(record("resp_r", { previousResponseId: "resp_q" }));
    now += 10_001;
    expect(await second.responses.get("resp_r")).toBeUndefined();
    await second.close();
  });

  test("no file is created until something is written; reads, deletes and touches create none", async () => {
    const path = freshPath();
    const store = new SqliteStore(path, { ttlMs: 1000 });
    expect(await store.responses.get("resp_1")).toBeUndefined();
    expect(await store.responses.delete("resp_1")).toBe(false);
    await store.responses.touch(["resp_1"]);
    expect(existsSync(path)).toBe(false);
    await store.responses.put(record("resp_1"));
    expect(existsSync(path)).toBe(true);
    await store.close();
    const untouched = new SqliteStore(freshPath(), { ttlMs: 1000 });
    await untouched.close();
    expect(readdirSync(dir).filter((f) => f === `s${files}.db` || f.startsWith(`s${files}.db-`))).toEqual([]);
  });

  test("a parent directory that does not exist is a clear error naming it", () => {
    const missing = join(dir, "no-such-dir", "butter.db");
    expect(() => new SqliteStore(missing, { ttlMs: 1000 })).toThrow(`the directory of "${missing}" (${join(dir, "no-such-dir")}) does not exist`);
  });

  test("the file is in WAL mode with schema version 5, commits are synced at checkpoints only, and expired rows are purged on a later put", async () => {
    const path = freshPath();
    let now = 5_000_000;
    const store = new SqliteStore(path, { ttlMs: 1000, now: () => now });
    for (let i = 0; i < 10; i++) await store.responses.put(record(`resp_old${i}`));
    now += 61_000;
    await store.responses.put(record("resp_new"));
    const peek = new Database(path, { readonly: true });
    expect(peek.query("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    expect(peek.query("PRAGMA user_version").get()).toEqual({ user_version: 5 });
    // A per-connection setting: read on the store's own connection. 1 = NORMAL (SQLite's default is 2, FULL).
    expect(store.database(false)!.query("PRAGMA synchronous").get()).toEqual({ synchronous: 1 });
    expect(peek.query("SELECT id FROM responses").all()).toEqual([{ id: "resp_new" }]);
    peek.close();
    await store.close();
  });

  test("writes queued in one turn of the event loop go in one transaction, and each resolves once it is committed", async () => {
    const path = freshPath();
    const store = new SqliteStore(path, { ttlMs: 60_000 });
    await store.responses.put(record("resp_first"));
    const peek = new Database(path, { readonly: true });
    // Bumped by every commit another connection makes.
    const commits = () => (peek.query("PRAGMA data_version").get() as { data_version: number }).data_version;
    const before = commits();
    const ids = Array.from({ length: 50 }, (_, i) => `resp_batch${i}`);
    const writes = [...ids.map((id) => store.responses.put(record(id))), store.responses.touch(["resp_first"])];
    expect(peek.query("SELECT count(*) AS n FROM responses").get()).toEqual({ n: 1 });
    await Promise.all(writes);
    expect(commits() - before).toBe(1);
    expect(peek.query("SELECT count(*) AS n FROM responses").get()).toEqual({ n: 51 });
    peek.close();
    await store.close();
  });

  test("writes still queued when the store closes are committed first", async () => {
    const path = freshPath();
    const store = new SqliteStore(path, { ttlMs: 60_000 });
    const pending = store.responses.put(record("resp_late"));
    await store.close();
    await pending;
    const reopened = new SqliteStore(path, { ttlMs: 60_000 });
    expect(await reopened.responses.get("resp_late")).toEqual(record("resp_late"));
    await reopened.close();
  });

  test("a batch that cannot be written fails every write in it", async () => {
    const path = freshPath();
    const store = new SqliteStore(path, { ttlMs: 60_000 });
    await store.responses.put(record("resp_ok"));
    // Another connection holds the write lock past the store's busy timeout.
    const holder = new Database(path);
    holder.run("PRAGMA busy_timeout = 0");
    holder.run("BEGIN IMMEDIATE");
    store.database(false)!.run("PRAGMA busy_timeout = 50");
    const results = await Promise.allSettled([store.responses.put(record("resp_a")), store.responses.put(record("resp_b"))]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    holder.run("ROLLBACK");
    holder.close();
    await store.responses.put(record("resp_c"));
    expect(await store.responses.get("resp_a")).toBeUndefined();
    expect(await store.responses.get("resp_c")).toEqual(record("resp_c"));
    await store.close();
  });

  test("a version 4 file (responses WITHOUT ROWID) is migrated: every stored turn kept, the table now a rowid table", async () => {
    const path = freshPath();
    const old = new Database(path);
    old.run("PRAGMA journal_mode = WAL");
    old.run("CREATE TABLE responses (id TEXT PRIMARY KEY, data TEXT NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID");
    old.run("CREATE INDEX responses_expires_at ON responses (expires_at)");
    const far = Date.now() + 3_600_000;
    for (let i = 0; i < 20; i++) old.run("INSERT INTO responses VALUES (?, ?, ?)", [`resp_v4_${i}`, JSON.stringify(record(`resp_v4_${i}`)), far]);
    old.run("PRAGMA user_version = 4");
    old.close();
    const store = new SqliteStore(path, { ttlMs: 60_000 });
    for (let i = 0; i < 20; i++) expect(await store.responses.get(`resp_v4_${i}`)).toEqual(record(`resp_v4_${i}`));
    await store.responses.put(record("resp_v4_0", { previousResponseId: "resp_x" }));
    expect(await store.responses.get("resp_v4_0")).toEqual(record("resp_v4_0", { previousResponseId: "resp_x" }));
    const peek = new Database(path, { readonly: true });
    expect(peek.query("PRAGMA user_version").get()).toEqual({ user_version: 5 });
    const table = peek.query("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'responses'").get() as { sql: string };
    expect(table.sql).not.toContain("WITHOUT ROWID");
    expect(peek.query("SELECT count(*) AS n FROM responses").get()).toEqual({ n: 20 });
    expect(peek.query("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'responses' AND name = 'responses_expires_at'").get()).toEqual({ name: "responses_expires_at" });
    peek.close();
    await store.close();
  });

  test("a file from a newer Butter (higher schema version) is refused with a clear error", async () => {
    const path = freshPath();
    const db = new Database(path);
    db.run("PRAGMA user_version = 99");
    db.close();
    const store = new SqliteStore(path, { ttlMs: 1000 });
    await expect(store.responses.get("resp_1")).rejects.toThrow("schema is version 99, newer than this Butter knows (5)");
    await store.close();
  });

  test("sqlite::memory: stores and creates no file", async () => {
    const before = readdirSync(process.cwd());
    const store = new SqliteStore(":memory:", { ttlMs: 1000 });
    expect(store.describe).toBe("sqlite::memory:");
    await store.responses.put(record("resp_m"));
    expect(await store.responses.get("resp_m")).toEqual(record("resp_m"));
    await store.close();
    expect(readdirSync(process.cwd())).toEqual(before);
  });

  test("two handles on one file (two gateways) see each other's writes", async () => {
    const path = freshPath();
    const a = new SqliteStore(path, { ttlMs: 60_000 });
    const b = new SqliteStore(path, { ttlMs: 60_000 });
    await Promise.all([a.responses.put(record("resp_a")), b.responses.put(record("resp_b"))]);
    expect(await a.responses.get("resp_b")).toEqual(record("resp_b"));
    expect(await b.responses.get("resp_a")).toEqual(record("resp_a"));
    await Promise.all([a.close(), b.close()]);
  });
});

describe("redis store, offline", () => {
  test("describe never shows the URL's password", () => {
    expect(withoutPassword("redis://user:s3cret@cache.internal:6380/2")).toBe("redis://user:***@cache.internal:6380/2");
    expect(withoutPassword("rediss://:s3cret@cache.internal")).toBe("rediss://:***@cache.internal");
    expect(withoutPassword("redis://127.0.0.1:6379")).toBe("redis://127.0.0.1:6379");
    expect(withoutPassword("s3cret-not-a-url")).not.toContain("s3cret");
    expect(new RedisStore("redis://:hunter22@localhost:1", { ttlMs: 1 }).describe).toBe("redis:redis://:***@localhost:1");
  });

  test("constructing connects nothing; a Redis that does not answer fails the operation, not the process", async () => {
    const store = new RedisStore("redis://127.0.0.1:1", { ttlMs: 1000 });
    const started = performance.now();
    await expect(store.responses.get("resp_1")).rejects.toThrow();
    // No retrying inside the client: a request waits at most the connection timeout.
    expect(performance.now() - started).toBeLessThan(2500);
    await expect(store.responses.put(record("resp_1"))).rejects.toThrow();
    await store.close();
  });
});

describeRedis("redis store, keys", () => {
  test("a dropped connection is made again by the next operations", async () => {
    const store = new RedisStore(REDIS_URL, { ttlMs: 30_000, keyPrefix: `${redisPrefix}reconnect:` });
    const client = redisClient();
    try {
      await store.responses.put(record("resp_1"));
      const id = await store.send<number>("CLIENT", ["ID"]);
      expect(await client.send("CLIENT", ["KILL", "ID", String(id)])).toBe(1);
      let back: StoredResponse | undefined;
      for (let i = 0; i < 3 && back === undefined; i++) {
        back = await store.responses.get("resp_1").catch(() => undefined);
        if (back === undefined) await Bun.sleep(50);
      }
      expect(back).toEqual(record("resp_1"));
      expect(await store.send<number>("CLIENT", ["ID"])).not.toBe(id);
    } finally {
      client.close();
      await store.close();
    }
  });


  test("a record is one key, butter:response:<id>, holding the JSON with a PX expiry", async () => {
    const prefix = `${redisPrefix}keys:`;
    const store = new RedisStore(REDIS_URL, { ttlMs: 30_000, keyPrefix: prefix });
    const client = redisClient();
    try {
      await store.responses.put(record("resp_k"));
      expect(JSON.parse((await client.send("GET", [`${prefix}response:resp_k`])) as string)).toEqual(record("resp_k"));
      const pttl = (await client.send("PTTL", [`${prefix}response:resp_k`])) as number;
      expect(pttl).toBeGreaterThan(25_000);
      expect(pttl).toBeLessThanOrEqual(30_000);
      expect(new RedisStore(REDIS_URL, { ttlMs: 1 }).keyPrefix).toBe("butter:");
    } finally {
      await client.send("DEL", [`${prefix}response:resp_k`]);
      client.close();
      await store.close();
    }
  });
});
