// `store:` and `responses:` in the config, and the `d` duration unit they brought.
import { describe, expect, test } from "bun:test";
import { ConfigError, parseConfigText } from "../../src/config/load.ts";
import { parseDuration } from "../../src/config/units.ts";

function errorOf(yaml: string): string {
  try {
    parseConfigText(yaml, {});
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("expected the config to be rejected");
}

const ACCEPTED = 'expected "sqlite:<path>" (e.g. "sqlite:./butter.db") or "redis"';

describe("store and responses config", () => {
  test("defaults: sqlite at ./butter.db, responses kept 30 days", () => {
    const { config } = parseConfigText("providers: {}", {});
    expect(config.store).toEqual({ kind: "sqlite", path: "./butter.db" });
    expect(config.responses).toEqual({ ttl: 30 * 24 * 3_600_000 });
  });

  test("accepted store forms", () => {
    const store = (value: string) => parseConfigText(`store: ${JSON.stringify(value)}\n`, {}).config.store;
    expect(store("sqlite:./data/butter.db")).toEqual({ kind: "sqlite", path: "./data/butter.db" });
    expect(store("sqlite:/var/lib/butter/state.db")).toEqual({ kind: "sqlite", path: "/var/lib/butter/state.db" });
    expect(store("sqlite::memory:")).toEqual({ kind: "sqlite", path: ":memory:" });
    expect(store("redis")).toEqual({ kind: "redis" });
    expect(parseConfigText("store: ${STORE}\n", { STORE: "redis" }).config.store).toEqual({ kind: "redis" });
  });

  test("anything else is an error naming store and the accepted forms", () => {
    for (const bad of ['"postgres://db/butter"', '"sqlite:"', '""', '"Redis"', '"redis://127.0.0.1:6379"', '"./butter.db"', '" redis"']) {
      expect(errorOf(`store: ${bad}\n`)).toBe(`store: ${ACCEPTED}, got ${JSON.stringify(JSON.parse(bad))}`);
    }
    expect(errorOf("store: 42\n")).toBe('store: expected "sqlite:<path>" or "redis"');
    expect(errorOf("store: { kind: redis }\n")).toStartWith("store: ");
    expect(errorOf("store: [redis]\n")).toStartWith("store: ");
  });

  test("responses.ttl takes a duration above zero, with d for days", () => {
    const ttl = (value: string) => parseConfigText(`responses: { ttl: ${value} }\n`, {}).config.responses.ttl;
    expect(ttl("7d")).toBe(7 * 86_400_000);
    expect(ttl("90m")).toBe(90 * 60_000);
    expect(errorOf("responses: { ttl: 0s }\n")).toBe("responses.ttl: expected a duration above zero");
    expect(errorOf("responses: { ttl: 30 }\n")).toContain("responses.ttl: expected a duration string");
    expect(errorOf("responses: { ttl: 2w }\n")).toBe('responses.ttl: expected a duration with a unit (ms, s, m, h, d), got "2w"');
    expect(errorOf("responses: { tll: 1d }\n")).toBe('responses: unknown field(s) "tll"');
    expect(errorOf("responses: 1d\n")).toStartWith("responses: ");
  });

  test("the d unit", () => {
    expect(parseDuration("1d")).toBe(86_400_000);
    expect(parseDuration("1.5d")).toBe(129_600_000);
    expect(parseDuration("30d")).toBe(2_592_000_000);
    expect(parseDuration("d")).toBeUndefined();
    expect(parseDuration("1dd")).toBeUndefined();
    expect(parseDuration("1D")).toBeUndefined();
    // The units that share letters still mean what they did.
    expect(parseDuration("5m")).toBe(300_000);
    expect(parseDuration("5ms")).toBe(5);
  });
});
