// Which generation holds which store across reloads: an unchanged `store` (and `redis.url`) keeps one
// backend (one SQLite handle, one Redis connection), a changed one opens another, and a backend
// closes only when the last generation holding it has closed, whatever order they close in.
import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, parseConfigText } from "../../src/config/load.ts";
import { buildGeneration, type Generation } from "../../src/runtime/generation.ts";
import { GenerationHolder, Reloader } from "../../src/runtime/reloader.ts";
import type { StoredResponse } from "../../src/store/types.ts";

const dir = mkdtempSync(join(tmpdir(), "butter-store-gen-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const yaml = (file: string, extra = "") => `store: "sqlite:${join(dir, file)}"\n${extra}`;
const build = (text: string, previous?: Generation) => buildGeneration(parseConfigText(text, {}).config, { previous });
const record = (id: string): StoredResponse => ({ id, response: { id }, input: [], previousResponseId: undefined, createdAt: 1 });

/** Whether the generation's store still works (its backend is open). */
async function works(gen: Generation, id: string): Promise<boolean> {
  try {
    await gen.store.responses.put(record(id));
    return (await gen.store.responses.get(id))?.id === id;
  } catch (err) {
    expect(String(err)).toContain("is closed");
    return false;
  }
}

describe("the durable store across generations", () => {
  test("an unchanged setting shares one backend; the old generation closing leaves it open for the new one", async () => {
    const g1 = await build(yaml("a.db"));
    const g2 = await build(yaml("a.db", "failover: { max_attempts: 1 }\n"), g1);
    expect(g2.store.shares(g1.store)).toBe(true);
    expect(g2.store.describe).toBe(`sqlite:${join(dir, "a.db")}`);
    await g1.store.responses.put(record("resp_before"));
    await g1.retire();
    expect(await works(g2, "resp_after")).toBe(true);
    expect((await g2.store.responses.get("resp_before"))?.id).toBe("resp_before");
    await g2.close();
    expect(await works(g2, "resp_late")).toBe(false);
  });

  test("the newer generation closing first (an old one still draining) leaves the backend open for the old one", async () => {
    const g1 = await build(yaml("b.db"));
    const g2 = await build(yaml("b.db"), g1);
    const g3 = await build(yaml("b2.db"), g2);
    expect(g3.store.shares(g2.store)).toBe(false);
    await g2.close();
    await g3.close();
    expect(await works(g1, "resp_draining")).toBe(true);
    await g1.close();
    // Closing twice (retire after close, or a shutdown after a retire) lets go once.
    await g1.close();
    expect(await works(g1, "resp_gone")).toBe(false);
  });

  test("a changed store opens a new backend and the old one closes with the last generation holding it", async () => {
    const g1 = await build(yaml("c.db"));
    const g2 = await build(yaml("c-other.db"), g1);
    expect(g2.store.shares(g1.store)).toBe(false);
    await g1.close();
    expect(await works(g1, "resp_old")).toBe(false);
    expect(await works(g2, "resp_new")).toBe(true);
    expect(existsSync(join(dir, "c.db"))).toBe(false);
    await g2.close();
  });

  test("sqlite and redis are told apart; redis.url matters only to redis; responses.ttl alone keeps the backend but applies", async () => {
    const g1 = await build(yaml("d.db"));
    const g2 = await build(yaml("d.db", "redis: { url: \"redis://10.0.0.1:6379\" }\nresponses: { ttl: 1h }\n"), g1);
    expect(g2.store.shares(g1.store)).toBe(true);
    const r1 = await build("store: redis\n", g2);
    expect(r1.store.shares(g2.store)).toBe(false);
    expect(r1.store.kind).toBe("redis");
    const r2 = await build("store: redis\nresponses: { ttl: 2d }\n", r1);
    expect(r2.store.shares(r1.store)).toBe(true);
    const r3 = await build("store: redis\nredis: { url: \"redis://:pw-secret@127.0.0.1:1\" }\n", r2);
    expect(r3.store.shares(r2.store)).toBe(false);
    expect(r3.store.describe).toBe("redis:redis://:***@127.0.0.1:1");

    const before = Date.now();
    await g2.store.responses.put(record("resp_ttl"));
    const db = new Database(join(dir, "d.db"), { readonly: true });
    const { expires_at } = db.query<{ expires_at: number }, []>("SELECT expires_at FROM responses WHERE id = 'resp_ttl'").get()!;
    db.close();
    expect(expires_at).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(expires_at).toBeLessThan(before + 3_600_000 + 60_000);
    await Promise.all([g1, g2, r1, r2, r3].map((g) => g.close()));
  });

  test("a previous generation already closed is not revived: the new one opens its own backend", async () => {
    const g1 = await build(yaml("e.db"));
    await g1.close();
    const g2 = await build(yaml("e.db"), g1);
    expect(g2.store.shares(g1.store)).toBe(false);
    expect(await works(g2, "resp_1")).toBe(true);
    await g2.close();
  });

  test("a store whose directory does not exist fails the build with a ConfigError naming store", async () => {
    const err = await build('store: "sqlite:./no-such-dir-for-butter/x.db"\n').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toStartWith('store: the directory of "./no-such-dir-for-butter/x.db"');
  });

  test("building and closing a generation that never stores creates no file", async () => {
    const g = await build(yaml("never.db"));
    await g.close();
    expect(readdirSync(dir).filter((f) => f.startsWith("never.db"))).toEqual([]);
  });

  test("through the reloader: a reload that keeps the store keeps the backend, one that changes it switches", async () => {
    const path = join(dir, "config.yaml");
    writeFileSync(path, yaml("f.db"));
    const holder = new GenerationHolder(await build(yaml("f.db")));
    const reloader = new Reloader(path, holder, { watch: false, env: {} });
    const first = holder.current;
    await first.store.responses.put(record("resp_1"));
    writeFileSync(path, yaml("f.db", "responses: { ttl: 1d }\n"));
    expect((await reloader.reload("api")).ok).toBe(true);
    const second = holder.current;
    expect(second.store.shares(first.store)).toBe(true);
    await first.retire();
    expect((await second.store.responses.get("resp_1"))?.id).toBe("resp_1");
    writeFileSync(path, yaml("f-moved.db"));
    expect((await reloader.reload("api")).ok).toBe(true);
    const third = holder.current;
    expect(third.store.shares(second.store)).toBe(false);
    await second.retire();
    expect(await works(second, "resp_x")).toBe(false);
    expect(await third.store.responses.get("resp_1")).toBeUndefined();
    reloader.close();
    await third.close();
  });
});
