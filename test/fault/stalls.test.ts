// Fault injection: upstreams that answer headers and then nothing, or stop in the middle of a stream.
// `failover.timeout` (300 ms here) covers a JSON answer until its body is complete and a stream until
// its first event, then the attempt fails over like any other failure; after the first event
// `failover.stream_idle_timeout` (300 ms) ends a silent stream with an error event. Each of these
// counts toward the target's circuit breaker.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { captureStdout, chat, envelope, expectNoSecrets, settleLogs, sseData, startFaultGateway, type Captured, type FaultGateway, sdkError } from "./harness.ts";
import { chunk, healthy } from "./payloads.ts";
import { startRawUpstream, type RawExchange, type RawUpstream } from "./raw-upstream.ts";

const KEYS = { a: "sk-stall-a-5d1e9b3c7a2f40aa", b: "sk-stall-b-0c6f2a8e4d1b93bb", c: "sk-stall-c-7e3a1f9d5b2c60cc", d: "sk-stall-d-2b8d6f0a4e9c17dd" };
const TIMEOUT_MS = 300;
const IDLE_MS = 300;
const CIRCUIT_FAILURES = 2;

let raw: RawUpstream;
let gw: FaultGateway;
let logs: Captured;

beforeAll(async () => {
  logs = captureStdout();
  raw = startRawUpstream();
  const provider = (name: keyof typeof KEYS) => ({ type: "openai", base_url: `${raw.url}/${name}/v1`, keys: [{ value: KEYS[name] }] });
  gw = await startFaultGateway({
    providers: { a: provider("a"), b: provider("b"), c: provider("c"), d: provider("d") },
    routes: {
      // Circuits are per provider/model, and open after 2 failures here: each test stalls its own targets.
      "ab-JSON": { strategy: "priority", targets: [{ provider: "a", model: "routed-json" }, { provider: "b", model: "m" }] },
      "ab-stream": { strategy: "priority", targets: [{ provider: "a", model: "routed-stream" }, { provider: "b", model: "m" }] },
      cb: { strategy: "priority", targets: [{ provider: "c", model: "json" }, { provider: "b", model: "m" }] },
      cs: { strategy: "priority", targets: [{ provider: "c", model: "stream" }, { provider: "b", model: "m" }] },
      ds: { strategy: "priority", targets: [{ provider: "d", model: "mid" }, { provider: "b", model: "m" }] },
    },
    failover: {
      max_attempts: 2, timeout: `${TIMEOUT_MS}ms`, stream_idle_timeout: `${IDLE_MS}ms`, deadline: "5s",
      backoff: { initial: "1ms", max: "2ms", multiplier: 2 },
      circuit: { failures: CIRCUIT_FAILURES, cooldown: "60s" },
    },
    plugins: [{ name: "logging" }, { name: "metrics" }],
  });
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

/** 200 and headers, then nothing at all. */
const headersThenStall = (contentType: string) => (ex: RawExchange) => ex.head(200, { "content-type": contentType }, { chunked: true });

/** The first event, then silence. */
const stallAfterFirstEvent = (ex: RawExchange) => {
  ex.head(200, { "content-type": "text/event-stream" }, { chunked: true });
  ex.chunk(chunk("first"));
};

const pathsOf = (prefix: string) => raw.exchanges.filter((e) => e.request.path.startsWith(prefix));

async function expectClosedByGateway(prefix: string) {
  const mine = pathsOf(prefix);
  expect(mine.length).toBeGreaterThan(0);
  await Promise.all(mine.map((e) => Promise.race([e.closed, Bun.sleep(2000)])));
  for (const e of mine) expect(e.peerClosedAt).toBeDefined();
}

describe("headers, then nothing", () => {
  for (const [name, stream, type] of [["JSON", false, "application/json"], ["stream", true, "text/event-stream"]] as const) {
    test(`${name}: each attempt ends at failover.timeout with 504 upstream_timeout; a route fails over to the next target`, async () => {
      raw.on("/a/", headersThenStall(type));
      const direct = await gw.post("/v1/chat/completions", chat(`a/direct-${name}`, { stream }));
      expect(direct.status).toBe(504);
      expect(envelope(direct.text)).toMatchObject({ type: "timeout", code: "upstream_timeout" });
      // Two attempts of 300 ms each (plus coarse-timer ticks), nowhere near the 5 s deadline.
      expect(direct.ms).toBeGreaterThanOrEqual(2 * TIMEOUT_MS - 20);
      expect(direct.ms).toBeLessThan(2 * TIMEOUT_MS + 700);
      expect(pathsOf("/a/").length).toBe(2);

      const routed = await gw.post("/v1/chat/completions", chat(`ab-${name}`, { stream }));
      expect(routed.status).toBe(200);
      expect(routed.headers.get("x-butter-provider")).toBe("b");
      expect(routed.headers.get("x-butter-attempts")).toBe("2");
      expect(routed.text).toContain("hi from b");
      expect(routed.ms).toBeLessThan(TIMEOUT_MS + 700);
      await expectClosedByGateway("/a/");
    });
  }

  test("the official SDK raises its typed timeout error (504 → InternalServerError with code upstream_timeout)", async () => {
    raw.on("/a/", headersThenStall("application/json"));
    const err = await sdkError(gw.client.chat.completions.create({ model: "a/sdk", messages: [{ role: "user", content: "Hi" }] }));
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err.status).toBe(504);
    expect(err.code).toBe("upstream_timeout");
  });

  test("a body that trickles in slower than the timeout allows is cut at failover.timeout too", async () => {
    raw.on("/a/", (ex) => {
      ex.head(200, { "content-type": "application/json" }, { chunked: true });
      ex.chunk('{"id":"x",');
      const timer = setInterval(() => (ex.isOpen ? ex.chunk(" ") : clearInterval(timer)), 50);
    });
    const direct = await gw.post("/v1/chat/completions", chat("a/trickle"));
    expect(direct.status).toBe(504);
    expect(direct.ms).toBeLessThan(2 * TIMEOUT_MS + 700);
  });
});

describe("a stream that stops after its first event", () => {
  test("ends with one error event in the OpenAI shape (code stream_idle_timeout) and [DONE], after stream_idle_timeout", async () => {
    raw.on("/a/", stallAfterFirstEvent);
    const res = await gw.post("/v1/chat/completions", chat("a/mid-stream", { stream: true }));
    expect(res.status).toBe(200);
    const data = sseData(res.text);
    expect(data.length).toBe(3);
    expect(JSON.parse(data[0]!).choices[0].delta).toMatchObject({ role: "assistant", content: "first" });
    const error = JSON.parse(data[1]!);
    expect(Object.keys(error)).toEqual(["error"]);
    expect(error.error).toMatchObject({ type: "timeout", code: "stream_idle_timeout" });
    expect(data[2]).toBe("[DONE]");
    expect(res.ms).toBeGreaterThanOrEqual(IDLE_MS - 20);
    expect(res.ms).toBeLessThan(IDLE_MS + 700);
    await expectClosedByGateway("/a/");
    await settleLogs();
    expect(logs.lines.some((l) => l.includes('"msg":"stream ended with an error"') && l.includes("upstream_timeout"))).toBe(true);
  });

  test("keep-alive comments count as activity: 700 ms between content events, but bytes every 100 ms, completes", async () => {
    raw.on("/a/", (ex) => {
      stallAfterFirstEvent(ex);
      let n = 0;
      const timer = setInterval(() => {
        if (!ex.isOpen) return clearInterval(timer);
        if (++n <= 6) ex.chunk(": keep-alive\n\n");
        else if (n === 7) {
          ex.chunk(chunk("second"));
          ex.chunk(chunk("", "stop") + "data: [DONE]\n\n");
          ex.chunk("");
          clearInterval(timer);
        }
      }, 100);
    });
    // 700 ms between the two content events, but never 300 ms without bytes: the stream completes.
    const res = await gw.post("/v1/chat/completions", chat("a/keep-alive", { stream: true }));
    const data = sseData(res.text);
    expect(data.some((d) => d.includes('"error"'))).toBe(false);
    expect(data.filter((d) => d.includes('"content":"second"')).length).toBe(1);
    expect(res.ms).toBeGreaterThan(600);
  });

  test("the SDK's stream iterator raises the error event as an APIError", async () => {
    raw.on("/a/", stallAfterFirstEvent);
    const stream = await gw.client.chat.completions.create({ model: "a/sdk-stream", messages: [{ role: "user", content: "Hi" }], stream: true });
    let text = "";
    const err = await (async () => {
      for await (const c of stream) text += c.choices[0]?.delta.content ?? "";
    })().then(() => undefined, (e: unknown) => e);
    expect(text).toBe("first");
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(String((err as Error).message)).toContain("sent nothing for 300 ms");
  });
});

describe("circuit breaker", () => {
  test(`after ${CIRCUIT_FAILURES} stalls the target's circuit opens: the next request goes straight to the next target`, async () => {
    raw.on("/c/", headersThenStall("application/json"));
    for (let i = 0; i < CIRCUIT_FAILURES; i++) {
      const res = await gw.post("/v1/chat/completions", chat("cb"));
      expect(res.headers.get("x-butter-attempts")).toBe("2");
    }
    await settleLogs();
    expect(logs.lines.some((l) => l.includes('"msg":"circuit opened"') && l.includes('"provider":"c"'))).toBe(true);
    const before = pathsOf("/c/").length;
    const res = await gw.post("/v1/chat/completions", chat("cb"));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-butter-provider")).toBe("b");
    expect(res.headers.get("x-butter-attempts")).toBe("1");
    expect(res.ms).toBeLessThan(TIMEOUT_MS);
    expect(pathsOf("/c/").length).toBe(before);
  });

  test("a stream stalled before its first event counts as well", async () => {
    raw.on("/c/", headersThenStall("text/event-stream"));
    for (let i = 0; i < CIRCUIT_FAILURES; i++) await gw.post("/v1/chat/completions", chat("cs", { stream: true }));
    const res = await gw.post("/v1/chat/completions", chat("cs", { stream: true }));
    expect(res.headers.get("x-butter-attempts")).toBe("1");
    expect(res.headers.get("x-butter-provider")).toBe("b");
  });

  test("failures after a stream started count too: stalls mid-stream open the circuit", async () => {
    raw.on("/d/", stallAfterFirstEvent);
    for (let i = 0; i < CIRCUIT_FAILURES; i++) {
      const res = await gw.post("/v1/chat/completions", chat("ds", { stream: true }));
      expect(res.headers.get("x-butter-provider")).toBe("d");
      expect(res.text).toContain("stream_idle_timeout");
    }
    const res = await gw.post("/v1/chat/completions", chat("ds", { stream: true }));
    expect(res.headers.get("x-butter-provider")).toBe("b");
    expect(res.headers.get("x-butter-attempts")).toBe("1");
  });
});

test("no key in what clients received, in the logs or in /metrics", async () => {
  const metrics = await gw.get("/metrics");
  await settleLogs();
  expectNoSecrets(Object.values(KEYS), { client: gw.seen, logs: logs.lines, metrics: [metrics.text] });
});
