// Fault injection: upstreams that echo the credential they were sent — in every field of an error
// (message, type, code, param), in response headers, in an error event inside a stream, in a failed
// model listing — for every shape of stored key (API key, AWS access key id / secret / session token,
// an OAuth access token, a token derived from a Vertex service account) and for a passthrough client's
// own key. None of it may reach a client, a log line or /metrics. Also: which upstream headers reach
// the client at all (a valid retry-after only), and passthrough model lists cached per credential.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { captureStdout, chat, envelope, expectNoSecrets, settleLogs, sseData, startFaultGateway, type Captured, type FaultGateway, sdkError } from "./harness.ts";
import { chunk, healthy } from "./payloads.ts";
import { startRawUpstream, type RawExchange, type RawUpstream } from "./raw-upstream.ts";

const KEY = "sk-echo-stored-4b7e1d9a2c6f08aa";
const ANT_KEY = "sk-ant-echo-9c2f6a1e7d3b50bb";
const GEM_KEY = "AIzaEchoGeminiKey0123456789abcdefXYZ";
const AWS = { access_key_id: "AKIAECHOTEST5Z3X8C1V", secret_access_key: "echo/Secret+Access/Key9876543210fedcBA", session_token: "FwoGZXIvYXdzECHOSESSIONTOKEN9876543210" };
const VERTEX_TOKEN = "ya29.echo-configured-access-token-0123";
const DERIVED_TOKEN = "ya29.echo-derived-from-service-account-4567";
const CLIENT_KEY = "sk-client-own-key-8d3a6f1c9e2b47cc";
const CLIENT_ONE = "sk-client-one-key-5e0c8b2d7a4f19ee";
const CLIENT_TWO = "sk-client-two-key-1f7b4e9a3c6d20dd";
const SECRETS = [KEY, ANT_KEY, GEM_KEY, ...Object.values(AWS), VERTEX_TOKEN, DERIVED_TOKEN, CLIENT_KEY, CLIENT_ONE, CLIENT_TWO];

let raw: RawUpstream;
let gw: FaultGateway;
let logs: Captured;
let dir: string;

beforeAll(async () => {
  logs = captureStdout();
  raw = startRawUpstream();
  dir = mkdtempSync(join(tmpdir(), "butter-fault-"));
  const saFile = join(dir, "sa.json");
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  writeFileSync(saFile, JSON.stringify({
    type: "service_account", project_id: "p", private_key_id: "k1", client_email: "echo@p.iam.gserviceaccount.com",
    private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(), token_uri: `${raw.url}/token`,
  }));
  gw = await startFaultGateway({
    providers: {
      a: { type: "openai", base_url: `${raw.url}/a/v1`, keys: [{ value: KEY }] },
      pt: { type: "openai", base_url: `${raw.url}/pt/v1`, credential_mode: "passthrough" },
      ant: { type: "anthropic", base_url: `${raw.url}/ant`, keys: [{ value: ANT_KEY }] },
      gem: { type: "gemini", base_url: `${raw.url}/gem`, keys: [{ value: GEM_KEY }] },
      bed: { type: "bedrock", region: "us-east-1", base_url: `${raw.url}/bed`, keys: [AWS] },
      vx: { type: "vertex", project: "p", region: "us-central1", base_url: `${raw.url}/vx`, keys: [{ access_token: VERTEX_TOKEN }] },
      vsa: { type: "vertex", project: "p", region: "us-central1", base_url: `${raw.url}/vsa`, keys: [{ credentials_file: saFile }] },
    },
    failover: { max_attempts: 2, timeout: "2s", stream_idle_timeout: "2s", backoff: { initial: "1ms", max: "2ms", multiplier: 2 }, circuit: { failures: 1000, cooldown: "1s" } },
    plugins: [{ name: "logging" }, { name: "metrics" }],
  });
});
afterAll(async () => {
  await settleLogs();
  logs.restore();
  await gw?.stop();
  raw?.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  raw.reset();
  raw.on("/token", (ex) => ex.json(200, { access_token: DERIVED_TOKEN, expires_in: 3600, token_type: "Bearer" }));
});

/** Every credential-looking value the upstream received, and (for the shapes never sent) the configured ones. */
function credentialsSeen(ex: RawExchange): string[] {
  const h = ex.request.headers;
  const out = [h.authorization, h["x-api-key"], h["api-key"], h["x-goog-api-key"], h["x-amz-security-token"]].filter((v): v is string => v !== undefined);
  const bearer = h.authorization?.match(/^Bearer (.+)$/)?.[1];
  if (bearer) out.push(bearer);
  // SigV4 never sends the secret; an upstream cannot echo it, but the redaction covers it regardless.
  if (h.authorization?.startsWith("AWS4-HMAC-SHA256")) out.push(AWS.access_key_id, AWS.secret_access_key);
  return out;
}

/** An OpenAI-shaped error with the credential in message, type, code and param, and in headers. */
const echoOpenAI = (status: number) => (ex: RawExchange) => {
  const [first = "none", ...rest] = credentialsSeen(ex);
  const all = [first, ...rest].join(" | ");
  ex.json(status, { error: { message: `Incorrect API key provided: ${all}`, type: first, code: first, param: first } }, {
    "retry-after": first, "x-echo-key": first, "www-authenticate": `Bearer realm="${first}"`, "retry-after-ms": first,
  });
};

async function expectClean(status: number, model: string, headers: Record<string, string> = {}) {
  const res = await gw.post("/v1/chat/completions", chat(model), headers);
  expect(res.status).toBe(status);
  const error = envelope(res.text);
  expect(error.message).toContain("[redacted]");
  for (const name of ["retry-after", "retry-after-ms", "x-echo-key", "www-authenticate"]) expect(res.headers.get(name)).toBeNull();
  expectNoSecrets(SECRETS, { body: [res.text], headers: [JSON.stringify([...res.headers])] });
  return error;
}

describe("an upstream error echoing the key", () => {
  test("stored API key in message, type, code, param and headers: all redacted, status kept (official SDK: AuthenticationError)", async () => {
    raw.on("/a/", echoOpenAI(401));
    const error = await expectClean(401, "a/m");
    expect(error.type).toBe("[redacted]");
    expect(error.code).toBe("[redacted]");
    expect(error.param).toBe("[redacted]");
    const err = await sdkError(gw.client.chat.completions.create({ model: "a/m", messages: [{ role: "user", content: "Hi" }] }));
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err.message).not.toContain(KEY);
  });

  test("a retried status (503) echoing the key: the retry log line and the final answer are clean", async () => {
    raw.on("/a/", echoOpenAI(503));
    await expectClean(503, "a/m");
    await settleLogs();
    expect(logs.lines.some((l) => l.includes('"msg":"upstream attempt failed; retrying"') && l.includes("[redacted]"))).toBe(true);
  });

  test("passthrough: the client's own key echoed back is redacted too", async () => {
    raw.on("/pt/", echoOpenAI(401));
    await expectClean(401, "pt/m", { authorization: `Bearer ${CLIENT_KEY}` });
  });

  test("Anthropic x-api-key, Gemini x-goog-api-key", async () => {
    raw.on("/ant/", (ex) => ex.json(401, { type: "error", error: { type: "authentication_error", message: `invalid x-api-key ${ex.request.headers["x-api-key"]}` } }, { "retry-after": ANT_KEY }));
    await expectClean(401, "ant/claude-x");
    raw.on("/gem/", (ex) => ex.json(400, { error: { code: 400, status: "INVALID_ARGUMENT", message: `API key not valid: ${ex.request.headers["x-goog-api-key"]}`, details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID" }] } }));
    await expectClean(401, "gem/gemini-x");
  });

  test("Bedrock: access key id, secret access key and session token", async () => {
    raw.on("/bed/", (ex) => ex.json(403, {
      message: `The security token ${ex.request.headers["x-amz-security-token"]} for ${AWS.access_key_id} (secret ${AWS.secret_access_key}) is invalid`,
      __type: "UnrecognizedClientException",
    }, { "x-amzn-errortype": "UnrecognizedClientException" }));
    await expectClean(401, "bed/anthropic.claude-3-haiku-20240307-v1:0");
  });

  test("Vertex: a configured access token, and a bearer token derived from a service-account file", async () => {
    raw.on("/vx/", echoOpenAI(401));
    await expectClean(401, "vx/gemini-2.5-flash");
    raw.on("/vsa/", (ex) => ex.json(401, { error: { code: 401, status: "UNAUTHENTICATED", message: `Request had invalid authentication credentials: ${ex.request.headers.authorization}` } }));
    await expectClean(401, "vsa/gemini-2.5-flash");
    expect(raw.exchanges.some((e) => e.request.headers.authorization === `Bearer ${DERIVED_TOKEN}`)).toBe(true);
  });
});

describe("inside a stream", () => {
  test("an error event as the first event: the attempt's error is redacted", async () => {
    raw.on("/a/", (ex) => ex.respond(200, { "content-type": "text/event-stream" }, `data: ${JSON.stringify({ error: { message: `bad key ${KEY}`, code: 401, type: KEY } })}\n\n`));
    const res = await gw.post("/v1/chat/completions", chat("a/m", { stream: true }));
    expect(res.status).toBe(401);
    expect(envelope(res.text).message).toContain("[redacted]");
    expectNoSecrets(SECRETS, { body: [res.text] });
  });

  test("a mid-stream error event: the client's error event and the log line are redacted", async () => {
    raw.on("/a/", (ex) => ex.respond(200, { "content-type": "text/event-stream" },
      chunk("first") + `data: ${JSON.stringify({ error: { message: `upstream hiccup for key ${KEY}`, code: 500, type: KEY, param: KEY } })}\n\n`));
    const res = await gw.post("/v1/chat/completions", chat("a/m", { stream: true }));
    expect(res.status).toBe(200);
    const data = sseData(res.text);
    const error = JSON.parse(data.at(-2)!).error;
    expect(error.message).toContain("[redacted]");
    expect(error.type).toBe("[redacted]");
    expect(data.at(-1)).toBe("[DONE]");
    expectNoSecrets(SECRETS, { body: [res.text] });
    await settleLogs();
    expect(logs.lines.some((l) => l.includes('"msg":"stream ended with an error"') && l.includes("[redacted]"))).toBe(true);
  });

  test("Anthropic: an `event: error` after the stream started", async () => {
    const start = { type: "message_start", message: { id: "msg_1", model: "claude-x", usage: { input_tokens: 1 } } };
    raw.on("/ant/", (ex) => ex.respond(200, { "content-type": "text/event-stream" },
      `event: message_start\ndata: ${JSON.stringify(start)}\n\nevent: error\ndata: ${JSON.stringify({ type: "error", error: { type: "overloaded_error", message: `overloaded; key ${ANT_KEY}` } })}\n\n`));
    const res = await gw.post("/v1/chat/completions", chat("ant/claude-x", { stream: true }));
    expect(JSON.parse(sseData(res.text).at(-2)!).error.message).toContain("[redacted]");
    expectNoSecrets(SECRETS, { body: [res.text] });
  });
});

describe("headers relayed from an upstream", () => {
  const limited = (retryAfter: string, extra: Record<string, string> = {}) => (ex: RawExchange) =>
    ex.json(400, { error: { message: "slow down", type: "invalid_request_error" } }, { "retry-after": retryAfter, ...extra });

  test("only a valid retry-after passes (delta-seconds as is, an HTTP date re-serialised); malformed ones are dropped", async () => {
    const date = new Date(Date.now() + 60_000);
    const cases: Array<[string, string | null]> = [
      ["7", "7"], ["1.5", "1.5"], [date.toUTCString(), date.toUTCString()],
      ["soon", null], ["-3", null], ["7; evil=1", null], ["<script>", null], [`7, ${KEY}`, null], ["99999999999999", null],
    ];
    for (const [sent, relayed] of cases) {
      raw.on("/a/", limited(sent, { "set-cookie": "session=upstream", "x-ratelimit-remaining": "0", location: "http://elsewhere/" }));
      const res = await gw.post("/v1/chat/completions", chat("a/m"));
      expect(res.status).toBe(400);
      expect(res.headers.get("retry-after")).toBe(relayed);
      for (const name of ["set-cookie", "x-ratelimit-remaining", "location"]) expect(res.headers.get(name)).toBeNull();
    }
  });
});

describe("model listings", () => {
  test("a failed listing echoing the stored key, or a passthrough client's key, logs it redacted", async () => {
    raw.on("/a/v1/models", echoOpenAI(401));
    raw.on("/pt/v1/models", echoOpenAI(401));
    const res = await gw.get("/v1/models", { authorization: `Bearer ${CLIENT_KEY}` });
    expect(res.status).toBe(200);
    await settleLogs();
    const failed = logs.lines.filter((l) => l.includes('"msg":"model listing failed; using the static list"'));
    expect(failed.some((l) => l.includes('"provider":"a"') && l.includes("[redacted]"))).toBe(true);
    expect(failed.some((l) => l.includes('"provider":"pt"') && l.includes("[redacted]"))).toBe(true);
  });

  test("passthrough listings are per credential: one client's list is never served to another, or to none", async () => {
    raw.on("/pt/v1/models", (ex) => {
      const key = ex.request.headers.authorization?.replace("Bearer ", "");
      const id = key === CLIENT_ONE ? "model-of-client-one" : key === CLIENT_TWO ? "model-of-client-two" : undefined;
      if (id === undefined) return ex.json(401, { error: { message: "no key" } });
      ex.json(200, { object: "list", data: [{ id, object: "model" }] });
    });
    const ids = async (headers: Record<string, string>) => {
      const res = await gw.get("/v1/models", headers);
      return (JSON.parse(res.text) as { data: Array<{ id: string }> }).data.map((m) => m.id).filter((id) => id.startsWith("pt/"));
    };
    expect(await ids({ authorization: `Bearer ${CLIENT_ONE}` })).toEqual(["pt/model-of-client-one"]);
    expect(await ids({ authorization: `Bearer ${CLIENT_TWO}` })).toEqual(["pt/model-of-client-two"]);
    expect(await ids({})).not.toContain("pt/model-of-client-one");
    expect(await ids({})).not.toContain("pt/model-of-client-two");
    // Cached per credential: asked again, each client gets its own list without a new upstream call.
    const listed = () => raw.exchanges.filter((e) => e.request.path.startsWith("/pt/")).length;
    const before = listed();
    expect(await ids({ authorization: `Bearer ${CLIENT_ONE}` })).toEqual(["pt/model-of-client-one"]);
    expect(await ids({ authorization: `Bearer ${CLIENT_TWO}` })).toEqual(["pt/model-of-client-two"]);
    expect(listed()).toBe(before);
  });
});

test("after all of the above: no key in anything a client received, in any log line, or in /metrics", async () => {
  raw.on("/", healthy("ok"));
  const metrics = await gw.get("/metrics");
  expect(metrics.status).toBe(200);
  await settleLogs();
  expect(logs.lines.length).toBeGreaterThan(10);
  expectNoSecrets(SECRETS, { client: gw.seen, logs: logs.lines, metrics: [metrics.text] });
});
