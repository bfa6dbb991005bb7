// Label values that did not come from us (model names, HTTP methods) cannot break the exposition or
// mint unbounded series: the text stays parseable, control characters are replaced, lengths bounded.
import { describe, expect, test } from "bun:test";
import { createMetrics } from "../../src/plugins/builtin/metrics/index.ts";
import { labelValue, MAX_LABEL_LENGTH } from "../../src/plugins/builtin/metrics/instruments.ts";
import { createTelemetry } from "../../src/observability/telemetry.ts";
import type { RequestRecord } from "../../src/observability/events.ts";
import { parsePrometheusText } from "../support/prometheus-text.ts";

const base: RequestRecord = {
  requestId: "r", method: "POST", path: "/v1/chat/completions", clientIp: undefined, traceparent: undefined, startedAt: 0,
  operation: "chat", requestedModel: "openai/gpt-4o-mini", route: undefined, provider: "openai", model: "gpt-4o-mini", attempts: 1,
  stream: false, status: 200, errorKind: undefined, answeredBy: undefined, promptTokens: 3, completionTokens: 2, cache: undefined,
  finishReason: "stop", chunks: undefined, llmStartedAt: 1, llmEndedAt: 30, endedAt: 35, requestBody: undefined, responseBody: undefined, trace: undefined,
};

function setup() {
  const t = createTelemetry();
  const plugin = createMetrics({ max_models: 500 }, t);
  const send = (r: Partial<RequestRecord>) => {
    const rec = { ...base, ...r };
    t.requestStart.publish(rec);
    t.requestEnd.publish(rec);
  };
  return { send, text: () => plugin.scrape!() };
}

describe("metric label values", () => {
  test("NUL, CR, ESC, quotes, backslashes and newlines in a model name: valid text, controls replaced, the rest escaped", async () => {
    const { send, text } = setup();
    const nasty = 'a\u0000b\rc\u001b[31md"e\\f\ng\u2028h\u0085i';
    send({ model: nasty });
    const out = await text();
    const samples = parsePrometheusText(out); // throws on anything a scraper could misread
    const requests = samples.filter((s) => s.name === "butter_requests_total");
    expect(requests.map((s) => s.labels.model)).toEqual(["a\uFFFDb\uFFFDc\uFFFD[31md\"e\\f\uFFFDg\uFFFDh\uFFFDi"]);
    expect(out).toContain('model="a\uFFFDb\uFFFDc\uFFFD[31md\\"e\\\\f\uFFFDg\uFFFDh\uFFFDi"');
    const tokens = samples.find((s) => s.name === "butter_tokens_total" && s.labels.type === "input")!;
    expect(tokens.labels.model).toBe(requests[0]!.labels.model!);
  });

  test("a long model name is cut, a lone surrogate replaced", async () => {
    const { send, text } = setup();
    send({ model: "m".repeat(5000) });
    send({ model: "x\uD800y" });
    const samples = parsePrometheusText(await text());
    const models = samples.filter((s) => s.name === "butter_requests_total").map((s) => s.labels.model!);
    expect(models[0]!.length).toBe(MAX_LABEL_LENGTH);
    expect(models[0]!.endsWith("…")).toBe(true);
    expect(models[1]).toBe("x\uFFFDy");
  });

  test("invented HTTP methods read as _OTHER", async () => {
    const { send, text } = setup();
    send({ method: "FROB" });
    send({ method: "X-" + "Y".repeat(100) });
    send({ method: "POST" });
    const samples = parsePrometheusText(await text());
    const methods = new Set(samples.filter((s) => s.name === "http_server_request_duration_count").map((s) => s.labels.http_request_method));
    expect([...methods].sort()).toEqual(["POST", "_OTHER"]);
  });

  test("labelValue leaves ordinary ids alone", () => {
    for (const id of ["gpt-4o-mini", "meta-llama/llama-3.1-70b-instruct:free", "anthropic.claude-3-5-sonnet-20240620-v1:0", "claude-3-5-sonnet@20240620", "modèle-été"]) {
      expect(labelValue(id)).toBe(id);
    }
  });
});
