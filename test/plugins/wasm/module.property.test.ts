// Hostile modules: a real plugin's bytes mutated at random (flipped bytes, truncations, spliced
// runs) either fail the load with a ConfigError naming plugins[0].wasm, or load into a plugin whose
// calls return or throw within their timeout. Nothing hangs, crashes the process or escapes as
// anything but an error. Also: a module looping forever in its start function.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../../../src/config/load.ts";
import type { PluginConfig } from "../../../src/config/schema.ts";
import { loadWasmPlugin } from "../../../src/plugins/wasm/wasm-plugin.ts";
import type { LlmRequestPayload } from "../../../src/plugins/types.ts";
import { fuzzRuns } from "../../support/all-providers.ts";
import { fixture } from "./support.ts";

const runs = fuzzRuns(1515);
const entry = (wasm: string, extra: Partial<PluginConfig> = {}): PluginConfig =>
  ({ name: "hostile", enabled: true, wasm, fail_closed: false, allowed_hosts: [], config: { tag: "t" }, timeout: 20, ...extra }) as PluginConfig;
const payload: LlmRequestPayload = { request_id: "r", operation: "chat", client_ip: undefined, body: { model: "m", messages: [{ role: "user", content: "hi" }] } };

const mutation = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("splice" as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
);

type Mutation = { kind: string; at: number; value?: number; bytes?: Uint8Array };

function mutate(base: Uint8Array, ms: readonly Mutation[]): Uint8Array {
  let out = base.slice();
  for (const m of ms) {
    const at = m.at % out.length;
    if (m.kind === "flip") out[at] = m.value!;
    else if (m.kind === "truncate") out = out.slice(0, Math.max(at, 1));
    else {
      const next = new Uint8Array(out.length + m.bytes!.length);
      next.set(out.subarray(0, at));
      next.set(m.bytes!, at);
      next.set(out.subarray(at), at + m.bytes!.length);
      out = next;
    }
  }
  return out;
}

describe("hostile modules", () => {
  test("mutated modules fail as ConfigError or run within their budget", async () => {
    const dir = mkdtempSync(join(tmpdir(), "butter-wasm-fuzz-"));
    const base = new Uint8Array(await Bun.file(fixture("inspect")).arrayBuffer());
    let loaded = 0;
    let refused = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), async (ms) => {
          const path = join(dir, "m.wasm");
          writeFileSync(path, mutate(base, ms));
          let plugin;
          try {
            plugin = await loadWasmPlugin(entry(path), "plugins[0]");
          } catch (err) {
            expect(err).toBeInstanceOf(ConfigError);
            expect((err as Error).message).toStartWith("plugins[0].wasm: ");
            refused++;
            return;
          }
          loaded++;
          for (const hook of ["preHttp", "preLlm", "postLlm", "postHttp", "onStreamChunk"] as const) {
            const fn = plugin[hook] as ((p: unknown) => unknown) | undefined;
            if (fn === undefined) continue;
            const started = performance.now();
            try {
              fn({ ...payload, headers: {}, status: 200, index: 0, chunk: { choices: [] } });
            } catch (err) {
              expect(err).toBeInstanceOf(Error);
            }
            expect(performance.now() - started).toBeLessThan(2000);
          }
          await plugin.close?.();
        }),
        runs(300),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // Both outcomes happen: the property is not vacuous.
    expect(loaded).toBeGreaterThan(10);
    expect(refused).toBeGreaterThan(10);
  });

  test("a module that loops forever in its start function fails the load, within the start budget", async () => {
    const started = performance.now();
    await expect(loadWasmPlugin(entry(fixture("start-loop")), "plugins[2]")).rejects.toThrow(/plugins\[2\]\.wasm: .*fails at start: hook did not finish/);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  test("a huge input is refused by the kernel's memory limit, not copied without bound", async () => {
    const plugin = await loadWasmPlugin(entry(fixture("inspect"), { memory_limit: 1 << 20 }), "plugins[0]");
    const big = { ...payload, body: { model: "m", messages: [{ role: "user", content: "x".repeat(2 << 20) }] } } as LlmRequestPayload;
    expect(() => plugin.preLlm!(big)).toThrow(/over memory_limit/);
    // The instance is replaced and the plugin still answers.
    expect(() => plugin.preLlm!(payload)).not.toThrow();
  });
});
