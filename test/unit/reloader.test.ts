// The reload machinery in-process: environment re-read, what a reload reports, and when an old
// generation really closes.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfigText } from "../../src/config/load.ts";
import { buildGeneration } from "../../src/runtime/generation.ts";
import { describeChanges, GenerationHolder, Reloader } from "../../src/runtime/reloader.ts";
import type { Plugin } from "../../src/plugins/types.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function file(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "butter-reload-"));
  dirs.push(dir);
  const path = join(dir, "config.yaml");
  writeFileSync(path, text);
  return path;
}

const YAML = "providers:\n  openai:\n    keys: [{ value: ${KEY} }]\n";

describe("reloader", () => {
  test("${VAR} values are read again from the running process's environment on every reload", async () => {
    const env: Record<string, string> = { KEY: "first" };
    const path = file(YAML);
    const holder = new GenerationHolder(await buildGeneration(parseConfigText(YAML, env).config));
    const reloader = new Reloader(path, holder, { env, watch: false });
    expect(holder.current.config.providers.openai!.keys[0]!.value).toBe("first");
    env.KEY = "second";
    expect((await reloader.reload("api")).ok).toBe(true);
    expect(holder.current.config.providers.openai!.keys[0]!.value).toBe("second");
    reloader.close();
  });

  test("an invalid file keeps the running generation and reports the failing path", async () => {
    const path = file("providers: {}\n");
    const holder = new GenerationHolder(await buildGeneration(parseConfigText("providers: {}\n", {}).config));
    const before = holder.current;
    const reloader = new Reloader(path, holder, { watch: false });
    writeFileSync(path, "failover:\n  timeout: 0ms\n");
    const status = await reloader.reload("api");
    expect(status.ok).toBe(false);
    expect(status.error).toContain("failover.timeout");
    expect(holder.current).toBe(before);
    reloader.close();
  });

  test("what changed is named: providers, routes, plugins added/removed/changed, and sections", () => {
    const a = parseConfigText("providers: { openai: {}, groq: {} }\nroutes: { r: { targets: [{ provider: openai, model: m }] } }\nplugins: [{ name: logging }]\n", {}).config;
    const b = parseConfigText("providers: { openai: { timeout: 5s }, mistral: {} }\nplugins: [{ name: metrics }]\nfailover: { max_attempts: 2 }\n", {}).config;
    expect(describeChanges(a, b)).toEqual({
      providers_added: ["mistral"], providers_removed: ["groq"], providers_changed: ["openai"],
      routes_removed: ["r"], plugins_added: ["metrics"], plugins_removed: ["logging"], sections_changed: ["failover"],
    });
  });
});

describe("generation lifetime", () => {
  test("a retired generation closes when its last request leaves, not before; plugin state is carried over", async () => {
    let closed = 0;
    const carried: unknown[] = [];
    const probe = (c: Record<string, unknown>, inherited?: unknown): Plugin => {
      carried.push(inherited);
      return { name: "probe", carry: c.tag, async close() { closed++; } };
    };
    const config = (tag: string) => parseConfigText(`plugins: [{ name: probe, config: { tag: ${tag} } }]\n`, {}).config;
    const resolvePlugin = async () => ({ name: "probe", create: (c: Record<string, unknown>, env: { inherited?: unknown }) => probe(c, env.inherited) });
    const first = await buildGeneration(config("one"), { resolvePlugin });
    const holder = new GenerationHolder(first);
    first.enter();
    first.enter();
    const second = await buildGeneration(config("two"), { resolvePlugin, previous: first });
    expect(carried).toEqual([undefined, "one"]);
    holder.swap(second);
    expect(holder.current).toBe(second);
    first.leave();
    await Bun.sleep(5);
    expect(closed).toBe(0);
    first.leave();
    await first.retire();
    expect(closed).toBe(1);
    await second.close();
  });
});
