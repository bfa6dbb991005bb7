// The gateway's own processing, measured inside: arrival to the answer handed to the server, less the
// time spent waiting on upstreams (headers, body, a stream's first event, backoff). A slow upstream's
// wait must land in `upstream`, not in `gateway`, on Server-Timing and on /metrics.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { json, sse, startGateway, startMockUpstream, type Gateway, type MockUpstream, type RecordedRequest } from "../support/index.ts";

const DELAY_MS = 150;
let mock: MockUpstream;
let gw: Gateway;
let calls = 0;

beforeAll(async () => {
  mock = await startMockUpstream();
  mock.when("POST", "/v1/chat/completions", async (req: RecordedRequest) => {
    const body = req.json as { model: string; stream?: boolean };
    await Bun.sleep(DELAY_MS);
    if (body.model === "flaky" && calls++ % 2 === 0) return json({ error: { message: "busy", type: "server_error" } }, { status: 503 });
    const base = { id: "c", created: 1, model: body.model };
    if (body.stream === true) {
      return sse([{ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta: { role: "assistant", content: "Hi" }, finish_reason: "stop" }] }, "data: [DONE]\n\n"]);
    }
    return json({ ...base, object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "Hi" }, finish_reason: "stop" }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
  });
  gw = await startGateway({
    server: { server_timing: true },
    providers: { openai: { base_url: `${mock.url}/v1`, keys: [{ value: "sk-upstream" }] } },
    failover: { backoff: { initial: "50ms", max: "50ms", multiplier: 1 } },
    plugins: [{ name: "metrics" }],
  });
});
afterAll(async () => {
  await gw?.stop();
  await mock?.stop();
});

function timing(res: Response): { gateway: number; upstream: number } {
  const header = res.headers.get("server-timing") ?? "";
  const m = /^gateway;dur=([\d.]+), upstream;dur=([\d.]+)$/.exec(header);
  expect(m).not.toBeNull();
  return { gateway: Number(m![1]), upstream: Number(m![2]) };
}

const chat = (model: string, stream = false) => fetch(`${gw.baseURL}/v1/chat/completions`, {
  method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: `openai/${model}`, stream, messages: [{ role: "user", content: "hi" }] }),
});

test("a slow upstream's wait is upstream time, not the gateway's own (JSON and stream)", async () => {
  for (const stream of [false, true]) {
    const res = await chat("gpt-4o-mini", stream);
    await res.text();
    expect(res.status).toBe(200);
    const t = timing(res);
    expect(t.upstream).toBeGreaterThanOrEqual(DELAY_MS - 5);
    // Whatever the machine's load, the gateway's part is not the upstream's 150 ms.
    expect(t.gateway).toBeLessThan(t.upstream);
    expect(t.gateway).toBeGreaterThan(0);
  }
});

test("retries: both attempts and the backoff between them are waiting, not processing", async () => {
  const res = await chat("flaky");
  await res.text();
  expect(res.status).toBe(200);
  expect(res.headers.get("x-butter-attempts")).toBe("2");
  const t = timing(res);
  expect(t.upstream).toBeGreaterThanOrEqual(2 * DELAY_MS + 50 * 0.5 - 5);
  expect(t.gateway).toBeLessThan(DELAY_MS);
});

test("/metrics has the own-processing histogram, by route", async () => {
  const text = await (await fetch(`${gw.baseURL}/metrics`)).text();
  const count = /butter_gateway_own_duration_count\{http_route="\/v1\/chat\/completions"\} (\d+)/.exec(text);
  expect(count).not.toBeNull();
  expect(Number(count![1])).toBeGreaterThanOrEqual(3);
  // Every one of them well under the upstream's 150 ms.
  const under = /butter_gateway_own_duration_bucket\{http_route="\/v1\/chat\/completions",le="0\.1"\} (\d+)/.exec(text);
  expect(Number(under![1])).toBe(Number(count![1]));
});

test("without server.server_timing no Server-Timing header is sent", async () => {
  const plain = await startGateway({ providers: { openai: { base_url: `${mock.url}/v1`, keys: [{ value: "sk-upstream" }] } } });
  try {
    const res = await fetch(`${plain.baseURL}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }) });
    await res.text();
    expect(res.headers.get("server-timing")).toBeNull();
  } finally {
    await plain.stop();
  }
});
