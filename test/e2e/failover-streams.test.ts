// Streaming failover (only before the first byte) and client disconnects cancelling retries, end to end.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import OpenAI, { APIError } from "openai";
import {
  fixtureReply, hang, json, loadText, openaiClient, splitSseEvents, sse, sseFixtureReply, startGateway, startMockUpstream,
  type Gateway, type MockUpstream,
} from "../support/index.ts";

let mock: MockUpstream;
let gw: Gateway;
let slow: Gateway;
let client: OpenAI;

beforeAll(async () => {
  mock = await startMockUpstream();
  const config = (backoff: Record<string, unknown>) => ({
    providers: {
      a: { type: "openai", base_url: `${mock.url}/a/v1`, keys: [{ value: "key-a" }] },
      b: { type: "openai", base_url: `${mock.url}/b/v1`, keys: [{ value: "key-b" }] },
    },
    routes: { ab: { strategy: "priority", targets: [{ provider: "a", model: "m" }, { provider: "b", model: "m" }] } },
    failover: { max_attempts: 3, backoff, circuit: { failures: 1000, cooldown: "1s" } },
  });
  [gw, slow] = await Promise.all([
    startGateway(config({ initial: "1ms", max: "5ms", multiplier: 2 })),
    // Backoff waits of 1–2 s, long enough to disconnect during one.
    startGateway(config({ initial: "2s", max: "2s", multiplier: 1 })),
  ]);
  client = openaiClient(gw);
});
afterAll(async () => {
  await Promise.all([gw?.stop(), slow?.stop()]);
  await mock?.stop();
});
beforeEach(() => mock.reset());

const hello = [{ role: "user" as const, content: "Hello!" }];
const events = () => splitSseEvents(loadText("openai", "stream.sse"));

async function drain(stream: AsyncIterable<OpenAI.ChatCompletionChunk>): Promise<{ text: string; error?: unknown }> {
  let text = "";
  try {
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
  } catch (error) {
    return { text, error };
  }
  return { text };
}

describe("streaming failover", () => {
  test("an upstream that breaks before its first event is retried on the next target", async () => {
    // 200 and a keep-alive comment, then a connection reset: nothing has reached the client yet.
    mock.when("POST", "/a/v1/chat/completions", sse([": keep-alive\n\n", ...events()], { failAfterChunks: 1 }));
    mock.when("POST", "/b/v1/chat/completions", sseFixtureReply("openai", "stream.sse"));
    const { data, response } = await client.chat.completions.create({ model: "ab", messages: hello, stream: true }).withResponse();
    expect(response.headers.get("x-butter-provider")).toBe("b");
    expect(response.headers.get("x-butter-attempts")).toBe("2");
    const { text, error } = await drain(data);
    expect(error).toBeUndefined();
    expect(text).toBe("Hello!");
    // It was the 200 stream that broke (not the connection attempt).
    await gw.waitForLog((_l, j) => j?.msg === "upstream attempt failed; retrying" && j.provider === "a" && j.error_kind === "stream_interrupted");
  });

  test("an error event as the very first event is retried too (listed status inside a 200 stream)", async () => {
    mock.when("POST", "/a/v1/chat/completions", sse([{ error: { code: 503, message: "overloaded" } }]));
    mock.when("POST", "/b/v1/chat/completions", sseFixtureReply("openai", "stream.sse"));
    const { data, response } = await client.chat.completions.create({ model: "ab", messages: hello, stream: true }).withResponse();
    expect(response.headers.get("x-butter-provider")).toBe("b");
    expect((await drain(data)).text).toBe("Hello!");
  });

  test("an upstream answering an error status to a stream request is retried", async () => {
    mock.setRoute("POST", "/a/v1/chat/completions", [json({ error: { message: "busy" } }, { status: 502 }), sseFixtureReply("openai", "stream.sse")]);
    const { data, response } = await client.chat.completions.create({ model: "a/m", messages: hello, stream: true }).withResponse();
    expect(response.headers.get("x-butter-attempts")).toBe("2");
    expect((await drain(data)).text).toBe("Hello!");
  });

  test("after the first byte nothing is retried: the stream ends with an error event and [DONE], and it is logged", async () => {
    mock.when("POST", "/a/v1/chat/completions", sseFixtureReply("openai", "stream.sse", { failAfterChunks: 2 }));
    mock.when("POST", "/b/v1/chat/completions", sseFixtureReply("openai", "stream.sse"));
    const res = await fetch(`${gw.baseURL}/v1/chat/completions`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "ab", messages: hello, stream: true }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-butter-provider")).toBe("a");
    const frames = (await res.text()).split("\n\n").filter(Boolean);
    expect(frames.at(-1)).toBe("data: [DONE]");
    expect(JSON.parse(frames.at(-2)!.slice(6)).error.code).toBe("stream_interrupted");
    expect(JSON.parse(frames[1]!.slice(6)).choices[0].delta.content).toBe("Hello");
    expect(mock.requests.map((r) => r.path)).toEqual(["/a/v1/chat/completions"]);
    await gw.waitForLog((_l, j) => j?.msg === "stream ended with an error" && j.provider === "a");

    // The SDK raises on that error event after the text it already got.
    mock.clearRequests();
    const stream = await client.chat.completions.create({ model: "ab", messages: hello, stream: true });
    const { text, error } = await drain(stream);
    expect(text).toBe("Hello");
    expect(error).toBeInstanceOf(APIError);
    expect(mock.requests.length).toBe(1);
  });
});

describe("client disconnect", () => {
  test("during a backoff wait: the wait is cancelled and no further attempt is made", async () => {
    mock.when("POST", "/a/v1/chat/completions", json({ error: { message: "busy" } }, { status: 503 }));
    const controller = new AbortController();
    const pending = fetch(`${slow.baseURL}/v1/chat/completions`, {
      method: "POST", headers: { "content-type": "application/json", "x-request-id": "disconnect-backoff" }, signal: controller.signal,
      body: JSON.stringify({ model: "a/m", messages: hello }),
    }).catch(() => undefined);
    const line = await slow.waitForLog((_l, j) => j?.msg === "upstream attempt failed; retrying" && j.request_id === "disconnect-backoff", 5000);
    const delay = JSON.parse(line).delay_ms as number;
    expect(delay).toBeGreaterThanOrEqual(1000);
    controller.abort();
    await pending;
    // Wait past the moment the retry would have happened.
    await Bun.sleep(delay + 500);
    expect(mock.requests.length).toBe(1);
  });

  test("during a retry in flight: the upstream request is aborted and nothing follows", async () => {
    mock.setRoute("POST", "/a/v1/chat/completions", [json({ error: { message: "busy" } }, { status: 503 }), hang()]);
    const controller = new AbortController();
    const pending = client.chat.completions.create({ model: "a/m", messages: hello }, { signal: controller.signal }).catch((e: unknown) => e);
    await mock.waitForRequests(2, 5000);
    controller.abort();
    expect(await pending).toBeInstanceOf(Error);
    await mock.waitFor((reqs) => reqs[1]?.abortedAt !== undefined, 3000);
    await Bun.sleep(300);
    expect(mock.requests.length).toBe(2);
  });

  test("a streaming request abandoned before its first byte aborts the upstream", async () => {
    mock.when("POST", "/a/v1/chat/completions", hang());
    const controller = new AbortController();
    const pending = client.chat.completions.create({ model: "ab", messages: hello, stream: true }, { signal: controller.signal }).catch((e: unknown) => e);
    await mock.waitForRequests(1, 5000);
    controller.abort();
    await pending;
    await mock.waitFor((reqs) => reqs[0]?.abortedAt !== undefined, 3000);
    await Bun.sleep(200);
    expect(mock.requests.length).toBe(1);
    // And the gateway still serves.
    mock.when("POST", "/a/v1/chat/completions", fixtureReply("openai", "chat.response.json"));
    expect((await client.chat.completions.create({ model: "ab", messages: hello })).choices.length).toBe(1);
  });
});
