import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { loadBytes, loadJson, loadText } from "./fixtures.ts";
import { type MockUpstream, type RecordedRequest, startMockUpstream } from "./mock-upstream.ts";
import {
  errorFixtureReply,
  eventStreamFixtureReply,
  fixtureReply,
  garbage,
  hang,
  json,
  reset,
  sse,
  sseFixtureReply,
  truncated,
} from "./replies.ts";
import { parseSse, splitEventStreamMessages, splitSseEvents, sseJson } from "./sse.ts";

let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream();
});
afterEach(() => mock.reset());
afterAll(() => mock.stop());

const post = (path: string, body: unknown, init: RequestInit = {}) =>
  fetch(mock.url + path, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: "Bearer sk-test" },
    body: JSON.stringify(body),
    ...init,
  });

/** Reads a body chunk by chunk, noting when each arrived. */
async function readChunks(res: Response): Promise<{ chunks: { text: string; at: number }[]; error?: unknown }> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const chunks: { text: string; at: number }[] = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { chunks };
      chunks.push({ text: decoder.decode(value), at: performance.now() });
    }
  } catch (error) {
    return { chunks, error };
  }
}

describe("recording", () => {
  test("records method, path with query, lower-cased headers, body, JSON and arrival time", async () => {
    mock.when("POST", "/v1/chat/completions", json({ ok: true }));
    const before = performance.now();
    const res = await post("/v1/chat/completions?api-version=2024-10-21", { model: "m", n: 1 }, {
      headers: { "X-Custom-Thing": "A", "content-type": "application/json" },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    const [req] = mock.requests as [RecordedRequest];
    expect(req.method).toBe("POST");
    expect(req.path).toBe("/v1/chat/completions?api-version=2024-10-21");
    expect(req.headers["x-custom-thing"]).toBe("A");
    expect(req.body).toBe('{"model":"m","n":1}');
    expect(req.json).toEqual({ model: "m", n: 1 });
    expect(req.receivedAt).toBeGreaterThanOrEqual(before);
    expect(req.route).toBe("POST /v1/chat/completions");
    expect(typeof req.remotePort).toBe("number");
    expect(req.abortedAt).toBeUndefined();
  });

  test("non-JSON bodies keep their text and have no json", async () => {
    mock.when("*", "*", json({}));
    await fetch(mock.url + "/x", { method: "PUT", body: "plain words" });
    expect(mock.requests[0]).toMatchObject({ method: "PUT", body: "plain words", json: undefined });
  });

  test("unmatched requests get a 404 naming them, and are still recorded", async () => {
    const res = await fetch(mock.url + "/nowhere");
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain("GET /nowhere");
    expect(mock.requests).toHaveLength(1);
    expect(mock.requests[0]!.route).toBeUndefined();
  });
});

describe("routing", () => {
  test("wildcards, RegExp, method filter, newest route wins", async () => {
    mock.when("POST", "/model/*/converse", json({ which: "glob" }));
    mock.when("POST", /:generateContent$/, json({ which: "regexp" }));
    mock.when("GET", "*", json({ which: "any-get" }));
    const which = async (r: Promise<Response>) => ((await (await r).json()) as { which: string }).which;
    expect(await which(post("/model/anthropic.claude%3A0/converse", {}))).toBe("glob");
    expect(await which(post("/v1beta/models/gemini-2.5-flash:generateContent", {}))).toBe("regexp");
    expect(await which(fetch(mock.url + "/v1/models"))).toBe("any-get");
    expect((await post("/model/x/converse-stream", {})).status).toBe(404);
    mock.when("GET", "/v1/models", json({ which: "specific" }));
    expect(await which(fetch(mock.url + "/v1/models"))).toBe("specific");
  });

  test("replyOnce queues before the default: 429, 429, then 200", async () => {
    const route = mock
      .when("POST", "/v1/chat/completions")
      .replyOnce(errorFixtureReply("openai", "error-429-rate-limit.json"), json({}, { status: 429 }))
      .reply(fixtureReply("openai", "chat.response.json"));
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await post("/v1/chat/completions", {})).status);
    expect(statuses).toEqual([429, 429, 200, 200]);
    expect(route.requests).toHaveLength(4);
  });

  test("setRoute with an array and a function reply that sees the request and its index", async () => {
    mock.setRoute("POST", "/a", [json({ n: "first" }), (req, nth) => json({ n: nth, got: req.json })]);
    const bodies = [];
    for (let i = 0; i < 3; i++) bodies.push(await (await post("/a", { i })).json());
    expect(bodies).toEqual([{ n: "first" }, { n: 1, got: { i: 1 } }, { n: 2, got: { i: 2 } }]);
  });

  test("a throwing reply function becomes a 500 from the mock", async () => {
    mock.when("POST", "/a", () => {
      throw new Error("oops");
    });
    const res = await post("/a", {});
    expect(res.status).toBe(500);
    expect(await res.text()).toContain("oops");
  });

  test("reset() forgets routes and requests", async () => {
    mock.when("GET", "/x", json({}));
    await fetch(mock.url + "/x");
    mock.reset();
    expect(mock.requests).toHaveLength(0);
    expect((await fetch(mock.url + "/x")).status).toBe(404);
  });
});

describe("fixture replies", () => {
  test("fixtureReply strips annotations", async () => {
    mock.when("GET", "/v1beta/models", fixtureReply("gemini", "models.response.json"));
    const body = (await (await fetch(mock.url + "/v1beta/models")).json()) as Record<string, unknown>;
    expect(body._url).toBeUndefined();
    expect(body).toEqual(loadJson("gemini", "models.response.json").body);
  });

  test("errorFixtureReply carries status, headers and body", async () => {
    mock.when("POST", "/v1/chat/completions", errorFixtureReply("openai", "error-429-rate-limit.json"));
    const res = await post("/v1/chat/completions", {});
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("2");
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("rate_limit_exceeded");
  });

  test("errorFixtureReply with body_text (Perplexity's HTML 401)", async () => {
    mock.when("POST", "/chat/completions", errorFixtureReply("perplexity", "error-401.json"));
    const res = await post("/chat/completions", {});
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toStartWith("text/html");
    expect(await res.text()).toContain("401 Authorization Required");
  });

  test("SSE fixtures are replayed byte for byte (LF and CRLF)", async () => {
    for (const [provider, file] of [["openai", "stream.sse"], ["gemini", "stream.sse"], ["openrouter", "stream.sse"]] as const) {
      mock.when("POST", "/s", sseFixtureReply(provider, file));
      const res = await post("/s", {});
      expect(res.headers.get("content-type")).toBe("text/event-stream");
      expect(await res.text()).toBe(loadText(provider, file));
    }
  });

  test("Bedrock event-stream .bin is replayed byte for byte", async () => {
    mock.when("POST", "/model/*/converse-stream", eventStreamFixtureReply("bedrock", "converse-stream.bin"));
    const res = await post("/model/m/converse-stream", {});
    expect(res.headers.get("content-type")).toBe("application/vnd.amazon.eventstream");
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(loadBytes("bedrock", "converse-stream.bin"));
  });
});

describe("stream helpers", () => {
  test("splitSseEvents keeps terminators and tolerates CRLF", () => {
    for (const [provider, file] of [["openai", "stream.sse"], ["gemini", "stream.sse"], ["anthropic", "stream.sse"]]) {
      const text = loadText(provider!, file!);
      const events = splitSseEvents(text);
      expect(events.join("")).toBe(text);
      expect(events.length).toBe(parseSse(text).length);
      for (const e of events) expect(e.trim()).not.toMatch(/\r?\n\r?\n/);
    }
    expect(splitSseEvents("data: a\r\n\r\ndata: b\n\ndata: c")).toEqual(["data: a\r\n\r\n", "data: b\n\n", "data: c"]);
    expect(splitSseEvents("data: a\r\ndata: b\r\n\r\n")).toHaveLength(1);
  });

  test("sseJson parses data payloads and drops [DONE]", () => {
    const chunks = sseJson(loadText("openai", "stream.sse"));
    expect(chunks.length).toBeGreaterThan(1);
    expect((chunks[0] as { object: string }).object).toBe("chat.completion.chunk");
  });

  test("splitEventStreamMessages frames every Bedrock message", () => {
    const bin = loadBytes("bedrock", "converse-stream.bin");
    const messages = splitEventStreamMessages(bin);
    const decoded = loadJson<unknown>("bedrock", "converse-stream.decoded.json").body;
    expect(messages.length).toBe((decoded as unknown[]).length);
    expect(messages.reduce((n, m) => n + m.byteLength, 0)).toBe(bin.byteLength);
  });
});

describe("failure modes", () => {
  test("reset makes the client's fetch fail, and is not counted as a client abort", async () => {
    mock.when("POST", "/v1/chat/completions", reset());
    const err = await post("/v1/chat/completions", {}).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as { code?: string }).code).toBe("ECONNRESET");
    expect(mock.requests).toHaveLength(1);
    expect(mock.requests[0]!.resetAt).toBeNumber();
    await Bun.sleep(10);
    expect(mock.aborted).toBe(0);
  });

  test("delay holds the response headers back", async () => {
    mock.when("GET", "/slow", json({}, { delay: 80 }));
    const t0 = performance.now();
    const res = await fetch(mock.url + "/slow");
    expect(performance.now() - t0).toBeGreaterThanOrEqual(75);
    expect(res.status).toBe(200);
  });

  test("garbage is a 200 'JSON' that does not parse", async () => {
    mock.when("POST", "/a", garbage());
    const res = await post("/a", {});
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    await expect(res.json()).rejects.toThrow();
  });

  test("truncated is the first half of the JSON; with abort the connection resets instead", async () => {
    const full = loadJson("openai", "chat.response.json").body;
    mock.when("POST", "/a", truncated(full));
    const text = await (await post("/a", {})).text();
    expect(JSON.stringify(full).startsWith(text)).toBe(true);
    expect(text.length).toBeGreaterThan(10);
    expect(() => JSON.parse(text)).toThrow();

    mock.when("POST", "/a", truncated(full, { abort: true }));
    const res = await post("/a", {});
    expect(res.status).toBe(200);
    const { chunks, error } = await readChunks(res);
    expect(error).toBeDefined();
    expect(JSON.stringify(full).startsWith(chunks.map((c) => c.text).join(""))).toBe(true);
  });

  test("chunkDelayMs sends each SSE event as its own write", async () => {
    const gap = 40;
    mock.when("POST", "/s", sse([{ n: 0 }, { n: 1 }, { n: 2 }, "data: [DONE]\n\n"], { chunkDelayMs: gap }));
    const t0 = performance.now();
    const { chunks, error } = await readChunks(await post("/s", {}));
    expect(error).toBeUndefined();
    expect(chunks.map((c) => c.text)).toEqual(['data: {"n":0}\n\n', 'data: {"n":1}\n\n', 'data: {"n":2}\n\n', "data: [DONE]\n\n"]);
    // Lower bounds only: a loaded machine may read late, never early. The first event must not wait for the last.
    chunks.forEach((c, i) => expect(c.at - t0).toBeGreaterThanOrEqual(i * gap - 2));
    expect(chunks[0]!.at - t0).toBeLessThan(3 * gap);
  });

  test("failAfterChunks sends N events then drops the connection", async () => {
    const events = splitSseEvents(loadText("openai", "stream.sse"));
    mock.when("POST", "/s", sseFixtureReply("openai", "stream.sse", { failAfterChunks: 2, chunkDelayMs: 5 }));
    for (let round = 0; round < 5; round++) {
      const res = await post("/s", {});
      expect(res.status).toBe(200);
      const { chunks, error } = await readChunks(res);
      expect((error as { code?: string }).code).toBe("ECONNRESET");
      expect(chunks.map((c) => c.text).join("")).toBe(events.slice(0, 2).join(""));
    }
    expect(mock.requests.every((r) => r.resetAt !== undefined && r.abortedAt === undefined)).toBe(true);
  });

  test("failAfterChunks counts Bedrock event-stream messages", async () => {
    const messages = splitEventStreamMessages(loadBytes("bedrock", "converse-stream.bin"));
    mock.when("POST", "/model/*/converse-stream", eventStreamFixtureReply("bedrock", "converse-stream.bin", { failAfterChunks: 3 }));
    const res = await post("/model/m/converse-stream", {});
    const reader = res.body!.getReader();
    let received = 0;
    await expect(
      (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          received += value.byteLength;
        }
      })(),
    ).rejects.toThrow();
    expect(received).toBe(messages.slice(0, 3).reduce((n, m) => n + m.byteLength, 0));
  });

  test("hang never answers; the client's abort is recorded", async () => {
    mock.when("POST", "/v1/chat/completions", hang());
    const ctl = new AbortController();
    const pending = post("/v1/chat/completions", {}, { signal: ctl.signal });
    await mock.waitForRequests(1);
    expect(mock.aborted).toBe(0);
    const abortTime = performance.now();
    ctl.abort();
    await expect(pending).rejects.toThrow();
    await mock.waitFor((reqs) => reqs[0]?.abortedAt !== undefined);
    expect(mock.aborted).toBe(1);
    expect(mock.requests[0]!.abortedAt!).toBeGreaterThanOrEqual(abortTime);
  });

  test("an abandoned stream is recorded as aborted too", async () => {
    mock.when("POST", "/s", sse([{ n: 0 }, { n: 1 }, { n: 2 }], { chunkDelayMs: 30 }));
    const ctl = new AbortController();
    const res = await post("/s", {}, { signal: ctl.signal });
    await res.body!.getReader().read();
    ctl.abort();
    await mock.waitFor(() => mock.aborted === 1);
  });

  test("stop() ends hung requests", async () => {
    const other = await startMockUpstream({ fallback: hang() });
    const pending = fetch(other.url + "/x").then(
      () => "answered",
      () => "failed",
    );
    await other.waitForRequests(1);
    await other.stop();
    expect(await pending).toBe("failed");
  });
});
