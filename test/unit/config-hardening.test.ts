// Config the gateway must refuse rather than half-apply: repeated keys (YAML keeps only one),
// non-http(s) base URLs, zero timeouts. Each error names the config path.
import { describe, expect, test } from "bun:test";
import { ConfigError, parseConfigText } from "../../src/config/load.ts";

function errorOf(yaml: string, env: Record<string, string> = {}): string {
  try {
    parseConfigText(yaml, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`expected the config to be rejected:\n${yaml}`);
}

describe("duplicate keys", () => {
  test("at the top level", () => {
    expect(errorOf("server: { address: ':0' }\nproviders: {}\nserver: { address: ':1' }\n")).toBe(
      "server: duplicate key (line 3); YAML keeps only one of them",
    );
  });

  test("nested in a mapping, in a list item and in a flow mapping", () => {
    const provider = "providers:\n  openai:\n    keys: [{ value: a }]\n    base_url: https://a.example/v1\n    keys: [{ value: b }]\n";
    expect(errorOf(provider)).toStartWith("providers.openai.keys: duplicate key (line 5)");
    const listItem = "providers:\n  openai:\n    keys:\n      - value: a\n        weight: 1\n        value: b\n";
    expect(errorOf(listItem)).toStartWith("providers.openai.keys[0].value: duplicate key (line 6)");
    const flow = "routes:\n  fast: { targets: [{ provider: openai, model: a, model: b }] }\n";
    expect(errorOf(flow)).toStartWith("routes.fast.targets[0].model: duplicate key (line 2)");
    // a provider name repeated under providers is the classic paste mistake
    expect(errorOf("providers:\n  openai: { keys: [] }\n  groq: { keys: [] }\n  openai: { keys: [] }\n")).toStartWith(
      "providers.openai: duplicate key (line 4)",
    );
  });

  test("keys that become the same property name collide; quoting does not hide a repeat", () => {
    expect(errorOf("failover:\n  timeout: 1s\n  \"timeout\": 2s\n")).toStartWith("failover.timeout: duplicate key");
  });

  test("equal keys in different mappings, and keys overriding a merge (<<), are fine", () => {
    const ok = "providers:\n  openai: { keys: [{ value: a }] }\n  groq: { keys: [{ value: a }] }\nroutes:\n  r: { targets: [{ provider: openai, model: m }] }\n";
    expect(() => parseConfigText(ok, {})).not.toThrow();
    const merge = "providers:\n  openai: &base\n    keys: [{ value: a }]\n    timeout: 1s\n  openai-eu:\n    <<: *base\n    type: openai\n    timeout: 2s\n";
    const { config } = parseConfigText(merge, {});
    expect(config.providers["openai-eu"]!.timeout).toBe(2000);
    expect(config.providers["openai-eu"]!.keys[0]!.value).toBe("a");
  });

  test("a repeat produced by ${VAR} interpolation is caught too", () => {
    expect(errorOf("server:\n  ${K}: ':0'\n  address: ':1'\n", { K: "address" })).toStartWith("server.address: duplicate key (line 3)");
  });
});

describe("base URLs are absolute http(s)", () => {
  for (const url of ["file:///etc/passwd", "ftp://example.com/v1", "gopher://example.com", "//example.com/v1", "example.com/v1", "javascript:alert(1)"]) {
    test(url, () => {
      expect(errorOf(`providers:\n  openai:\n    base_url: "${url}"\n    keys: [{ value: k }]\n`)).toBe(
        "providers.openai.base_url: expected an absolute http(s) URL",
      );
    });
  }

  test("http and https are accepted", () => {
    const { config } = parseConfigText("providers:\n  a: { type: openai, base_url: 'http://127.0.0.1:9/v1' }\n  b: { type: openai, base_url: 'https://x.example' }\n", {});
    expect(config.providers.a!.base_url).toBe("http://127.0.0.1:9/v1");
  });
});

describe("timeouts are above zero", () => {
  const cases: Array<[string, string]> = [
    ["server:\n  body_timeout: 0ms\n", "server.body_timeout"],
    ["server:\n  shutdown_timeout: 0s\n", "server.shutdown_timeout"],
    ["server:\n  idle_timeout: 0s\n", "server.idle_timeout"],
    ["failover:\n  timeout: 0ms\n", "failover.timeout"],
    ["failover:\n  stream_idle_timeout: 0ms\n", "failover.stream_idle_timeout"],
    ["failover:\n  deadline: 0h\n", "failover.deadline"],
    ["failover:\n  circuit: { cooldown: 0ms }\n", "failover.circuit.cooldown"],
    ["providers:\n  openai:\n    timeout: 0ms\n", "providers.openai.timeout"],
  ];
  for (const [yaml, path] of cases) {
    test(path, () => {
      expect(errorOf(yaml)).toBe(`${path}: expected a duration above zero`);
    });
  }

  test("idle_timeout is whole seconds up to Bun's 255 s", () => {
    expect(errorOf("server:\n  idle_timeout: 256s\n")).toBe("server.idle_timeout: expected at most 255s");
    expect(parseConfigText("server:\n  idle_timeout: 255s\n", {}).config.server.idle_timeout).toBe(255_000);
    expect(parseConfigText("{}", {}).config.server.idle_timeout).toBe(60_000);
  });

  test("a bare number is not a duration", () => {
    expect(errorOf("server:\n  body_timeout: 30\n")).toStartWith("server.body_timeout: expected a duration");
  });
});
