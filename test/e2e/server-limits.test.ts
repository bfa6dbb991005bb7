// The listener against clients that misbehave on purpose: bodies that stall or never come, bodies over
// the limit (declared or chunked), HTTP/1.0 without Host, request targets spelled to traverse, clients
// that leave mid-body, JSON nested to blow the stack. The real gateway process, raw sockets.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { json, sse, startGateway, startMockUpstream, type Gateway, type MockUpstream } from "../support/index.ts";
import { parsePrometheusText } from "../support/prometheus-text.ts";
import { rawConnect, rawRequest, type RawConnection } from "../support/raw-http.ts";

const BODY_TIMEOUT = 300;
const MAX_BODY = 256 * 1024;

let mock: MockUpstream;
let gw: Gateway;

beforeAll(async () => {
  mock = await startMockUpstream();
  gw = await startGateway(
    {
      server: { address: "127.0.0.1:0", max_body_bytes: MAX_BODY, body_timeout: `${BODY_TIMEOUT}ms` },
      providers: { openai: { base_url: `${mock.url}/v1`, keys: [{ value: "sk-test" }] } },
      failover: { timeout: "5s", max_attempts: 1 },
      plugins: [{ name: "metrics" }],
    },
    { env: { BUTTER_LOG_LEVEL: "debug" } },
  );
});
afterAll(async () => {
  await gw?.stop();
  await mock?.stop();
});
beforeEach(() => mock.reset());

const completion = { id: "c", object: "chat.completion", created: 1, model: "m", choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }] };
const chatBody = JSON.stringify({ model: "openai/m", messages: [{ role: "user", content: "hello" }] });

function post(path: string, headers: Record<string, string>, body = ""): string {
  const lines = Object.entries({ host: "127.0.0.1", ...headers }).map(([k, v]) => `${k}: ${v}\r\n`).join("");
  return `POST ${path} HTTP/1.1\r\n${lines}\r\n${body}`;
}

function envelope(body: string): { message: string; type: string; code: string | null } {
  return (JSON.parse(body) as { error: { message: string; type: string; code: string | null } }).error;
}

/** No error-level line (an "internal error") was logged since `from`. */
function errorLinesSince(from: number): Record<string, unknown>[] {
  return gw.logs.slice(from).flatMap((l) => {
    try {
      const j = JSON.parse(l) as Record<string, unknown>;
      return j.level === "error" ? [j] : [];
    } catch {
      return [];
    }
  });
}

describe("body_timeout", () => {
  async function expect408(conn: RawConnection, sentAt: number): Promise<void> {
    const res = await conn.response(BODY_TIMEOUT + 2000);
    const waited = performance.now() - sentAt;
    expect(res.status).toBe(408);
    expect(res.headers["x-request-id"]).toMatch(/^req_/);
    expect(res.headers.connection).toBe("close");
    expect(envelope(res.body)).toMatchObject({ type: "timeout", code: "request_timeout" });
    // not before the timeout, and not much after it (the wheel ticks every 10 ms; a loaded CI box is slow)
    expect(waited).toBeGreaterThanOrEqual(BODY_TIMEOUT - 20);
    expect(waited).toBeLessThan(BODY_TIMEOUT + 1500);
    await conn.closed(1000);
  }

  test("headers, part of a declared body, then silence → 408 envelope and the connection closed", async () => {
    const conn = await rawConnect(gw.port);
    const at = performance.now();
    conn.write(post("/v1/chat/completions", { "content-type": "application/json", "content-length": String(chatBody.length) }, chatBody.slice(0, 20)));
    await expect408(conn, at);
  });

  test("headers and never any body; a chunked body that stalls; a body dripped a byte at a time", async () => {
    const never = await rawConnect(gw.port);
    const chunked = await rawConnect(gw.port);
    const drip = await rawConnect(gw.port);
    const at = performance.now();
    never.write(post("/v1/chat/completions", { "content-length": "100" }));
    chunked.write(post("/v1/embeddings", { "transfer-encoding": "chunked" }, "5\r\n{\"mod\r\n"));
    drip.write(post("/v1/chat/completions", { "content-length": String(chatBody.length) }));
    // each byte resets an idle timer, but not this deadline: it covers the whole body
    let i = 0;
    const dripper = setInterval(() => {
      if (!drip.isClosed && i < chatBody.length) drip.write(chatBody[i++]!);
    }, 40);
    try {
      await Promise.all([expect408(never, at), expect408(chunked, at), expect408(drip, at)]);
    } finally {
      clearInterval(dripper);
    }
    expect(i).toBeLessThan(chatBody.length);
  });

  test("a body that arrives in pieces within the timeout is served", async () => {
    mock.when("POST", "/v1/chat/completions", json(completion));
    const conn = await rawConnect(gw.port);
    conn.write(post("/v1/chat/completions", { "content-length": String(chatBody.length) }, chatBody.slice(0, 10)));
    await Bun.sleep(BODY_TIMEOUT / 3);
    conn.write(chatBody.slice(10));
    const res = await conn.response();
    expect(res.status).toBe(200);
    expect(res.headers.connection).toBeUndefined(); // keep-alive
    conn.destroy();
  });

  test("a GET with a declared body that never comes is answered and its connection closed, not held", async () => {
    const res = await rawRequest(gw.port, "GET /healthz HTTP/1.1\r\nhost: x\r\ncontent-length: 50\r\n\r\n");
    expect(res.status).toBe(200);
    expect(res.headers.connection).toBe("close");
    await res.connection.closed(1000);
  });

  test("a long upstream wait is not cut by body_timeout", async () => {
    mock.when("POST", "/v1/chat/completions", json(completion, { delay: BODY_TIMEOUT * 3 }));
    const res = await fetch(`${gw.baseURL}/v1/chat/completions`, { method: "POST", body: chatBody });
    expect(res.status).toBe(200);
    expect(((await res.json()) as typeof completion).choices[0]!.message.content).toBe("hi");
  });

  test("a long stream is not cut by body_timeout", async () => {
    const chunk = (content: string, finish: string | null = null) => ({
      id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content }, finish_reason: finish }],
    });
    mock.when("POST", "/v1/chat/completions", sse([chunk("a"), chunk("b"), chunk("c"), chunk("d"), chunk("", "stop"), "data: [DONE]\n\n"], { chunkDelayMs: BODY_TIMEOUT / 2 }));
    const started = performance.now();
    const res = await fetch(`${gw.baseURL}/v1/chat/completions`, {
      method: "POST", body: JSON.stringify({ model: "openai/m", stream: true, messages: [{ role: "user", content: "x" }] }),
    });
    const text = await res.text();
    expect(performance.now() - started).toBeGreaterThan(BODY_TIMEOUT * 2);
    const contents = text.split("\n").filter((l) => l.startsWith("data: {")).map((l) => JSON.parse(l.slice(6)).choices[0]?.delta?.content ?? "").join("");
    expect(contents).toBe("abcd");
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
  });

  test("at a low descriptor limit, stalled bodies delay /healthz by a few body_timeouts instead of starving it", async () => {
    // Its own gateway, whose descriptor limit is then lowered to 40 above what it has open at rest.
    const own = await startGateway({ server: { address: "127.0.0.1:0", body_timeout: `${BODY_TIMEOUT}ms` }, providers: {} });
    const stalled: RawConnection[] = [];
    try {
      const limit = readdirSync(`/proc/${own.proc.pid}/fd`).length + 40;
      const set = Bun.spawnSync(["prlimit", `--pid=${own.proc.pid}`, `--nofile=${limit}:${limit}`]);
      expect(set.exitCode).toBe(0);
      for (let i = 0; i < 150; i++) stalled.push(await rawConnect(own.port));
      for (const c of stalled) c.write(post("/v1/chat/completions", { "content-length": "1000" }, "{\"model\":"));
      // The 151st connection waits in the accept queue until stalled ones are answered 408 and closed.
      const health = await fetch(`${own.baseURL}/healthz`, { signal: AbortSignal.timeout(10 * BODY_TIMEOUT + 3000) });
      expect(health.status).toBe(200);
      const answers = await Promise.all(stalled.map((c) => c.response(10 * BODY_TIMEOUT + 3000)));
      expect(answers.filter((a) => a.status !== 408)).toEqual([]);
      await Promise.all(stalled.map((c) => c.closed(2000)));
    } finally {
      for (const c of stalled) c.destroy();
      await own.stop();
    }
  });
});

describe("max_body_bytes: every over-limit body gets the 413 envelope with x-request-id", () => {
  function expect413(res: { status: number; headers: Record<string, string>; body: string }): void {
    expect(res.status).toBe(413);
    expect(res.headers["x-request-id"]).toMatch(/^req_/);
    expect(envelope(res.body)).toMatchObject({ type: "invalid_request_error", code: "request_too_large" });
  }

  test("Content-Length just above the limit, body sent", async () => {
    const body = JSON.stringify({ model: "openai/m", messages: [{ role: "user", content: "x".repeat(MAX_BODY) }] });
    const res = await fetch(`${gw.baseURL}/v1/chat/completions`, { method: "POST", body });
    expect413({ status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() });
  });

  test("Content-Length 3× the limit (where Bun used to answer a bare 413 itself), and 1 GB declared with no body sent", async () => {
    const big = await rawRequest(gw.port, post("/v1/chat/completions", { "content-length": String(3 * MAX_BODY) }, "x".repeat(3 * MAX_BODY)));
    expect413(big);
    expect(big.headers.connection).toBe("close");
    const huge = await rawRequest(gw.port, post("/v1/chat/completions", { "content-length": String(2 ** 30) }, "{"));
    expect413(huge);
    expect(huge.elapsed).toBeLessThan(BODY_TIMEOUT);
    await huge.connection.closed(1000);
  });

  test("chunked, crossing the limit mid-way (the rest never read: connection closed)", async () => {
    const conn = await rawConnect(gw.port);
    conn.write(post("/v1/chat/completions", { "transfer-encoding": "chunked" }));
    const piece = "x".repeat(16 * 1024);
    for (let i = 0; i < MAX_BODY / piece.length + 2; i++) conn.write(`${piece.length.toString(16)}\r\n${piece}\r\n`);
    const res = await conn.response();
    expect413(res);
    expect(res.headers.connection).toBe("close");
    await conn.closed(1000);
  });

  test("chunked through fetch (a ReadableStream body, 3× the limit)", async () => {
    const piece = new TextEncoder().encode("y".repeat(16 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent++ < (3 * MAX_BODY) / piece.length) c.enqueue(piece);
        else c.close();
      },
    });
    const res = await fetch(`${gw.baseURL}/v1/embeddings`, { method: "POST", body, duplex: "half" } as RequestInit);
    expect413({ status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() });
  });
});

describe("request targets and framing", () => {
  test("HTTP/1.0 without Host is routed by its own path", async () => {
    const models = await rawRequest(gw.port, "GET /v1/models HTTP/1.0\r\n\r\n");
    expect(models.status).toBe(200);
    expect((JSON.parse(models.body) as { object: string }).object).toBe("list");
    const health = await rawRequest(gw.port, "GET /healthz HTTP/1.0\r\n\r\n");
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: "ok" });
    const unknown = await rawRequest(gw.port, "GET /v1/nope HTTP/1.0\r\n\r\n");
    expect(unknown.status).toBe(404);
  });

  test("/metrics is served as spelled, and no other spelling reaches it", async () => {
    expect((await rawRequest(gw.port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")).status).toBe(200);
    const spellings = [
      "/v1/%2e%2e/metrics", "/v1/%2E%2E/metrics", "/v1/%2e./metrics", "/v1/../metrics", "/v1/..%2fmetrics", "/v1/..%2Fmetrics",
      "//metrics", "/v1\\..\\metrics", "/./metrics", "/%6detrics", "/metrics/", "/metrics#x", "/v1/chat/completions/../../../metrics",
    ];
    for (const target of spellings) {
      for (const version of ["HTTP/1.1\r\nHost: x", "HTTP/1.0"]) {
        const res = await rawRequest(gw.port, `GET ${target} ${version}\r\n\r\n`);
        expect({ target, version, status: res.status }).toEqual({ target, version, status: 404 });
        expect(res.headers["x-request-id"]).toMatch(/^req_/);
        expect(envelope(res.body).code).toBe("unknown_url");
        expect(res.body).not.toContain("# HELP");
      }
    }
  });

  test("hostile models, methods and paths leave /metrics valid Prometheus text with bounded labels", async () => {
    for (const model of ['a\u0000b', 'q"uote', "new\nline", "back\\slash", "\u001b[31mred", "x".repeat(3000)]) {
      const res = await fetch(`${gw.baseURL}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model, messages: [{ role: "user", content: "x" }] }) });
      expect(res.status).toBeGreaterThanOrEqual(400);
    }
    // Bun itself refuses methods outside the ones it knows (FROB: closed, no answer); these reach us.
    for (const method of ["M-SEARCH", "PROPFIND", "PURGE"]) {
      expect((await rawRequest(gw.port, `${method} /v1/chat/completions HTTP/1.1\r\nhost: x\r\n\r\n`)).status).toBe(405);
    }
    await rawRequest(gw.port, `GET /v1/%00%22%0a HTTP/1.1\r\nhost: x\r\n\r\n`);
    const text = await (await fetch(`${gw.baseURL}/metrics`)).text();
    const samples = parsePrometheusText(text);
    for (const s of samples) for (const value of Object.values(s.labels)) expect(value.length).toBeLessThanOrEqual(128);
    const methods = new Set(samples.filter((s) => s.name === "http_server_request_duration_count").map((s) => s.labels.http_request_method));
    expect(methods.has("_OTHER")).toBe(true);
    expect([...methods].every((m) => ["GET", "POST", "_OTHER"].includes(m!))).toBe(true);
  });

  test("dot segments do not reach the chat route either", async () => {
    mock.when("POST", "/v1/chat/completions", json(completion));
    const res = await rawRequest(gw.port, post("/v1/models/../chat/completions", { "content-length": String(chatBody.length) }, chatBody));
    expect(res.status).toBe(404);
    expect(mock.requests).toHaveLength(0);
  });

  test("the chat route as Bun matches it: a query string and the absolute form are served, a trailing slash is not", async () => {
    mock.when("POST", "/v1/chat/completions", json(completion));
    const head = { "content-length": String(chatBody.length) };
    for (const target of ["/v1/chat/completions?trace=1", `http://127.0.0.1:${gw.port}/v1/chat/completions`]) {
      const res = await rawRequest(gw.port, post(target, head, chatBody));
      expect({ target, status: res.status }).toEqual({ target, status: 200 });
    }
    const slash = await rawRequest(gw.port, post("/v1/chat/completions/", head, chatBody));
    expect(slash.status).toBe(404);
    expect(envelope(slash.body).message).toContain("/v1/chat/completions/");
    expect(mock.requests).toHaveLength(2);
  });

  test("what Bun refuses before the gateway sees the request: a head over 16 KB → 431, contradictory framing → 400, connection closed", async () => {
    // Documented in the README's limits table; these answers are Bun's own (no envelope, no x-request-id).
    const bigHeader = await rawRequest(gw.port, `GET /healthz HTTP/1.1\r\nhost: x\r\nx-pad: ${"a".repeat(16 * 1024)}\r\n\r\n`);
    expect(bigHeader.status).toBe(431);
    const manyHeaders = await rawRequest(gw.port, `GET /healthz HTTP/1.1\r\nhost: x\r\n${Array.from({ length: 200 }, (_, i) => `x-${i}: a\r\n`).join("")}\r\n`);
    expect(manyHeaders.status).toBe(431);
    for (const framing of ["content-length: 5\r\ncontent-length: 6", "content-length: 5\r\ntransfer-encoding: chunked", "content-length: 1e3", "content-length: 99999999999999999999999"]) {
      const res = await rawRequest(gw.port, `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\n${framing}\r\n\r\n{}`);
      expect({ framing, status: res.status }).toEqual({ framing, status: 400 });
      await res.connection.closed(1000);
    }
    // and just under the head limit is served
    expect((await rawRequest(gw.port, `GET /healthz HTTP/1.1\r\nhost: x\r\nx-pad: ${"a".repeat(15 * 1024)}\r\n\r\n`)).status).toBe(200);
  });

  test("a client that leaves mid-body is a client_closed, not an internal error", async () => {
    const from = gw.logs.length;
    const conn = await rawConnect(gw.port);
    conn.write(post("/v1/chat/completions", { "content-length": "1000" }, "{\"model\":\"openai/m\""));
    await Bun.sleep(50);
    conn.destroy();
    await gw.waitForLog((_, j) => j?.msg === "client closed the request" && j.level === "debug" && typeof j.request_id === "string", 2000);
    // the chunked path too
    const chunked = await rawConnect(gw.port);
    chunked.write(post("/v1/chat/completions", { "transfer-encoding": "chunked" }, "5\r\n{\"mod\r\n"));
    await Bun.sleep(50);
    chunked.destroy();
    await Bun.sleep(100);
    expect(gw.logs.slice(from).filter((l) => l.includes("client closed the request"))).toHaveLength(2);
    expect(errorLinesSince(from)).toEqual([]);
  });
});

describe("JSON nesting depth", () => {
  const deepArrays = (n: number) => `{"model":"openai/m","messages":[{"role":"user","content":"x"}],"x":${"[".repeat(n)}${"]".repeat(n)}}`;
  const deepObjects = (n: number) => `{"model":"openai/m","messages":[{"role":"user","content":"x"}],"x":${'{"a":'.repeat(n)}1${"}".repeat(n)}}`;

  for (const [name, body] of [["30k nested arrays", deepArrays(30_000)], ["40k nested arrays", deepArrays(40_000)], ["40k nested objects", deepObjects(40_000)]] as const) {
    test(`${name} → 400 json_too_deep, fast, before any upstream call`, async () => {
      const started = performance.now();
      const res = await fetch(`${gw.baseURL}/v1/chat/completions`, { method: "POST", body });
      expect(res.status).toBe(400);
      expect(envelope(await res.text())).toMatchObject({ type: "invalid_request_error", code: "json_too_deep" });
      expect(performance.now() - started).toBeLessThan(250);
      expect(mock.requests).toHaveLength(0);
    });
  }

  test("64 levels (a tool schema 29 levels deep) and brackets inside strings are fine; 65 levels are not", async () => {
    mock.when("POST", "/v1/chat/completions", json(completion));
    const schema = (depth: number): unknown => (depth === 0 ? { type: "string" } : { type: "object", properties: { a: schema(depth - 1) } });
    // body → tools → [0] → function → parameters (level 5), then 2 levels per schema level: 5 + 2 × 29 = 63, and `type` inside
    const body = (levels: number) => ({
      model: "openai/m",
      messages: [{ role: "user", content: "[".repeat(5000) + "{".repeat(5000) }],
      tools: [{ type: "function", function: { name: "f", parameters: schema(29) } }],
      x: JSON.parse("[".repeat(levels - 1) + "]".repeat(levels - 1)),
    });
    const ok = await fetch(`${gw.baseURL}/v1/chat/completions`, { method: "POST", body: JSON.stringify(body(64)) });
    expect({ status: ok.status, body: ok.status === 200 ? "" : await ok.text() }).toEqual({ status: 200, body: "" });
    expect(mock.requests).toHaveLength(1);
    const deep = await fetch(`${gw.baseURL}/v1/chat/completions`, { method: "POST", body: JSON.stringify(body(65)) });
    expect(deep.status).toBe(400);
    expect(envelope(await deep.text()).code).toBe("json_too_deep");
  });
});
