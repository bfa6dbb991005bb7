// Fault injection for /v1/messages relayed natively from Claude on Bedrock (InvokeModelWithResponseStream):
// a binary event stream cut short, chunks whose `bytes` are not base64 of an event's JSON, a stall.
// Before the first event each is a failed attempt (a route fails over); after it, the client's 200
// stream ends with one `event: error` and the gateway closes the upstream connection.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { settleLogs, captureStdout, startFaultGateway, type Captured, type FaultGateway } from "./harness.ts";
import { healthy } from "./payloads.ts";
import { startRawUpstream, type RawExchange, type RawUpstream } from "./raw-upstream.ts";
import { concatBytes, encodeEventStreamMessage, invokeChunk, type EncodableMessage } from "../support/event-stream-encoder.ts";

const AWS = { access_key_id: "AKIAFAULTNATIVE7Q2W9E", secret_access_key: "fault/Native+Secret/Key0123456789abcdEF" };
const CLAUDE = "anthropic.claude-3-5-haiku-20241022-v1:0";

let raw: RawUpstream;
let gw: FaultGateway;
let logs: Captured;

beforeAll(async () => {
  logs = captureStdout();
  raw = startRawUpstream();
  gw = await startFaultGateway({
    providers: {
      bed: { type: "bedrock", region: "us-east-1", base_url: `${raw.url}/bed`, keys: [AWS] },
      b: { type: "openai", base_url: `${raw.url}/b/v1`, keys: [{ value: "sk-fault-native-b" }] },
    },
    routes: { cb: { strategy: "priority", targets: [{ provider: "bed", model: CLAUDE }, { provider: "b", model: "m" }] } },
    failover: {
      max_attempts: 2, timeout: "500ms", stream_idle_timeout: "300ms", deadline: "5s",
      backoff: { initial: "1ms", max: "2ms", multiplier: 2 },
      circuit: { failures: 1000, cooldown: "1s" },
    },
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

const START = { type: "message_start", message: { id: "msg_f", type: "message", role: "assistant", content: [], model: "claude", stop_reason: null, stop_sequence: null, usage: { input_tokens: 3, output_tokens: 1 } } };
const BLOCK = { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } };

const chunkWith = (bytes: string): EncodableMessage => ({
  headers: { ":event-type": "chunk", ":content-type": "application/json", ":message-type": "event" },
  payload: { bytes },
});
const chunkOf = invokeChunk;

/** A 200 event stream that writes `bytes`, then ends the body cleanly, resets the connection, or stalls. */
function eventStream(bytes: Uint8Array, then: "end" | "reset" | "stall" = "end") {
  return (ex: RawExchange) => {
    ex.head(200, { "content-type": "application/vnd.amazon.eventstream" }, { chunked: true });
    ex.chunk(bytes);
    if (then === "end") {
      ex.write("0\r\n\r\n");
      ex.end();
    } else if (then === "reset") setTimeout(() => ex.reset(), 50);
  };
}

const body = (model: string) => ({ model, max_tokens: 10, stream: true, messages: [{ role: "user", content: "Hello!" }] });

/** Direct: a 502 in Anthropic's envelope, quickly. Routed: b answers in 2 attempts. */
async function expectFailedAttempt(behaviour: (ex: RawExchange) => void, detail: RegExp) {
  raw.on("/bed/", behaviour);
  const direct = await gw.post("/v1/messages", body(`bed/${CLAUDE}`));
  expect(direct.status).toBe(502);
  const error = (JSON.parse(direct.text) as { type: string; error: { type: string; message: string } });
  expect(error.type).toBe("error");
  expect(error.error.type).toBe("api_error");
  expect(error.error.message).toMatch(detail);
  expect(direct.ms).toBeLessThan(3000);
  const routed = await gw.post("/v1/messages", body("cb"));
  expect(routed.status).toBe(200);
  expect(routed.headers.get("x-butter-provider")).toBe("b");
  expect(routed.headers.get("x-butter-attempts")).toBe("2");
  expect(routed.text).toContain("hi from b");
}

/** A 200 that relayed `events` and then ended with one `event: error` (no message_stop); the upstream connection closed by the gateway. */
async function expectErrorAfter(behaviour: (ex: RawExchange) => void, events: readonly object[], detail: RegExp) {
  raw.on("/bed/", behaviour);
  const res = await gw.post("/v1/messages", body(`bed/${CLAUDE}`));
  expect(res.status).toBe(200);
  const relayed = events.map((e) => `event: ${(e as { type: string }).type}\ndata: ${JSON.stringify(e)}\n\n`).join("");
  expect(res.text.startsWith(relayed)).toBe(true);
  const tail = res.text.slice(relayed.length);
  expect(tail).toMatch(/^event: error\ndata: [^\n]+\n\n$/);
  expect((JSON.parse(tail.slice(tail.indexOf("data: ") + 6)) as { error: { message: string } }).error.message).toMatch(detail);
  expect(res.ms).toBeLessThan(3000);
  const mine = raw.exchanges.filter((e) => e.request.path.startsWith("/bed/"));
  await Promise.all(mine.map((e) => Promise.race([e.closed, Bun.sleep(2000)])));
  for (const e of mine) expect(e.isOpen).toBe(false);
}

describe("native Messages from Bedrock: broken event streams", () => {
  test("cut inside the first message: a failed attempt, fails over", async () => {
    const first = encodeEventStreamMessage(chunkOf(START));
    await expectFailedAttempt(eventStream(first.subarray(0, first.length - 9)), /corrupt|ended inside a message/);
  });

  test("cut inside a later message: the relayed events, then event: error", async () => {
    const second = encodeEventStreamMessage(chunkOf(BLOCK));
    const bytes = concatBytes([encodeEventStreamMessage(chunkOf(START)), second.subarray(0, 20)]);
    await expectErrorAfter(eventStream(bytes), [START], /corrupt|ended inside a message/);
  });

  test("connection reset after the first event: the relayed event, then event: error", async () => {
    const bytes = concatBytes([encodeEventStreamMessage(chunkOf(START)), encodeEventStreamMessage(chunkOf(BLOCK)).subarray(0, 30)]);
    await expectErrorAfter(eventStream(bytes, "reset"), [START], /connection closed|corrupt|ended inside/);
  });

  test("`bytes` that are not base64 in the first chunk: a failed attempt, fails over", async () => {
    await expectFailedAttempt(eventStream(encodeEventStreamMessage(chunkWith("%%% not base64 ***"))), /base64/);
  });

  test("base64 of something that is not an event's JSON, mid-stream: event: error", async () => {
    for (const bad of ["{\"type\":\"content_block_st", "[1,2,3]", "\u00ff\u00fe garbage"]) {
      raw.reset();
      const bytes = concatBytes([encodeEventStreamMessage(chunkOf(START)), encodeEventStreamMessage(chunkOf(bad))]);
      await expectErrorAfter(eventStream(bytes), [START], /base64/);
    }
  });

  test("two events, then a stall: event: error for the idle stream", async () => {
    const bytes = concatBytes([encodeEventStreamMessage(chunkOf(START)), encodeEventStreamMessage(chunkOf(BLOCK))]);
    await expectErrorAfter(eventStream(bytes, "stall"), [START, BLOCK], /idle|silent|\d+ ?ms/i);
  });
});
