// Each provider kind owns its config fields: the core schema parses the shared ones, the kind's own
// schema the rest when the snapshot is built, and every error names the exact path.
import { describe, expect, test } from "bun:test";
import { ConfigError, parseConfigText } from "../../src/config/load.ts";
import { buildSnapshot } from "../../src/config/snapshot.ts";
import { loadAllProviderFactories } from "../../src/providers/registry.ts";

const providerFactories = await loadAllProviderFactories();

const snapshotOf = (yaml: string) => buildSnapshot(parseConfigText(yaml, {}).config, providerFactories);

function errorOf(yaml: string): string {
  try {
    snapshotOf(yaml);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`expected the config to be rejected:\n${yaml}`);
}

/** The fields each kind needs to be valid, so a test can add one wrong thing. */
const VALID: Record<string, string> = {
  bedrock: "region: us-east-1",
  vertex: "project: my-project\n    region: us-central1",
  azure: "base_url: https://r.openai.azure.com",
};

describe("a kind's own block fields", () => {
  test("bedrock: region is required, and must be an AWS region name", () => {
    expect(errorOf("providers:\n  bedrock:\n    keys: [{ value: k }]\n")).toBe(
      'providers.bedrock.region: required for bedrock (e.g. "us-east-1"); it picks the endpoint and is part of every request signature',
    );
    expect(errorOf("providers:\n  bedrock:\n    region: ${UNSET}\n")).toStartWith("providers.bedrock.region: required for bedrock");
    expect(errorOf("providers:\n  aws:\n    type: bedrock\n    region: Virginia\n")).toBe(
      'providers.aws.region: "Virginia" is not an AWS region name (e.g. "us-east-1")',
    );
    expect(errorOf("providers:\n  bedrock:\n    region: 1\n")).toBe("providers.bedrock.region: expected a string");
  });

  test("vertex: project and region are required and checked; both problems are reported at once", () => {
    expect(errorOf("providers:\n  vertex:\n    project: my project\n    region: us-central1\n")).toBe(
      'providers.vertex.project: "my project" is not a Google Cloud project id (e.g. my-project, or example.com:my-project)',
    );
    expect(errorOf("providers:\n  vertex:\n    keys: [{ access_token: t }]\n")).toBe(
      "providers.vertex.project: required for Vertex AI (the Google Cloud project id, e.g. my-project); " +
        "providers.vertex.region: required for Vertex AI (a location such as us-central1, or global)",
    );
    expect(errorOf("providers:\n  vertex:\n    project: p\n    region: US_CENTRAL\n")).toBe(
      'providers.vertex.region: "US_CENTRAL" is not a Google Cloud location (e.g. us-central1, or global)',
    );
    expect(() => snapshotOf("providers:\n  vertex:\n    project: example.com:my-project\n    region: global\n")).not.toThrow();
  });

  test("azure: base_url is required; api_version is a string and defaults to the GA version", () => {
    expect(errorOf("providers:\n  azure:\n    keys: [{ value: k }]\n")).toBe(
      "providers.azure.base_url: required for azure (the resource endpoint, e.g. https://my-resource.openai.azure.com)",
    );
    expect(errorOf("providers:\n  azure:\n    base_url: https://r.openai.azure.com\n    api_version: [v1]\n")).toBe(
      'providers.azure.api_version: expected a string such as "2024-10-21" or "v1"',
    );
  });

  test("a field another kind owns is unknown here", () => {
    expect(errorOf("providers:\n  openai:\n    region: us-east-1\n    keys: [{ value: k }]\n")).toBe('providers.openai: unknown field(s) "region"');
    expect(errorOf("providers:\n  eu:\n    type: anthropic\n    project: p\n    api_version: v1\n")).toBe('providers.eu: unknown field(s) "project", "api_version"');
    expect(errorOf(`providers:\n  bedrock:\n    ${VALID.bedrock}\n    api_version: v1\n`)).toBe('providers.bedrock: unknown field(s) "api_version"');
  });

  test("every kind refuses a field nobody owns, on the block and on a key", () => {
    for (const kind of providerFactories.keys()) {
      const block = `providers:\n  x:\n    type: ${kind}\n    ${VALID[kind] ?? "timeout: 1s"}\n    colour: blue\n    keys: [{ value: k, shade: 2 }]\n`;
      expect(errorOf(block)).toBe('providers.x: unknown field(s) "colour"; providers.x.keys[0]: unknown field(s) "shade"');
    }
  });
});

describe("a kind's own key fields", () => {
  test("wrong types name the key and the field", () => {
    const yaml = `providers:\n  bedrock:\n    ${VALID.bedrock}\n    keys:\n      - { access_key_id: 12345, secret_access_key: s }\n      - { access_key_id: a, secret_access_key: [s] }\n`;
    expect(errorOf(yaml)).toBe("providers.bedrock.keys[0].access_key_id: expected a string; providers.bedrock.keys[1].secret_access_key: expected a string");
    expect(errorOf(`providers:\n  vertex:\n    ${VALID.vertex}\n    keys: [{ credentials_file: { path: x } }]\n`)).toBe(
      "providers.vertex.keys[0].credentials_file: expected a string",
    );
  });

  test("credential fields of another kind are unknown", () => {
    expect(errorOf("providers:\n  openai:\n    keys: [{ value: k }, { access_key_id: a, secret_access_key: s }]\n")).toBe(
      'providers.openai.keys[1]: unknown field(s) "access_key_id", "secret_access_key"',
    );
    expect(errorOf(`providers:\n  bedrock:\n    ${VALID.bedrock}\n    keys: [{ access_token: t }]\n`)).toBe('providers.bedrock.keys[0]: unknown field(s) "access_token"');
  });

  test("shared key fields are still checked by the core schema, with their path", () => {
    expect(() => parseConfigText("providers:\n  bedrock:\n    keys: [{ access_key_id: a, weight: 0 }]\n", {})).toThrow(
      "providers.bedrock.keys[0].weight: expected a positive number",
    );
  });

  test("keys reach the snapshot parsed: kind fields trimmed, absent ones empty, shared ones kept", () => {
    const snap = snapshotOf(
      `providers:\n  bedrock:\n    ${VALID.bedrock}\n    keys:\n      - { access_key_id: " AKIA1 ", secret_access_key: s1, weight: 2, models: [m] }\n      - { access_key_id: AKIA2, secret_access_key: "" }\n      - { value: bedrock-api-key }\n`,
    );
    expect(snap.keys.get("bedrock")!.map((k) => k.index)).toEqual([0, 2]);
    expect(snap.keys.get("bedrock")![0]!.key).toEqual({ value: "", weight: 2, models: ["m"], access_key_id: "AKIA1", secret_access_key: "s1", session_token: "" });
    expect(snap.providers.get("bedrock")!.keys[2]).toEqual({ value: "bedrock-api-key", weight: 1, access_key_id: "", secret_access_key: "", session_token: "" });
  });
});

describe("where the kind's schema runs", () => {
  test("parsing alone keeps a kind's fields as written; the snapshot checks them", () => {
    const { config } = parseConfigText("providers:\n  bedrock:\n    region: Virginia\n    keys: [{ access_key_id: a }]\n", {});
    expect(config.providers.bedrock!.region).toBe("Virginia");
    expect(config.providers.bedrock!.keys[0]!.access_key_id).toBe("a");
    expect(() => buildSnapshot(config, providerFactories)).toThrow('providers.bedrock.region: "Virginia" is not an AWS region name');
  });

  test("problems from every block and from routes are reported together", () => {
    const yaml = "providers:\n  openai: { region: x }\n  vertex: { project: p, region: r }\n  bedrock: {}\nroutes:\n  r: { targets: [{ provider: ghost, model: m }] }\n";
    expect(errorOf(yaml)).toBe([
      'providers.openai: unknown field(s) "region"',
      'providers.bedrock.region: required for bedrock (e.g. "us-east-1"); it picks the endpoint and is part of every request signature',
      'routes.r.targets[0].provider: no provider named "ghost"',
    ].join("; "));
  });
});
