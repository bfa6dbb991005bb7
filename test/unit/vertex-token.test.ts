import * as v from "valibot";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { generateKeyPairSync, verify } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TokenSource } from "../../src/providers/vertex/token-source.ts";
import { GatewayError } from "../../src/core/errors.ts";
import { configSchema } from "../../src/config/schema.ts";
import type { VertexKeyFields } from "../../src/providers/vertex/config.ts";
import { buildSnapshot } from "../../src/config/snapshot.ts";
import { loadAllProviderFactories } from "../../src/providers/registry.ts";
import { makeSend } from "../../src/transport/upstream-fetch.ts";
import { fixtureReply, json, startMockUpstream, type MockUpstream, type RecordedRequest } from "../support/index.ts";
import { testReads } from "../support/reads.ts";

const providerFactories = await loadAllProviderFactories();

// A throwaway service account: the mock token endpoint checks the JWT against its public key.
const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const PRIVATE_PEM = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const EMAIL = "butter-test@my-project.iam.gserviceaccount.com";

let mock: MockUpstream;
let dir: string;
let saFile: string;
let issued = 0;

const decode = (part: string) => JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;

/** The token endpoint: a valid RS256 JWT-bearer grant from our service account gets a fresh token. */
function tokenEndpoint(req: RecordedRequest) {
  const form = new URLSearchParams(req.body);
  const assertion = form.get("assertion") ?? "";
  const [h, c, s] = assertion.split(".");
  const header = decode(h!);
  const claims = decode(c!);
  const ok = form.get("grant_type") === "urn:ietf:params:oauth:grant-type:jwt-bearer"
    && req.headers["content-type"] === "application/x-www-form-urlencoded"
    && header.alg === "RS256" && header.kid === "key-1"
    && claims.iss === EMAIL && claims.aud === `${mock.url}/token` && claims.scope === "https://www.googleapis.com/auth/cloud-platform"
    && (claims.exp as number) - (claims.iat as number) === 3600
    && verify("RSA-SHA256", Buffer.from(`${h}.${c}`), publicKey, Buffer.from(s!, "base64url"));
  if (!ok) return json({ error: "invalid_grant", error_description: "Invalid JWT Signature." }, { status: 400 });
  issued++;
  return json({ access_token: `ya29.issued-${issued}`, expires_in: 3599, token_type: "Bearer" }, { delay: 20 });
}

beforeAll(async () => {
  mock = await startMockUpstream();
  dir = mkdtempSync(join(tmpdir(), "butter-vertex-"));
  saFile = join(dir, "sa.json");
  writeFileSync(saFile, JSON.stringify({
    type: "service_account", project_id: "my-project", private_key_id: "key-1", private_key: PRIVATE_PEM,
    client_email: EMAIL, token_uri: `${mock.url}/token`,
  }));
});
afterAll(async () => {
  await mock.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  mock.reset();
  issued = 0;
  mock.when("POST", "/token", tokenEndpoint);
});

const key = (over: Partial<VertexKeyFields>): VertexKeyFields => ({ credentials_file: "", access_token: "", ...over });

describe("Vertex OAuth tokens from a service-account file", () => {
  test("a signed JWT is exchanged; the token is cached until shortly before expiry, then refreshed", async () => {
    let now = 1_700_000_000_000;
    const source = new TokenSource({ provider: "v", now: () => now });
    const k = key({ credentials_file: saFile });
    expect(await source.token(k)).toBe("ya29.issued-1");
    now += 50 * 60_000;
    expect(await source.token(k)).toBe("ya29.issued-1");
    now += 6 * 60_000; // 56 min: inside the 5-minute refresh margin of a 3599 s token
    expect(await source.token(k)).toBe("ya29.issued-2");
    expect(mock.requests.length).toBe(2);
  });

  test("concurrent requests share one exchange", async () => {
    const source = new TokenSource({ provider: "v" });
    const k = key({ credentials_file: saFile });
    const tokens = await Promise.all(Array.from({ length: 10 }, () => source.token(k)));
    expect(new Set(tokens)).toEqual(new Set(["ya29.issued-1"]));
    expect(mock.requests.length).toBe(1);
  });

  test("a configured access_token is used as it is; invalidate forces a new exchange", async () => {
    const source = new TokenSource({ provider: "v" });
    expect(await source.token(key({ access_token: "ya29.static" }))).toBe("ya29.static");
    const k = key({ credentials_file: saFile });
    await source.token(k);
    source.invalidate(k);
    expect(await source.token(k)).toBe("ya29.issued-2");
  });

  test("a refused grant is a 401 that says why, without key material", async () => {
    mock.reset();
    mock.when("POST", "/token", json({ error: "invalid_grant", error_description: "Invalid JWT Signature." }, { status: 400 }));
    const err = await new TokenSource({ provider: "v" }).token(key({ credentials_file: saFile })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).status).toBe(401);
    expect((err as GatewayError).message).toContain("Invalid JWT Signature.");
    expect((err as GatewayError).message).not.toContain("PRIVATE KEY");
  });

  test("a missing or malformed file is a 401 naming the file; a failing token endpoint is a retryable 502", async () => {
    const missing = await new TokenSource({ provider: "v" }).token(key({ credentials_file: join(dir, "nope.json") })).catch((e: unknown) => e);
    expect((missing as GatewayError).status).toBe(401);
    expect((missing as GatewayError).message).toContain("nope.json");
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ client_email: EMAIL }));
    expect(((await new TokenSource({ provider: "v" }).token(key({ credentials_file: bad })).catch((e: unknown) => e)) as GatewayError).message).toContain("service-account");
    mock.reset();
    mock.when("POST", "/token", json({ error: "internal_failure" }, { status: 503 }));
    const down = (await new TokenSource({ provider: "v" }).token(key({ credentials_file: saFile })).catch((e: unknown) => e)) as GatewayError;
    expect(down.status).toBe(502);
    expect(down.retryable).toBe(true);
  });
});

describe("vertex provider block", () => {
  const snapshot = (block: Record<string, unknown>) => buildSnapshot(v.parse(configSchema, { providers: { vertex: block } }), providerFactories);

  test("project and region are required, with messages naming the path", () => {
    expect(() => snapshot({ region: "us-central1", keys: [{ access_token: "t" }] })).toThrow(/providers\.vertex\.project: required/);
    expect(() => snapshot({ project: "p", keys: [{ access_token: "t" }] })).toThrow(/providers\.vertex\.region: required/);
  });

  test("a key is usable with a credentials_file or an access_token", () => {
    const s = snapshot({ project: "p", region: "us-central1", keys: [{ access_token: "" }, { credentials_file: "/x.json" }, { access_token: "t" }] });
    expect(s.keys.get("vertex")!.map((k) => k.index)).toEqual([1, 2]);
  });

  test("the adapter sends the exchanged token as a bearer to Vertex", async () => {
    mock.when("POST", "*:generateContent", fixtureReply("vertex", "generateContent.response.json"));
    const s = snapshot({ project: "my-project", region: "us-central1", base_url: mock.url, keys: [{ credentials_file: saFile }] });
    const adapter = s.providers.get("vertex")!;
    const signal = new AbortController().signal;
    const ctx = { model: "gemini-2.5-flash", auth: { mode: "stored" as const, key: adapter.keys[0]!, keyIndex: 0 }, signal, send: makeSend({ provider: "vertex", signal, timeoutMs: 5000 }), reads: testReads("vertex") };
    await adapter.chat({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "high" }] }, ctx);
    await adapter.chat({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "high" }] }, ctx);
    const calls = mock.requests.filter((r) => r.path.endsWith(":generateContent"));
    expect(calls.map((r) => r.headers.authorization)).toEqual(["Bearer ya29.issued-1", "Bearer ya29.issued-1"]);
    expect(mock.requests.filter((r) => r.path === "/token").length).toBe(1);
  });
});
