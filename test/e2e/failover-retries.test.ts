// Failover end to end: retried and unretried statuses, network errors, timeouts, garbage, Retry-After,
// max_attempts, embeddings, circuit breaking and the overall deadline.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import OpenAI, { APIError } from "openai";
import {
  fixtureReply, garbage, hang, json, openaiClient, reset, startGateway, startMockUpstream, type Gateway, type MockUpstream,
} from "../support/index.ts";

let mock: MockUpstream;
let gw: Gateway;
let client: OpenAI;

const providers = (url: string) => ({
  a: { type: "openai", base_url: `${url}/a/v1`, keys: [{ value: "key-a" }] },
  b: { type: "openai", base_url: `${url}/b/v1`, keys: [{ value: "key-b" }] },
});
const routes = { ab: { strategy: "priority", targets: [{ provider: "a", model: "m" }, { provider: "b", model: "m" }] } };

beforeAll(async () => {
  mock = await startMockUpstream();
  gw = await startGateway({
    providers: providers(mock.url),
    routes,
    failover: {
      max_attempts: 3, timeout: "500ms",
      backoff: { initial: "1ms", max: "5ms", multiplier: 2 },
      circuit: { failures: 1000, cooldown: "1s" }, // no circuit opening across tests in this file
    },
  });
  client = openaiClient(gw);
});
afterAll(async () => {
  await gw?.stop();
  await mock?.stop();
});
beforeEach(() => mock.reset());

const hello = [{ role: "user" as const, content: "Hello!" }];
const chat = (model: string) => client.chat.completions.create({ model, messages: hello }).withResponse();
const failure = (model: string) => chat(model).then(() => { throw new Error("expected an error"); }, (e: unknown) => e as APIError);
const status = (s: number, headers?: Record<string, string>) => json({ error: { message: `upstream says ${s}`, type: "x", code: `c${s}` } }, { status: s, headers });
const ok = () => fixtureReply("openai", "chat.response.json");
const segments = () => mock.requests.map((r) => r.path.split("/")[1]);

describe("which failures are retried", () => {
  for (const s of [429, 500, 502, 503, 504]) {
    test(`listed status ${s}: retried, then answered`, async () => {
      mock.setRoute("POST", "/a/v1/chat/completions", [status(s), ok()]);
      const { response } = await chat("a/m");
      expect(response.headers.get("x-butter-attempts")).toBe("2");
      expect(response.headers.get("x-butter-provider")).toBe("a");
      expect(mock.requests.length).toBe(2);
    });
  }

  for (const [s, type] of [[400, OpenAI.BadRequestError], [401, OpenAI.AuthenticationError], [404, OpenAI.NotFoundError], [422, OpenAI.UnprocessableEntityError]] as const) {
    test(`unlisted status ${s}: fails fast with the upstream's error in the OpenAI envelope`, async () => {
      mock.setRoute("POST", "/a/v1/chat/completions", [status(s), ok()]);
      const err = await failure("a/m");
      expect(err).toBeInstanceOf(type);
      expect(err.status).toBe(s);
      expect(err.code).toBe(`c${s}`);
      expect(err.message).toContain(`upstream says ${s}`);
      expect(mock.requests.length).toBe(1);
    });
  }

  test("a connection reset fails over to the next target", async () => {
    mock.when("POST", "/a/v1/chat/completions", reset());
    mock.when("POST", "/b/v1/chat/completions", ok());
    const { response } = await chat("ab");
    expect(response.headers.get("x-butter-provider")).toBe("b");
    expect(response.headers.get("x-butter-attempts")).toBe("2");
  });

  test("a refused connection (nothing listening) fails over", async () => {
    const dead = await startGateway({
      providers: { ...providers(mock.url), a: { type: "openai", base_url: "http://127.0.0.1:1/v1", keys: [{ value: "key-a" }] } },
      routes,
      failover: { backoff: { initial: "1ms", max: "1ms", multiplier: 1 } },
    });
    try {
      mock.when("POST", "/b/v1/chat/completions", ok());
      const { response } = await openaiClient(dead).chat.completions.create({ model: "ab", messages: hello }).withResponse();
      expect(response.headers.get("x-butter-provider")).toBe("b");
    } finally {
      await dead.stop();
    }
  });

  test("an attempt timeout fails over, and the abandoned upstream request is aborted", async () => {
    mock.when("POST", "/a/v1/chat/completions", hang());
    mock.when("POST", "/b/v1/chat/completions", ok());
    const { response } = await chat("ab");
    expect(response.headers.get("x-butter-provider")).toBe("b");
    await mock.waitFor((reqs) => reqs[0]?.abortedAt !== undefined, 3000);
  });

  test("a garbage body (upstream_bad_response) is retried", async () => {
    mock.when("POST", "/a/v1/chat/completions", garbage());
    mock.when("POST", "/b/v1/chat/completions", ok());
    const { response } = await chat("ab");
    expect(response.headers.get("x-butter-provider")).toBe("b");
  });

  test("embeddings go through the same failover path", async () => {
    mock.when("POST", "/a/v1/embeddings", status(503));
    mock.when("POST", "/b/v1/embeddings", fixtureReply("openai", "embeddings.response.json"));
    const { data, response } = await client.embeddings.create({ model: "ab", input: "hi" }).withResponse();
    expect(data.data.length).toBeGreaterThan(0);
    expect(response.headers.get("x-butter-provider")).toBe("b");
    expect(response.headers.get("x-butter-attempts")).toBe("2");
  });
});

describe("limits", () => {
  test("max_attempts counts every attempt, across targets and wrapping around", async () => {
    mock.when("POST", /chat\/completions$/, status(503));
    const err = await failure("ab");
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err.status).toBe(503);
    expect(segments()).toEqual(["a", "b", "a"]);
  });

  test("when attempts run out the client gets the last upstream error: a 429 stays a 429, with its retry-after", async () => {
    mock.when("POST", "/a/v1/chat/completions", status(429, { "retry-after": "0" }));
    const err = await failure("a/m");
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.headers?.get("retry-after")).toBe("0");
    expect(mock.requests.length).toBe(3);
  });

  test("Retry-After is honoured before retrying the same upstream", async () => {
    mock.setRoute("POST", "/a/v1/chat/completions", [status(429, { "retry-after": "1" }), ok()]);
    const { response } = await chat("a/m");
    expect(response.headers.get("x-butter-attempts")).toBe("2");
    const [first, second] = mock.requests;
    // A lower bound only: the gateway waited (about) one second, never less.
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(900);
  });

  test("a Retry-After beyond the cap is handed to the client at once", async () => {
    mock.when("POST", "/a/v1/chat/completions", status(429, { "retry-after": "3600" }));
    const err = await failure("a/m");
    expect(err.status).toBe(429);
    expect(err.headers?.get("retry-after")).toBe("3600");
    expect(mock.requests.length).toBe(1);
  });
});

describe("circuit breaking and deadline", () => {
  test("a target failing repeatedly is skipped for the cool-down", async () => {
    await using cb = await startGateway({
      providers: providers(mock.url),
      routes,
      failover: { max_attempts: 2, backoff: { initial: "1ms", max: "1ms", multiplier: 1 }, circuit: { failures: 2, cooldown: "60s" } },
    });
    const c = openaiClient(cb);
    mock.when("POST", "/a/v1/chat/completions", reset());
    mock.when("POST", "/b/v1/chat/completions", ok());
    const attempts: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { response } = await c.chat.completions.create({ model: "ab", messages: hello }).withResponse();
      expect(response.headers.get("x-butter-provider")).toBe("b");
      attempts.push(response.headers.get("x-butter-attempts")!);
    }
    // Two failures open a's circuit; afterwards b answers at the first attempt and a sees no traffic.
    expect(attempts).toEqual(["2", "2", "1", "1", "1"]);
    expect(segments().filter((s) => s === "a").length).toBe(2);
    await cb.waitForLog((_l, j) => j?.msg === "circuit opened" && j.provider === "a");
  });

  test("the overall deadline bounds a request whose upstream never answers", async () => {
    await using dl = await startGateway({
      providers: providers(mock.url),
      failover: { timeout: "60s", deadline: "700ms" },
    });
    mock.when("POST", "/a/v1/chat/completions", hang());
    const started = performance.now();
    const err = await openaiClient(dl).chat.completions.create({ model: "a/m", messages: hello }).then(
      () => undefined, (e: unknown) => e as APIError,
    );
    expect(err?.status).toBe(504);
    expect(err?.code).toBe("upstream_timeout");
    expect(performance.now() - started).toBeLessThan(30_000); // far below the 60 s attempt timeout
    expect(mock.requests.length).toBe(1);
    await mock.waitFor((reqs) => reqs[0]?.abortedAt !== undefined, 3000);
  });
});
