// The metrics plugin's own aggregation, checked through its Prometheus text (the SDK serializes it).
import { describe, expect, test } from "bun:test";
import { createMetrics } from "../../src/plugins/builtin/metrics/index.ts";
import { createTelemetry } from "../../src/observability/telemetry.ts";
import type { RequestRecord } from "../../src/observability/events.ts";

const base: RequestRecord = {
  requestId: "r", method: "POST", path: "/v1/chat/completions", clientIp: undefined, traceparent: undefined, startedAt: 0,
  operation: "chat", requestedModel: "openai/gpt-4o-mini", route: undefined, provider: "openai", model: "gpt-4o-mini", attempts: 1,
  stream: false, status: 200, errorKind: undefined, answeredBy: undefined, promptTokens: 19, completionTokens: 10, cache: undefined,
  finishReason: "stop", chunks: undefined, llmStartedAt: 1, llmEndedAt: 30, endedAt: 35, requestBody: undefined, responseBody: undefined, trace: undefined,
};

function setup(maxModels = 500) {
  const t = createTelemetry();
  const plugin = createMetrics({ max_models: maxModels }, t);
  const send = (r: Partial<RequestRecord>) => {
    const rec = { ...base, ...r };
    t.requestStart.publish(rec);
    t.requestEnd.publish(rec);
  };
  return { t, plugin, send, text: () => plugin.scrape!() };
}

describe("metrics", () => {
  test("counters, histogram buckets (le is inclusive, like the SDK) and the active gauge", async () => {
    const { t, send, text } = setup();
    send({});
    send({ endedAt: 10 }); // exactly on the 0.01 bound
    t.requestStart.publish(base);
    const out = await text();
    expect(out).toContain('butter_requests_total{path="/v1/chat/completions",provider="openai",model="gpt-4o-mini",status="200"} 2');
    expect(out).toContain('http_server_request_duration_bucket{http_request_method="POST",http_route="/v1/chat/completions",http_response_status_code="200",le="0.01"} 1');
    expect(out).toContain('http_server_request_duration_bucket{http_request_method="POST",http_route="/v1/chat/completions",http_response_status_code="200",le="0.04"} 2');
    expect(out).toContain('http_server_request_duration_count{http_request_method="POST",http_route="/v1/chat/completions",http_response_status_code="200"} 2');
    expect(out).toContain('butter_tokens_total{provider="openai",model="gpt-4o-mini",type="input"} 38');
    expect(out).toContain("http_server_active_requests 1");
    // nothing failed, nothing cached: those series are not listed
    expect(out).not.toContain("butter_errors_total");
    expect(out).not.toContain("butter_cache_requests_total");
  });

  test("errors carry error.type on the operation histogram; a 429 counts as a rejection with provider none", async () => {
    const { send, text } = setup();
    send({ status: 502, errorKind: "upstream_error", promptTokens: undefined, completionTokens: undefined });
    send({ provider: undefined, model: undefined, operation: undefined, llmStartedAt: undefined, llmEndedAt: undefined, status: 429, errorKind: "rate_limited" });
    const out = await text();
    expect(out).toContain('gen_ai_client_operation_duration_count{gen_ai_operation_name="chat",gen_ai_provider_name="openai",gen_ai_request_model="gpt-4o-mini",error_type="upstream_error"} 1');
    expect(out).toContain('butter_requests_total{path="/v1/chat/completions",provider="none",model="none",status="429"} 1');
    expect(out).toContain('butter_errors_total{kind="rate_limited",provider="none"} 1');
    expect(out).toContain("butter_ratelimit_rejections_total 1");
    expect(out).not.toContain('type="output"');
  });

  test("models beyond max_models and unknown paths read as other", async () => {
    const { send, text } = setup(1);
    send({});
    send({ model: "m2" });
    send({ model: "m2" });
    send({ path: "/v1/nope", operation: undefined });
    const out = await text();
    expect(out).toContain('butter_requests_total{path="/v1/chat/completions",provider="openai",model="other",status="200"} 2');
    expect(out).toContain('butter_requests_total{path="other",provider="openai",model="gpt-4o-mini",status="200"} 1');
  });

  test("plugin failures", async () => {
    const { t, text } = setup();
    t.pluginFailure.publish({ request: undefined, plugin: "ratelimit", hook: "preHttp", reason: "timeout" });
    t.pluginFailure.publish({ request: undefined, plugin: "ratelimit", hook: "preHttp", reason: "timeout" });
    expect(await text()).toContain('butter_plugin_failures_total{plugin="ratelimit",hook="preHttp",reason="timeout"} 2');
  });
});
