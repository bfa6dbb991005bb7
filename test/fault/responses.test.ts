// Fault injection on `POST /v1/responses`: upstreams that answer a native Responses call (openai) or a
// translated one (an OpenAI-compatible chat target) with broken, stalled or hostile bytes. A failure
// before the first event is a failed attempt (a route fails over); a failure after it ends the
// client's stream with `response.failed`, and nothing is stored. A durable store that does not
// answer costs the continuation (a 503 store_unavailable), never the answer itself.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { captureStdout, envelope, expectNoSecrets, settleLogs, startFaultGateway, type Captured, type FaultGateway } from "./harness.ts";
import { chunk, filler, healthy } from "./payloads.ts";
import { startRawUpstream, type RawExchange, type RawUpstream } from "./raw-upstream.ts";
import { loadJson, loadText } from "../support/fixtures.ts";
import { parseSse } from "../support/sse.ts";

const KEYS = { a: "sk-resp-a-4e8b1c9d7f2a60aa", b: "sk-resp-b-9d3f7a1e5c8b24bb", t: "sk-resp-t-2c6e0a4f8d1b37cc", r: "sk-resp-r-6a1d9c3e7b5f48dd" };
const TIMEOUT_MS = 300;
const IDLE_MS = 300;

let raw: RawUpstream;
let gw: FaultGateway;
let logs: Captured;

let served = 0;
const RESPONSE = loadJson("openai", "responses.response.json").body;
const STREAM = loadText("openai", "responses-stream.sse");

/** A well-behaved OpenAI Responses upstream (a fresh id per answer, so stored responses never collide). */
const healthyResponses = (ex: RawExchange) => {
  const id = `resp_healthy_${++served}`;
  const stream = (JSON.parse(ex.request.body || "{}") as { stream?: boolean }).stream === true;
  if (!stream) return ex.json(200, { ...RESPONSE, id });
  ex.respond(200, { "content-type": "text/event-stream" }, STREAM.replaceAll("resp_stream_1", id));
};

/** The fixture stream's events, each as SSE text, with its response id replaced. */
const streamEvents = (id: string) => STREAM.replaceAll("resp_stream_1", id).split(/\n\n/).filter((e) => e.trim() !== "").map((e) => `${e}\n\n`);

beforeAll(async () => {
  logs = captureStdout();
  raw = startRawUpstream();
  const openai = (name: "a" | "b") => ({ type: "openai", base_url: `${raw.url}/${name}/v1`, keys: [{ value: KEYS[name] }] });
  gw = await startFaultGateway({
    server: { max_upstream_bytes: "1MB" },
    store: "sqlite::memory:",
    providers: { a: openai("a"), b: openai("b"), t: { type: "groq", base_url: `${raw.url}/t/v1`, keys: [{ value: KEYS.t }] } },
    routes: { ab: { strategy: "priority", targets: [{ provider: "a", model: "m" }, { provider: "b", model: "m" }] } },
    failover: {
      max_attempts: 2, timeout: `${TIMEOUT_MS}ms`, stream_idle_timeout: `${IDLE_MS}ms`, deadline: "5s",
      backoff: { initial: "1ms", max: "2ms", multiplier: 2 },
      circuit: { failures: 1000, cooldown: "1s" },
    },
    plugins: [{ name: "logging" }],
  });
});
afterAll(async () => {
  await settleLogs();
  expectNoSecrets(Object.values(KEYS), { "client answers": gw.seen, logs: logs.lines });
  logs.restore();
  await gw?.stop();
  raw?.stop();
});
beforeEach(() => {
  raw.reset();
  raw.on("/b/", healthyResponses);
});

const responsesBody = (model: string, extra: Record<string, unknown> = {}) => ({ model, input: "Hello!", ...extra });

/** The direct request fails with `status`/`code`; the same fault on the route's first target fails over to b. */
async function expectFailedAttempt(behaviour: (ex: RawExchange) => void, stream: boolean, status: number, code: string) {
  raw.on("/a/", behaviour);
  const direct = await gw.post("/v1/responses", responsesBody("a/m", { stream }));
  expect({ status: direct.status, code: envelope(direct.text).code }).toEqual({ status, code });
  expect(direct.ms).toBeLessThan(3000);
  const routed = await gw.post("/v1/responses", responsesBody("ab", { stream }));
  expect(routed.status).toBe(200);
  expect(routed.headers.get("x-butter-provider")).toBe("b");
  expect(routed.headers.get("x-butter-attempts")).toBe("2");
  expect(routed.text).toContain("resp_healthy_");
}

interface Ended { events: Array<{ event: string | undefined; data: Record<string, any> }>; failed: Record<string, any> }

/** A 200 stream whose last event is `response.failed` (and no completed one), with increasing sequence numbers. */
function expectEndsFailed(text: string): Ended {
  const events = parseSse(text).map((e) => ({ event: e.event, data: JSON.parse(e.data) as Record<string, any> }));
  expect(events[0]?.event).toBe("response.created");
  expect(events.at(-1)?.event).toBe("response.failed");
  expect(events.filter((e) => e.event === "response.created").length).toBe(1);
  expect(events.some((e) => e.event === "response.completed")).toBe(false);
  const seq = events.map((e) => e.data.sequence_number as number);
  for (let i = 1; i < seq.length; i++) expect(seq[i]!).toBeGreaterThan(seq[i - 1]!);
  const failed = events.at(-1)!.data.response as Record<string, any>;
  expect(failed.status).toBe("failed");
  expect(typeof failed.error?.message).toBe("string");
  // The failed response is the one the stream announced.
  expect(failed.id).toBe(events[0]!.data.response.id);
  return { events, failed };
}

async function expectNotStored(id: string) {
  const res = await gw.get(`/v1/responses/${id}`);
  expect(res.status).toBe(404);
  expect(envelope(res.text).code).toBe("response_not_found");
}

describe("native target (openai /v1/responses): broken answers before the first event fail the attempt", () => {
  test("a JSON body that is not a Response (no output): 502 bad_upstream_response, fails over", async () => {
    await expectFailedAttempt((ex) => ex.json(200, { id: "resp_x", object: "response", status: "completed" }), false, 502, "bad_upstream_response");
  });

  test("invalid JSON: 502 bad_upstream_response, fails over", async () => {
    await expectFailedAttempt((ex) => ex.respond(200, { "content-type": "application/json" }, "{\"id\": \"resp_x\", \"output\": [tru"), false, 502, "bad_upstream_response");
  });

  test("a body over server.max_upstream_bytes: 502 bad_upstream_response, fails over", async () => {
    await expectFailedAttempt((ex) => {
      let left = 40; // 40 × 64 KB = 2.5 MB, over the 1 MB limit
      ex.head(200, { "content-type": "application/json" }, { chunked: true });
      ex.pour(() => (left-- > 0 ? filler("x") : undefined));
    }, false, 502, "bad_upstream_response");
  });

  test("a stream whose first event is `error`: a failed attempt, fails over", async () => {
    await expectFailedAttempt((ex) => ex.respond(200, { "content-type": "text/event-stream" },
      `event: error\ndata: ${JSON.stringify({ type: "error", code: "server_error", message: "upstream overloaded", param: null, sequence_number: 0 })}\n\n`), true, 502, "server_error");
  });

  test("garbage instead of SSE (HTML, NUL bytes, unparsable data lines): a failed attempt, fails over", async () => {
    await expectFailedAttempt((ex) => ex.respond(200, { "content-type": "text/event-stream" }, "<html>\u0000\u0001 502 Bad Gateway</html>"), true, 502, "stream_interrupted");
  });

  test("headers, then nothing (stall before the first event): 504 upstream_timeout per attempt, fails over", async () => {
    for (const stream of [false, true]) {
      await expectFailedAttempt((ex) => ex.head(200, { "content-type": stream ? "text/event-stream" : "application/json" }, { chunked: true }), stream, 504, "upstream_timeout");
    }
  });
});

describe("native target: a stream that breaks after its first event ends with response.failed; nothing is stored", () => {
  const id = "resp_broken_native";
  const cases: Array<[string, (ex: RawExchange) => void, string]> = [
    ["ends without response.completed", (ex) => ex.respond(200, { "content-type": "text/event-stream" }, streamEvents(id).slice(0, 5).join("")), "server_error"],
    ["stalls mid-stream (stream_idle_timeout)", (ex) => {
      ex.head(200, { "content-type": "text/event-stream" }, { chunked: true });
      for (const e of streamEvents(id).slice(0, 3)) ex.chunk(e);
    }, "server_error"],
    ["sends garbage after its first events", (ex) => {
      ex.head(200, { "content-type": "text/event-stream" }, { chunked: true });
      for (const e of streamEvents(id).slice(0, 2)) ex.chunk(e);
      // Later than the first event: the client's stream has begun by then.
      setTimeout(() => {
        ex.chunk("\u0000\u0001<html>garbage</html>\n\ndata: {not json\n\n");
        ex.end();
      }, 50);
    }, "server_error"],
  ];
  for (const [name, behaviour] of cases) {
    test(name, async () => {
      raw.on("/a/", behaviour);
      const res = await gw.post("/v1/responses", responsesBody("a/m", { stream: true }));
      expect(res.status).toBe(200);
      expect(res.ms).toBeLessThan(3000);
      const { failed } = expectEndsFailed(res.text);
      expect(failed.id).toBe(id);
      await expectNotStored(id);
    });
  }
});

describe("translated target (OpenAI-compatible chat): stream faults end with response.failed; nothing is stored", () => {
  const chunks = [chunk("Hel"), chunk("lo")];
  const cases: Array<[string, (ex: RawExchange) => void]> = [
    ["ends without a finish or [DONE]", (ex) => ex.respond(200, { "content-type": "text/event-stream" }, chunks.join(""))],
    ["stalls mid-stream (stream_idle_timeout)", (ex) => {
      ex.head(200, { "content-type": "text/event-stream" }, { chunked: true });
      for (const c of chunks) ex.chunk(c);
    }],
    ["sends garbage after its first chunks", (ex) => {
      ex.head(200, { "content-type": "text/event-stream" }, { chunked: true });
      for (const c of chunks) ex.chunk(c);
      setTimeout(() => {
        ex.chunk("data: {not json\n\n");
        ex.end();
      }, 50);
    }],
    ["sends an error object mid-stream", (ex) => ex.respond(200, { "content-type": "text/event-stream" },
      chunks.join("") + `data: ${JSON.stringify({ error: { message: "upstream exploded", type: "server_error" } })}\n\n`)],
  ];
  for (const [name, behaviour] of cases) {
    test(name, async () => {
      raw.on("/t/", behaviour);
      const res = await gw.post("/v1/responses", responsesBody("t/m", { stream: true }));
      expect(res.status).toBe(200);
      expect(res.ms).toBeLessThan(3000);
      const { failed, events } = expectEndsFailed(res.text);
      expect(events.some((e) => e.event === "response.output_text.delta" && e.data.delta === "Hel")).toBe(true);
      await expectNotStored(failed.id as string);
    });
  }

  test("a healthy translated stream is stored (so the 404s above mean something)", async () => {
    raw.on("/t/", healthy("hi from t"));
    const res = await gw.post("/v1/responses", responsesBody("t/m", { stream: true }));
    const last = parseSse(res.text).at(-1)!;
    expect(last.event).toBe("response.completed");
    const id = (JSON.parse(last.data) as { response: { id: string } }).response.id;
    expect((await gw.get(`/v1/responses/${id}`)).status).toBe(200);
  });
});

describe("a Redis store that does not answer (redis.url: redis://127.0.0.1:1)", () => {
  let down: FaultGateway;
  let downLogs: string[];

  beforeAll(async () => {
    downLogs = logs.lines;
    down = await startFaultGateway({
      store: "redis",
      redis: { url: "redis://:sk-redis-password-1b2c3d@127.0.0.1:1" },
      providers: { r: { type: "openai", base_url: `${raw.url}/r/v1`, keys: [{ value: KEYS.r }] } },
      failover: { max_attempts: 1, timeout: "2s" },
      plugins: [{ name: "logging" }],
    });
  });
  afterAll(async () => {
    expectNoSecrets([KEYS.r, "sk-redis-password-1b2c3d"], { "client answers": down.seen, logs: downLogs });
    await down?.stop();
  });

  test("store: true still answers 200 (JSON and stream); the failure is a warning in the log", async () => {
    raw.on("/r/", healthyResponses);
    const before = downLogs.length;
    for (const stream of [false, true]) {
      const res = await down.post("/v1/responses", responsesBody("r/m", { stream, store: true }));
      expect({ stream, status: res.status }).toEqual({ stream, status: 200 });
      expect(res.ms).toBeLessThan(3000);
      if (stream) expect(parseSse(res.text).at(-1)?.event).toBe("response.completed");
      else expect(JSON.parse(res.text)).toMatchObject({ object: "response", id: expect.stringMatching(/^resp_healthy_/) });
    }
    await settleLogs();
    const warnings = downLogs.slice(before).filter((l) => l.includes("storing a response failed"));
    expect(warnings.length).toBe(2);
    for (const w of warnings) expect(JSON.parse(w)).toMatchObject({ level: "warn" });
  });

  test("previous_response_id, GET and DELETE answer 503 store_unavailable promptly, not a 500 or a hang", async () => {
    raw.on("/r/", healthyResponses);
    const requests = [
      () => down.post("/v1/responses", responsesBody("r/m", { previous_response_id: "resp_healthy_1" })),
      () => down.post("/v1/responses", responsesBody("r/m", { previous_response_id: "resp_healthy_1", stream: true })),
      () => down.get("/v1/responses/resp_healthy_1"),
      async () => {
        const res = await fetch(`${down.url}/v1/responses/resp_healthy_1`, { method: "DELETE" });
        return { status: res.status, text: await res.text(), ms: 0 };
      },
    ];
    for (const request of requests) {
      const started = performance.now();
      const res = await request();
      expect(performance.now() - started).toBeLessThan(3000);
      expect(res.status).toBe(503);
      const error = envelope(res.text);
      expect(error).toMatchObject({ type: "server_error", code: "store_unavailable" });
      expect(error.message).toContain("response store is unavailable");
    }
    // No upstream call was made for a turn whose history could not be read.
    expect(raw.exchanges.filter((e) => e.request.path.startsWith("/r/")).length).toBe(0);
  });
});
