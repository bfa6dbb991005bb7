// A provider kind's code is loaded only when the config names it (src/providers/registry.ts), a cache backend's only when `cache:` picks it: each
// case builds a generation in a fresh process and lists the kinds whose modules are in memory.
import { expect, test } from "bun:test";
import { loadAllProviderFactories, PROVIDER_KINDS } from "../../src/providers/registry.ts";

async function loadedFor(yaml: string): Promise<{ loaded: string[]; providers: string[]; cache: string[] }> {
  const proc = Bun.spawn([process.execPath, new URL("./provider-loading.child.ts", import.meta.url).pathname, yaml], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`child exited ${code}: ${err}`);
  return JSON.parse(out);
}

test("only the configured kinds are loaded: by block name and by `type`", async () => {
  const one = await loadedFor("providers:\n  openai:\n    keys: [{ value: sk-x }]\n");
  expect(one).toEqual({ loaded: ["openai"], providers: ["openai"], cache: [] });
  const typed = await loadedFor("providers:\n  aws:\n    type: bedrock\n    region: us-east-1\n    keys: [{ value: k }]\n  claude:\n    type: anthropic\n    keys: [{ value: k }]\n");
  expect(typed.loaded.sort()).toEqual(["anthropic", "bedrock"]);
  expect(typed.providers.sort()).toEqual(["aws", "claude"]);
}, 20_000);

// lru-cache alone is several MB of resident memory: a gateway without a cache never loads it.
test("only the configured cache backend is loaded, none without a `cache:` section", async () => {
  const provider = "providers:\n  openai:\n    keys: [{ value: sk-x }]\n";
  expect((await loadedFor(provider)).cache).toEqual([]);
  expect((await loadedFor(provider + "cache:\n  backend: memory\n")).cache).toEqual(["memory-cache", "lru-cache"]);
  expect((await loadedFor(provider + "cache:\n  backend: redis\n")).cache).toEqual(["redis-cache"]);
}, 20_000);

test("an unknown kind still names every kind there is, loaded or not", async () => {
  const proc = loadedFor("providers:\n  acme:\n    keys: [{ value: k }]\n");
  await expect(proc).rejects.toThrow(`unknown provider kind "acme" (known: ${PROVIDER_KINDS.join(", ")};`);
  // A kind name that is a property of every object is not a kind.
  await expect(loadedFor("providers:\n  x:\n    type: constructor\n    keys: []\n")).rejects.toThrow('unknown provider kind "constructor"');
}, 20_000);

test("every kind loads, under its own name", async () => {
  const all = await loadAllProviderFactories();
  expect([...all.keys()]).toEqual([...PROVIDER_KINDS]);
  for (const [kind, factory] of all) expect(factory.kind).toBe(kind);
});
