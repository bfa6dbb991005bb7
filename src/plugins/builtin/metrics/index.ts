// Built-in `metrics`: counters and histograms kept in our own cells (recorder.ts, series.ts) and
// exposed through the OpenTelemetry metrics SDK: a pull MetricReader collects them from a
// MetricProducer when GET /metrics asks, and the SDK's Prometheus serializer writes the text. Fed
// from the telemetry bus, so it counts every /v1/* request, including ones another plugin answered
// (a 429 from the rate limiter).
import type { HrTime } from "@opentelemetry/api";
import { MeterProvider, MetricReader, type CollectionResult, type MetricProducer } from "@opentelemetry/sdk-metrics";
import { PrometheusSerializer } from "@opentelemetry/exporter-prometheus";
import * as v from "valibot";
import { int, number, strictObject } from "../../../config/schema-kit.ts";
import type { Telemetry } from "../../../observability/events.ts";
import { parsePluginConfig } from "../../config-error.ts";
import type { Plugin, PluginFactory } from "../../types.ts";
import { createInstruments, type Instruments } from "./instruments.ts";
import { MetricsRecorder } from "./recorder.ts";

export const metricsConfig = strictObject({
  /** Distinct provider/model pairs kept as labels; more read as model="other". */
  max_models: v.optional(v.pipe(number("expected a positive integer"), ...int("expected a positive integer"), v.gtValue(0, "expected a positive integer")), 500),
});

/** A MetricReader that only collects when asked (the /metrics handler asks). */
class PullReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

function hrTime(): HrTime {
  const ms = Date.now();
  return [Math.floor(ms / 1000), (ms % 1000) * 1e6];
}

/** The cells and when they started counting: kept across config reloads, so counters never go backwards. */
interface Cells {
  ins: Instruments;
  start: HrTime;
}

/** Hands the recorder's cells to the SDK's reader as one instrumentation scope, cumulative since start. */
function producer({ ins, start }: Cells): MetricProducer {
  const all = Object.values(ins);
  return {
    async collect(): Promise<CollectionResult> {
      const now = hrTime();
      const metrics = all.flatMap((s) => s.toMetricData(start, now) ?? []);
      // The reader keeps the SDK producer's resource and takes only our scope metrics.
      const resourceMetrics = { scopeMetrics: metrics.length === 0 ? [] : [{ scope: { name: "butter" }, metrics }] };
      return { resourceMetrics: resourceMetrics as CollectionResult["resourceMetrics"], errors: [] };
    },
  };
}

export function createMetrics(config: v.InferOutput<typeof metricsConfig>, telemetry: Telemetry, inherited?: unknown): Plugin {
  const cells: Cells = isCells(inherited) ? inherited : { ins: createInstruments(), start: hrTime() };
  const ins = cells.ins;
  const reader = new PullReader({ metricProducers: [producer(cells)] });
  // The provider binds the reader (and gives the exposition its resource); no instrument is created on it.
  const provider = new MeterProvider({ readers: [reader] });
  const serializer = new PrometheusSerializer(undefined, false, undefined, true, true);
  const recorder = new MetricsRecorder(ins, config.max_models);
  const offs = [
    telemetry.requestStart.subscribe(() => recorder.started()),
    telemetry.requestEnd.subscribe((r) => recorder.ended(r)),
    telemetry.pluginFailure.subscribe((f) => recorder.pluginFailed(f)),
  ];
  return {
    name: "metrics",
    carry: cells,
    async scrape() {
      const { resourceMetrics } = await reader.collect();
      return serializer.serialize(resourceMetrics);
    },
    async close() {
      for (const off of offs) off();
      await provider.shutdown();
    },
  };
}

export const factory: PluginFactory = {
  name: "metrics",
  create(config, env) {
    return createMetrics(parsePluginConfig(metricsConfig, config, env.path), env.telemetry, env.inherited);
  },
};

function isCells(value: unknown): value is Cells {
  return typeof value === "object" && value !== null && "ins" in value && "start" in value;
}
