// Logging, metrics and tracing end to end: one gateway process with the rate limiter in front, a
// mock upstream, a local OTLP/HTTP receiver, the official SDK. Every /v1/* request is logged,
// counted and traced, including the one the rate limiter answers itself.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { fixtureReply, openaiClient, sseFixtureReply, startGateway, startMockUpstream, type Gateway, type MockUpstream } from "../support/index.ts";

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
  status?: { code?: number };
}

const PROVIDER_KEY = "sk-provider-secret-4711";
const CLIENT_KEY = "sk-client-secret-0815";
const PROMPT = "my very private prompt";
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID = "00f067aa0ba902b7";

let mock: MockUpstream;
let gw: Gateway;
let client: OpenAI;
let receiver: ReturnType<typeof Bun.serve>;
const spans: OtlpSpan[] = [];
const messages = [{ role: "user" as const, content: PROMPT }];

beforeAll(async () => {
  receiver = Bun.serve({
    port: 0,
    async fetch(req) {
      const body = (await req.json()) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }> };
      for (const rs of body.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      return Response.json({});
    },
  });
  mock = await startMockUpstream();
  mock.when("POST", "/v1/chat/completions", (req) =>
    (req.json as { stream?: boolean }).stream ? sseFixtureReply("openai", "stream.sse") : fixtureReply("openai", "chat.response.json"));
  gw = await startGateway({
    providers: { openai: { base_url: `${mock.url}/v1`, keys: [{ value: PROVIDER_KEY }] } },
    plugins: [
      { name: "ratelimit", config: { mode: "global", rate: 0.001, burst: 3 } },
      { name: "logging" },
      { name: "metrics" },
      { name: "tracing", config: { endpoint: `http://127.0.0.1:${receiver.port}/v1/traces`, batch_delay: "50ms", service_name: "butter-test" } },
    ],
  });
  client = openaiClient(gw, { apiKey: CLIENT_KEY });
});
afterAll(async () => {
  await gw?.stop();
  await mock?.stop();
  receiver?.stop(true);
});

/** Prometheus text → "name{labels}" → value, labels sorted. */
function parsePrometheus(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not Prometheus text: ${line}`);
    const labels = m[2] ? [...m[2].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((l) => `${l[1]}=${l[2]}`).sort().join(",") : "";
    out.set(`${m[1]}{${labels}}`, Number(m[3]));
  }
  return out;
}

async function scrape(): Promise<Map<string, number>> {
  const res = await fetch(`${gw.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain");
  return parsePrometheus(await res.text());
}

const attr = (s: OtlpSpan, key: string): unknown => {
  const v = s.attributes.find((a) => a.key === key)?.value;
  if (v === undefined) return undefined;
  if ("intValue" in v) return Number(v.intValue);
  if ("arrayValue" in v) return (v.arrayValue as { values: Array<{ stringValue: string }> }).values.map((x) => x.stringValue);
  return Object.values(v)[0];
};

let before: Map<string, number>;
let jsonHeaders: Headers;
let rateLimited: Response;

describe("telemetry", () => {
  test("requests: JSON with a client traceparent, a stream, and one the rate limiter refuses", async () => {
    before = await scrape();
    const { response } = await client.chat.completions
      .create({ model: "openai/gpt-4o-mini", messages }, { headers: { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` } })
      .withResponse();
    jsonHeaders = response.headers;
    const stream = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages, stream: true, stream_options: { include_usage: true } });
    for await (const _ of stream);
    await client.embeddings.create({ model: "openai/text-embedding-3-small", input: "x" }).catch(() => {}); // 404 from the mock: an upstream error
    rateLimited = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "openai/gpt-4o-mini", messages }),
    });
    expect(rateLimited.status).toBe(429);
  });

  test("/metrics: Prometheus text whose counters moved", async () => {
    const after = await scrape();
    const delta = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
    expect(delta("butter_requests_total{model=gpt-4o-mini,path=/v1/chat/completions,provider=openai,status=200}")).toBe(2);
    expect(delta("butter_requests_total{model=none,path=/v1/chat/completions,provider=none,status=429}")).toBe(1);
    expect(delta("butter_ratelimit_rejections_total{}")).toBe(1);
    expect(delta("butter_errors_total{kind=rate_limited,provider=none}")).toBe(1);
    expect(delta("butter_errors_total{kind=upstream_error,provider=openai}")).toBe(1);
    expect(delta("butter_tokens_total{model=gpt-4o-mini,provider=openai,type=input}")).toBeGreaterThan(0);
    expect(delta("butter_tokens_total{model=gpt-4o-mini,provider=openai,type=output}")).toBeGreaterThan(0);
    expect(delta("gen_ai_client_token_usage_count{gen_ai_operation_name=chat,gen_ai_provider_name=openai,gen_ai_request_model=gpt-4o-mini,gen_ai_token_type=input}")).toBe(2);
    expect(delta("gen_ai_client_operation_duration_count{gen_ai_operation_name=chat,gen_ai_provider_name=openai,gen_ai_request_model=gpt-4o-mini}")).toBe(2);
    expect(delta("http_server_request_duration_count{http_request_method=POST,http_response_status_code=200,http_route=/v1/chat/completions}")).toBe(2);
    expect(after.get("http_server_active_requests{}")).toBe(0);
    // /metrics itself and /healthz are not /v1/*: not counted
    await fetch(`${gw.url}/healthz`);
    const again = await scrape();
    expect(again.get("butter_requests_total{model=gpt-4o-mini,path=/v1/chat/completions,provider=openai,status=200}")).toBe(after.get("butter_requests_total{model=gpt-4o-mini,path=/v1/chat/completions,provider=openai,status=200}"));
  });

  test("access log: one JSON line per /v1/* request with the documented fields, and no secrets", async () => {
    await gw.waitForLog((_, j) => j?.msg === "access" && j.status === 429);
    const access = gw.jsonLogs().filter((j) => j.msg === "access");
    expect(access).toHaveLength(4);
    const [json, stream, embeddings, limited] = access as Array<Record<string, unknown>>;
    for (const line of access) {
      for (const field of ["request_id", "route", "provider", "model", "status", "latency_ms", "attempts", "prompt_tokens", "completion_tokens", "cache", "method", "path", "stream", "error_kind"]) {
        expect(line).toHaveProperty(field);
      }
    }
    expect(json).toMatchObject({ request_id: jsonHeaders.get("x-request-id"), provider: "openai", model: "gpt-4o-mini", status: 200, attempts: 1, stream: false, prompt_tokens: 19, completion_tokens: 10, error_kind: null });
    expect(typeof json!.latency_ms).toBe("number");
    expect(json).not.toHaveProperty("client_ip"); // opt-in: `client_ip: true`
    expect(stream).toMatchObject({ status: 200, stream: true, provider: "openai", error_kind: null });
    expect(stream!.completion_tokens).toBeGreaterThan(0);
    expect(stream!.chunks).toBeGreaterThan(0);
    expect(embeddings).toMatchObject({ status: 404, error_kind: "upstream_error", provider: "openai", attempts: 1 });
    expect(limited).toMatchObject({ status: 429, error_kind: "rate_limited", answered_by: "ratelimit", request_id: rateLimited.headers.get("x-request-id") });
    const all = gw.logs.join("\n");
    for (const secret of [PROVIDER_KEY, CLIENT_KEY, PROMPT, "How can I assist you"]) expect(all).not.toContain(secret);
  });

  test("tracing: a server span per request, a client span per attempt, parent/child links, GenAI attributes, traceparent upstream", async () => {
    const deadline = Date.now() + 5000;
    while (spans.filter((s) => s.kind === 2).length < 4 && Date.now() < deadline) await Bun.sleep(50);
    const servers = spans.filter((s) => s.kind === 2); // SERVER
    const clients = spans.filter((s) => s.kind === 3); // CLIENT
    expect(servers).toHaveLength(4);
    expect(clients).toHaveLength(3);

    // The JSON request continues the client's trace.
    const root = servers.find((s) => s.traceId === TRACE_ID)!;
    expect(root).toBeDefined();
    expect(root.parentSpanId).toBe(PARENT_ID);
    expect(root.name).toBe("POST /v1/chat/completions");
    expect(attr(root, "http.response.status_code")).toBe(200);
    expect(attr(root, "gen_ai.operation.name")).toBe("chat");
    expect(attr(root, "gen_ai.request.model")).toBe("openai/gpt-4o-mini");
    expect(attr(root, "gen_ai.provider.name")).toBe("openai");
    expect(attr(root, "gen_ai.response.model")).toBe("gpt-4o-mini");
    expect(attr(root, "gen_ai.usage.input_tokens")).toBe(19);
    expect(attr(root, "gen_ai.usage.output_tokens")).toBe(10);
    expect(attr(root, "butter.request_id")).toBe(jsonHeaders.get("x-request-id"));

    const attempt = clients.find((s) => s.traceId === TRACE_ID)!;
    expect(attempt.parentSpanId).toBe(root.spanId);
    expect(attempt.name).toBe("chat gpt-4o-mini");
    expect(attr(attempt, "butter.attempt")).toBe(1);
    expect(attr(attempt, "gen_ai.provider.name")).toBe("openai");

    // traceparent went upstream with the attempt span's id.
    const upstream = mock.requests.find((r) => r.headers.traceparent?.includes(TRACE_ID))!;
    expect(upstream.headers.traceparent).toBe(`00-${TRACE_ID}-${attempt.spanId}-01`);

    // Requests without a traceparent start their own traces; every client span hangs off its server span.
    for (const c of clients) expect(servers.some((s) => s.spanId === c.parentSpanId && s.traceId === c.traceId)).toBe(true);
    const failed = clients.find((c) => attr(c, "error.type") === "upstream_error")!;
    expect(failed.status?.code).toBe(2);

    // The rate-limited request is traced too.
    const limited = servers.find((s) => attr(s, "http.response.status_code") === 429)!;
    expect(attr(limited, "error.type")).toBe("rate_limited");
    expect(attr(limited, "butter.answered_by")).toBe("ratelimit");
    expect(clients.some((c) => c.traceId === limited.traceId)).toBe(false);
  });
});
