// Fault injection: upstream answers that are broken, endless or hostile in their bytes. Each one must
// end as a 502 in the envelope (retried, so a route fails over to the healthy target), quickly, with
// the upstream connection closed by the gateway and memory back near where it started.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { captureStdout, chat, envelope, expectNoSecrets, rssAfterGc, settleLogs, sseData, startFaultGateway, type Captured, type FaultGateway, sdkError } from "./harness.ts";
import { chunk, completion, eventStreamPrelude, filler, gzipBomb, healthy } from "./payloads.ts";
import { startRawUpstream, type RawExchange, type RawUpstream } from "./raw-upstream.ts";

const KEY_A = "sk-fault-a-3f9c2e71d8b4c0aa";
const KEY_B = "sk-fault-b-8a1d4c6e2f07b9cc";
const AWS = { access_key_id: "AKIAFAULTTEST7Q2W9E4R", secret_access_key: "fault/Secret+Access/Key0123456789abcdEF", session_token: "FwoGZXIvYXdzEFAULTSESSIONTOKEN0123456789" };
const SECRETS = [KEY_A, KEY_B, ...Object.values(AWS)];
const LIMIT_MB = 1;

let raw: RawUpstream;
let gw: FaultGateway;
let logs: Captured;
let baselineMb: number;

beforeAll(async () => {
  logs = captureStdout();
  raw = startRawUpstream();
  gw = await startFaultGateway({
    server: { max_upstream_bytes: `${LIMIT_MB}MB` },
    providers: {
      a: { type: "openai", base_url: `${raw.url}/a/v1`, keys: [{ value: KEY_A }] },
      b: { type: "openai", base_url: `${raw.url}/b/v1`, keys: [{ value: KEY_B }] },
      bed: { type: "bedrock", region: "us-east-1", base_url: `${raw.url}/bed`, keys: [AWS] },
    },
    routes: { ab: { strategy: "priority", targets: [{ provider: "a", model: "m" }, { provider: "b", model: "m" }] } },
    failover: {
      max_attempts: 2, timeout: "300ms", stream_idle_timeout: "300ms", deadline: "5s",
      backoff: { initial: "1ms", max: "2ms", multiplier: 2 },
      circuit: { failures: 1000, cooldown: "1s" },
    },
    plugins: [{ name: "logging" }, { name: "metrics" }],
  });
  raw.on("/b/", healthy("hi from b"));
  // Warm up both paths before measuring the baseline.
  for (let i = 0; i < 5; i++) {
    await gw.post("/v1/chat/completions", chat("b/m"));
    await gw.post("/v1/chat/completions", chat("b/m", { stream: true }));
  }
  baselineMb = rssAfterGc();
});
afterAll(async () => {
  await settleLogs();
  logs.restore();
  await gw?.stop();
  raw?.stop();
});
beforeEach(() => {
  raw.reset();
  raw.on("/b/", healthy("hi from b"));
});

/** The direct request fails with a 502 bad_upstream_response; the route answers from b in 2 attempts. */
async function expectBadResponseThenFailover(behaviour: (ex: RawExchange) => void, stream = false) {
  raw.on("/a/", behaviour);
  const direct = await gw.post("/v1/chat/completions", chat("a/m", { stream }));
  expect(direct.status).toBe(502);
  expect(envelope(direct.text)).toMatchObject({ type: "server_error", code: "bad_upstream_response" });
  expect(direct.ms).toBeLessThan(3000);
  const routed = await gw.post("/v1/chat/completions", chat("ab", { stream }));
  expect(routed.status).toBe(200);
  expect(routed.headers.get("x-butter-provider")).toBe("b");
  expect(routed.headers.get("x-butter-attempts")).toBe("2");
  expect(routed.text).toContain("hi from b");
  return direct;
}

/** Every connection to a's path was closed by the gateway (not left reading or hanging). */
async function expectGatewayClosedEvery(prefix: string) {
  const mine = raw.exchanges.filter((e) => e.request.path.startsWith(prefix));
  expect(mine.length).toBeGreaterThan(0);
  await Promise.all(mine.map((e) => Promise.race([e.closed, Bun.sleep(2000)])));
  for (const e of mine) expect(e.peerClosedAt).toBeDefined();
}

function expectMemoryNearBaseline() {
  // Generous: the point is hundreds of MB (what these bodies did before the limit), not a few.
  expect(rssAfterGc() - baselineMb).toBeLessThan(150);
}

describe("broken bodies", () => {
  test("connection reset before any answer: 502 upstream_unreachable, retried onto the next target", async () => {
    raw.on("/a/", (ex) => ex.reset());
    const direct = await gw.post("/v1/chat/completions", chat("a/m"));
    expect(direct.status).toBe(502);
    expect(envelope(direct.text).code).toBe("upstream_unreachable");
    const routed = await gw.post("/v1/chat/completions", chat("ab"));
    expect(routed.headers.get("x-butter-provider")).toBe("b");
  });

  test("truncated body (Content-Length promises more, then the connection closes): 502, retried", async () => {
    await expectBadResponseThenFailover((ex) => {
      ex.head(200, { "content-type": "application/json", "content-length": "1000" });
      ex.write(JSON.stringify(completion("cut")).slice(0, 40));
      ex.end();
    });
  });

  test("garbage body (HTML that claims to be JSON): 502, retried", async () => {
    await expectBadResponseThenFailover((ex) => ex.respond(200, { "content-type": "application/json" }, "<html><body>502 Bad Gateway</body></html>"));
  });

  test("choices: [null] (and other malformed shapes): 502 bad_upstream_response, retried; the SDK raises its typed error", async () => {
    for (const body of [{ ...completion("x"), choices: [null] }, { ...completion("x"), choices: [{ index: 0, message: "hi" }] }, { ...completion("x"), choices: {} }]) {
      raw.reset();
      raw.on("/b/", healthy("hi from b"));
      await expectBadResponseThenFailover((ex) => ex.json(200, body));
    }
    raw.on("/a/", (ex) => ex.json(200, { ...completion("x"), choices: [null] }));
    const err = await sdkError(gw.client.chat.completions.create({ model: "a/m", messages: [{ role: "user", content: "Hi" }] }));
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err.status).toBe(502);
    expect(err.code).toBe("bad_upstream_response");
  });

  test("a stream event whose choices hold null: the stream ends with an error event, never a 500", async () => {
    raw.on("/a/", (ex) => ex.respond(200, { "content-type": "text/event-stream" }, chunk("one") + `data: ${JSON.stringify({ id: "x", object: "chat.completion.chunk", choices: [null] })}\n\n`));
    const res = await gw.post("/v1/chat/completions", chat("a/m", { stream: true }));
    expect(res.status).toBe(200);
    const data = sseData(res.text);
    expect(JSON.parse(data.at(-2)!).error.code).toBe("stream_interrupted");
    expect(data.at(-1)).toBe("[DONE]");
  });
});

describe("redirects", () => {
  test("a 3xx with Location is a 502 (never followed, Location never relayed), retried onto the next target", async () => {
    for (const status of [301, 302, 307, 308]) {
      raw.reset();
      raw.on("/b/", healthy("hi from b"));
      raw.on("/evil/", healthy("the key went elsewhere"));
      const direct = await expectBadResponseThenFailover((ex) => ex.respond(status, { location: `${raw.url}/evil/v1/chat/completions`, "content-type": "text/plain" }, "moved"));
      expect(direct.headers.get("location")).toBeNull();
      expect(envelope(direct.text).message).toContain(`HTTP ${status}`);
      expect(raw.exchanges.filter((e) => e.request.path.startsWith("/evil/"))).toEqual([]);
    }
  });
});

describe("size limits (server.max_upstream_bytes = 1 MB)", () => {
  test("an endless JSON body: 502 within the limit, connection closed, retried; memory back near baseline", async () => {
    const bytes = filler("x");
    await expectBadResponseThenFailover((ex) => {
      ex.head(200, { "content-type": "application/json" }, { chunked: true });
      ex.chunk('{"id":"');
      ex.pour(() => bytes);
    });
    const first = raw.exchanges.find((e) => e.request.path.startsWith("/a/"))!;
    await expectGatewayClosedEvery("/a/");
    // The gateway stopped reading near the limit (socket buffers allow some slack), not at the end of time.
    expect(first.sent).toBeLessThan(64 * 1024 * 1024);
    expect(envelope((await gw.post("/v1/chat/completions", chat("a/m"))).text).message).toContain("max_upstream_bytes");
    expectMemoryNearBaseline();
  });

  test("an endless error body (a 500 that never ends): 502, not a wait for the end", async () => {
    const bytes = filler("e");
    await expectBadResponseThenFailover((ex) => {
      ex.head(500, { "content-type": "application/json" }, { chunked: true });
      ex.pour(() => bytes);
    });
    await expectGatewayClosedEvery("/a/");
  });

  test("SSE without a newline, forever: the stream fails before its first event → 502, retried; connection closed", async () => {
    const bytes = filler("y");
    await expectBadResponseThenFailover((ex) => {
      ex.head(200, { "content-type": "text/event-stream" }, { chunked: true });
      ex.chunk("data: ");
      ex.pour(() => bytes);
    }, true);
    await expectGatewayClosedEvery("/a/");
    expectMemoryNearBaseline();
  });

  test("after the first event, one oversized event ends the stream with an error event", async () => {
    const bytes = filler("z");
    raw.on("/a/", (ex) => {
      ex.head(200, { "content-type": "text/event-stream" }, { chunked: true });
      ex.chunk(chunk("first"));
      ex.chunk("data: ");
      ex.pour(() => bytes);
    });
    const res = await gw.post("/v1/chat/completions", chat("a/m", { stream: true }));
    expect(res.status).toBe(200);
    const data = sseData(res.text);
    expect(JSON.parse(data[0]!).choices[0].delta.content).toBe("first");
    const error = JSON.parse(data.at(-2)!).error;
    expect(error).toMatchObject({ code: "bad_upstream_response" });
    expect(error.message).toContain("max_upstream_bytes");
    expect(data.at(-1)).toBe("[DONE]");
    await expectGatewayClosedEvery("/a/");
  });

  test("a gzip bomb (≈0.5 MB decompressing to 512 MB): 502, nothing relayed, memory back near baseline", async () => {
    const bomb = gzipBomb(512);
    expect(bomb.byteLength).toBeLessThan(1024 * 1024);
    const direct = await expectBadResponseThenFailover((ex) => ex.respond(200, { "content-type": "application/json", "content-encoding": "gzip" }, bomb));
    expect(envelope(direct.text).message).toContain("max_upstream_bytes");
    expect(direct.text.length).toBeLessThan(1000);
    expectMemoryNearBaseline();
  });

  test("Bedrock: an event-stream message longer than the limit → 502 before the first event, connection closed", async () => {
    raw.on("/bed/", (ex) => {
      ex.head(200, { "content-type": "application/vnd.amazon.eventstream" }, { chunked: true });
      ex.chunk(eventStreamPrelude(8 * 1024 * 1024));
      const zeros = new Uint8Array(64 * 1024);
      ex.pour(() => zeros);
    });
    const res = await gw.post("/v1/chat/completions", chat("bed/anthropic.claude-3-haiku-20240307-v1:0", { stream: true }));
    expect(res.status).toBe(502);
    expect(envelope(res.text)).toMatchObject({ code: "bad_upstream_response" });
    expect(envelope(res.text).message).toContain("max_upstream_bytes");
    await expectGatewayClosedEvery("/bed/");
  });
});

describe("no secret anywhere", () => {
  test("client-visible bytes, log lines and /metrics hold none of the configured keys", async () => {
    const metrics = await gw.get("/metrics");
    expect(metrics.status).toBe(200);
    await settleLogs();
    expect(logs.lines.some((l) => l.includes('"msg":"upstream attempt failed; retrying"'))).toBe(true);
    expectNoSecrets(SECRETS, { client: gw.seen, logs: logs.lines, metrics: [metrics.text] });
  });
});
