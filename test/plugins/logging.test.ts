import { expect, test } from "bun:test";
import { accessLine, createLogging, isoNow } from "../../src/plugins/builtin/logging/index.ts";
import { createTelemetry } from "../../src/observability/telemetry.ts";
import type { RequestRecord } from "../../src/observability/events.ts";

function record(): RequestRecord {
  return {
    requestId: "req_1", method: "POST", path: "/v1/chat/completions", clientIp: "127.0.0.1", traceparent: undefined, startedAt: 10, endedAt: 12.5,
    operation: "chat", requestedModel: "fast", route: "fast", provider: "groq", model: "llama", attempts: 2, stream: false, status: 200,
    errorKind: undefined, answeredBy: undefined, promptTokens: 5, completionTokens: 7, cache: "miss", finishReason: "stop", chunks: undefined,
    llmStartedAt: 11, llmEndedAt: 12, requestBody: { messages: [{ role: "user", content: "secret prompt" }] }, responseBody: { text: "secret answer" }, trace: undefined,
  };
}

test("one JSON line with the documented fields; bodies only with log_bodies", async () => {
  for (const log_bodies of [false, true]) {
    const lines: string[] = [];
    const telemetry = createTelemetry();
    const plugin = createLogging({ log_bodies, client_ip: false }, { telemetry }, { write: (l) => lines.push(l), flush() {} });
    expect(telemetry.captureBodies).toBe(log_bodies);
    telemetry.requestEnd.publish(record());
    await plugin.close?.();
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({
      msg: "access", request_id: "req_1", route: "fast", provider: "groq", model: "llama", status: 200, latency_ms: 2.5, upstream_ms: 1,
      attempts: 2, prompt_tokens: 5, completion_tokens: 7, cache: "miss", method: "POST", path: "/v1/chat/completions", stream: false, error_kind: null,
    });
    expect(lines[0]!.includes("secret")).toBe(log_bodies);
  }
});

test("the hand-built line is what JSON.stringify of the entry would give, escapes included", () => {
  const r = { ...record(), route: 'a"b\\c\n', model: "m\u2028", errorKind: "rate_limited", answeredBy: "ratelimit", chunks: 3, clientIp: undefined };
  const line = accessLine(r, true);
  const parsed = JSON.parse(line) as Record<string, unknown>;
  expect(Object.keys(parsed)).toEqual([
    "time", "level", "msg", "request_id", "method", "path", "route", "provider", "model", "requested_model", "status", "latency_ms", "upstream_ms",
    "attempts", "stream", "prompt_tokens", "completion_tokens", "cost_usd", "cache", "error_kind", "answered_by", "chunks", "request_body", "response_body",
  ]);
  expect(parsed).toMatchObject({ route: 'a"b\\c\n', model: "m\u2028", latency_ms: 2.5, upstream_ms: 1, chunks: 3, response_body: { text: "secret answer" } });
  expect(line).toBe(JSON.stringify(parsed));
});

test("isoNow is Date#toISOString", () => {
  for (const t of [0, 7, 99, 100, 999, 1000, 1764000000123, 1764000000007, Date.now()]) expect(isoNow(t)).toBe(new Date(t).toISOString());
});

test("client_ip only when the config asks for it (looking it up costs µs per request)", async () => {
  for (const client_ip of [false, true]) {
    const lines: string[] = [];
    const telemetry = createTelemetry();
    const plugin = createLogging({ log_bodies: false, client_ip }, { telemetry }, { write: (l) => lines.push(l), flush() {} });
    expect(plugin.usesClientIp).toBe(client_ip);
    telemetry.requestEnd.publish(record());
    await plugin.close?.();
    expect((JSON.parse(lines[0]!) as { client_ip?: string }).client_ip).toBe(client_ip ? "127.0.0.1" : undefined);
  }
});
