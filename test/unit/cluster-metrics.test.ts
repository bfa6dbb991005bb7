// Several workers' /metrics as one exposition: each sample labelled with its worker, each family
// written once, and a scrape that still answers when a worker (or the supervisor) does not.
import { describe, expect, test } from "bun:test";
import { mergeExpositions } from "../../src/observability/prometheus-merge.ts";
import { COLLECT_TIMEOUT_MS, joinClusterMetrics, MetricsCollector, type MetricsMessage } from "../../src/runtime/cluster-metrics.ts";
import { createMetrics } from "../../src/plugins/builtin/metrics/index.ts";
import { createTelemetry } from "../../src/observability/telemetry.ts";
import type { RequestRecord } from "../../src/observability/events.ts";
import { parsePrometheusText } from "../support/prometheus-text.ts";

const one = `# HELP butter_requests_total Requests.
# TYPE butter_requests_total counter
butter_requests_total{path="/v1/chat/completions",status="200"} 3
# HELP http_server_active_requests In flight.
# TYPE http_server_active_requests gauge
http_server_active_requests 1
# HELP d Duration.
# TYPE d histogram
d_bucket{le="0.1"} 1
d_bucket{le="+Inf"} 2
d_sum 0.3
d_count 2
`;
const two = `# HELP butter_requests_total Requests.
# TYPE butter_requests_total counter
butter_requests_total{path="/v1/chat/completions",status="200"} 5
butter_requests_total{path="/v1/chat/completions",status="429"} 1
# HELP only_two Only on the second worker.
# TYPE only_two counter
only_two{} 7
# HELP d Duration.
# TYPE d histogram
d_bucket{le="0.1"} 0
d_bucket{le="+Inf"} 1
d_sum 0.5
d_count 1
`;

describe("mergeExpositions", () => {
  test("each family once, every worker's samples under it, labelled; the text stays valid", () => {
    const text = mergeExpositions([{ worker: 1, text: one }, { worker: 2, text: two }]);
    const samples = parsePrometheusText(text);
    const requests = samples.filter((s) => s.name === "butter_requests_total");
    expect(requests.map((s) => [s.labels.worker, s.labels.status, s.value])).toEqual([["1", "200", 3], ["2", "200", 5], ["2", "429", 1]]);
    expect(samples.find((s) => s.name === "http_server_active_requests")!.labels).toEqual({ worker: "1" });
    expect(samples.find((s) => s.name === "only_two")!.labels).toEqual({ worker: "2" });
    expect(samples.filter((s) => s.name === "d_count").map((s) => [s.labels.worker, s.value])).toEqual([["1", 2], ["2", 1]]);
    expect(text.match(/^# TYPE butter_requests_total counter$/gm)!.length).toBe(1);
    expect(text.match(/^# HELP d Duration\.$/gm)!.length).toBe(1);
    // A family's samples follow its own header: the histogram's lines are contiguous.
    const lines = text.split("\n");
    const typeAt = lines.indexOf("# TYPE d histogram");
    expect(lines.slice(typeAt + 1, typeAt + 9).every((l) => l.startsWith("d_"))).toBe(true);
  });

  test("the real metrics plugin's exposition of two workers merges to valid text, hostile model names included", async () => {
    const texts = await Promise.all([1, 2].map(async (worker) => {
      const t = createTelemetry();
      const plugin = createMetrics({ max_models: 500 }, t);
      const record = { requestId: "r", method: "POST", path: "/v1/chat/completions", startedAt: 0, requestedModel: "openai/m", provider: "openai", model: 'a "b" {c} d\\e x=1,', attempts: 1, stream: false, status: 200, promptTokens: 3, completionTokens: 2, llmStartedAt: 1, llmEndedAt: 2, endedAt: 3 } as RequestRecord;
      for (let i = 0; i < worker; i++) {
        t.requestStart.publish(record);
        t.requestEnd.publish(record);
      }
      return { worker, text: await plugin.scrape!() };
    }));
    const samples = parsePrometheusText(mergeExpositions(texts));
    const requests = samples.filter((s) => s.name === "butter_requests_total");
    expect(requests.map((s) => [s.labels.worker, s.value])).toEqual([["1", 1], ["2", 2]]);
    expect(requests[0]!.labels.model).toBe('a "b" {c} d\\e x=1,');
  });
});

describe("gathering through the supervisor", () => {
  /** A supervisor and workers wired in memory, as the IPC channel wires them. */
  function cluster(texts: Record<number, string | null | "silent">) {
    const collector = new MetricsCollector();
    const workers = new Map<number, ReturnType<typeof joinClusterMetrics>>();
    for (const [n, text] of Object.entries(texts)) {
      const index = Number(n);
      const toSupervisor = (m: MetricsMessage) => {
        queueMicrotask(() => {
          if (m.type === "metrics-text") collector.received(index, m);
          else if (m.type === "metrics-request") {
            const inbox = new Map([...workers].map(([i, w]) => [i, (msg: MetricsMessage) => queueMicrotask(() => w.receive(msg))] as const));
            collector.request(m.id, inbox, (answer) => queueMicrotask(() => workers.get(index)!.receive(answer)));
          }
        });
      };
      const scrapeLocal = () => (text === null ? undefined : text === "silent" ? new Promise<string>(() => {}) : Promise.resolve(text));
      workers.set(index, joinClusterMetrics(index, scrapeLocal, toSupervisor));
    }
    return workers;
  }

  test("the asked worker answers with every worker's numbers", async () => {
    const workers = cluster({ 1: one, 2: two });
    const text = await workers.get(2)!.scrape(async () => two);
    const workersSeen = new Set(parsePrometheusText(text).map((s) => s.labels.worker));
    expect(workersSeen).toEqual(new Set(["1", "2"]));
  });

  test("a worker that does not answer is left out after the collection's timeout; the others still go out", async () => {
    const workers = cluster({ 1: one, 2: "silent", 3: two });
    const started = performance.now();
    const text = await workers.get(1)!.scrape(async () => one);
    expect(performance.now() - started).toBeGreaterThanOrEqual(COLLECT_TIMEOUT_MS - 50);
    expect(new Set(parsePrometheusText(text).map((s) => s.labels.worker))).toEqual(new Set(["1", "3"]));
  });

  test("without the supervisor's answer the worker serves its own numbers, labelled", async () => {
    const lonely = joinClusterMetrics(4, () => Promise.resolve(one), () => {});
    const text = await lonely.scrape(async () => one);
    expect(new Set(parsePrometheusText(text).map((s) => s.labels.worker))).toEqual(new Set(["4"]));
  });
});
