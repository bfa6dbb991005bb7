import { describe, expect, test } from "bun:test";
import { parseConfigText, ConfigError } from "../../src/config/load.ts";
import { interpolate } from "../../src/config/interpolate.ts";
import { parseAddress, parseDuration, parseSize } from "../../src/config/units.ts";
import { buildSnapshot } from "../../src/config/snapshot.ts";
import { loadAllProviderFactories } from "../../src/providers/registry.ts";
import { parseArgs } from "../../src/cli.ts";

const providerFactories = await loadAllProviderFactories();

function errorOf(yaml: string): string {
  try {
    parseConfigText(yaml, {});
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("expected the config to be rejected");
}

describe("config", () => {
  test("defaults apply when sections are absent", () => {
    const { config } = parseConfigText("providers: {}", {});
    expect(config.server.address).toEqual({ hostname: "127.0.0.1", port: 8080 });
    expect(config.server.max_body_bytes).toBe(10 * 1024 * 1024);
    expect(config.server.body_timeout).toBe(30_000);
    expect(config.server.max_upstream_bytes).toBe(32 * 1024 * 1024);
    expect(config.failover).toEqual({
      retry_on: [429, 500, 502, 503, 504], max_attempts: 3, backoff: { initial: 100, max: 2000, multiplier: 2 },
      timeout: 120_000, stream_idle_timeout: 60_000, deadline: 600_000, circuit: { failures: 5, cooldown: 30_000 },
    });
  });

  test("validation names the failing path", () => {
    expect(errorOf("providers:\n  openai:\n    keys:\n      - value: x\n        weight: -1\n")).toBe(
      "providers.openai.keys[0].weight: expected a positive number",
    );
    expect(errorOf("failover:\n  timeout: 30\n")).toContain("failover.timeout: expected a duration");
    expect(errorOf("failover:\n  backoff: { initial: 10 parsecs }\n")).toContain("failover.backoff.initial");
    expect(errorOf("server:\n  adress: x\n")).toContain('server: unknown field(s) "adress"');
    expect(errorOf("routes:\n  fast: { strategy: random, targets: [] }\n")).toContain("routes.fast.strategy");
  });

  test("sections nothing implements yet are refused, not silently ignored", () => {
    // The cache exists now; a section naming no backend is refused rather than read as "no cache".
    expect(errorOf("cache:\n  ttl: 5m\n")).toContain("cache.backend");
    // app_keys and admin exist now; `app_keys.store` is not a setting (DESIGN: one top-level `store`).
    expect(errorOf("app_keys:\n  store: redis\n")).toContain("app_keys");
    expect(errorOf("admin:\n  tokne: x\n")).toContain("admin");
  });

  test("${VAR} and ${VAR:-default} interpolation, unset reported", () => {
    const { text, unset } = interpolate("a: ${A}\nb: ${B:-fallback}\nc: ${C}\n# ${IN_COMMENT}\n", { A: "one" });
    expect(text).toBe("a: one\nb: fallback\nc: \n# ${IN_COMMENT}\n");
    expect(unset).toEqual(["C"]);
    const { config, warnings } = parseConfigText("providers:\n  openai:\n    keys: [{ value: ${KEY} }]\n", {});
    expect(config.providers.openai!.keys[0]!.value).toBe("");
    expect(warnings).toEqual(["environment variable KEY is not set; using an empty string"]);
  });

  test("units", () => {
    expect(parseDuration("250ms")).toBe(250);
    expect(parseDuration("1.5s")).toBe(1500);
    expect(parseDuration("5m")).toBe(300_000);
    expect(parseDuration("1h")).toBe(3_600_000);
    expect(parseDuration("30")).toBeUndefined();
    expect(parseSize("64MB")).toBe(64_000_000);
    expect(parseSize("1MiB")).toBe(1_048_576);
    expect(parseSize(1024)).toBe(1024);
    expect(parseAddress(":8080")).toEqual({ hostname: "0.0.0.0", port: 8080 });
    expect(parseAddress("127.0.0.1:0")).toEqual({ hostname: "127.0.0.1", port: 0 });
    expect(parseAddress("nope")).toBeUndefined();
  });

  test("snapshot: provider kinds, `type` for a second account, empty keys skipped, routes checked", () => {
    const { config } = parseConfigText(
      `providers:
  openai: { keys: [{ value: "" }, { value: sk-1 }] }
  openai-eu: { type: openai, base_url: "https://eu.example.com/v1", keys: [{ value: sk-2 }] }
routes:
  fast: { targets: [{ provider: openai-eu, model: gpt-4o-mini }] }
`, {});
    const snap = buildSnapshot(config, providerFactories);
    expect(snap.providers.get("openai-eu")!.kind).toBe("openai");
    expect(snap.keys.get("openai")!.map((k) => k.index)).toEqual([1]);
    expect(snap.routes.get("fast")!.targets[0]!.provider.name).toBe("openai-eu");

    const bad = parseConfigText("providers:\n  acme: {}\nroutes:\n  r: { targets: [{ provider: ghost, model: m }] }\n", {}).config;
    expect(() => buildSnapshot(bad, providerFactories)).toThrow(/providers\.acme: unknown provider kind "acme".*routes\.r\.targets\[0\]\.provider: no provider named "ghost"/);
  });

  test("command line", () => {
    expect(parseArgs([]).configPath).toBe("config.yaml");
    expect(parseArgs(["--config", "a.yaml"]).configPath).toBe("a.yaml");
    expect(parseArgs(["-config", "b.yaml"]).configPath).toBe("b.yaml");
    expect(parseArgs(["--config=c.yaml"]).configPath).toBe("c.yaml");
    expect(() => parseArgs(["--config"])).toThrow(/needs a file path/);
    expect(() => parseArgs(["--bogus"])).toThrow(/unknown argument/);
  });
});
