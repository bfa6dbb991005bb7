// Built-in `metrics`: the OpenTelemetry metrics SDK with a pull reader, scraped as Prometheus text
// at GET /metrics on the gateway's own port. Fed from the telemetry bus, so it counts every /v1/*
// request, including ones another plugin answered (a 429 from the rate limiter).
import { MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import { PrometheusSerializer } from "@opentelemetry/exporter-prometheus";
import { z } from "zod";
import type { RequestRecord, Telemetry } from "../../../observability/events.ts";
import { parsePluginConfig } from "../../config-error.ts";
import type { Plugin, PluginFactory } from "../../types.ts";
import { BoundedValues, boundedPath, createInstruments, type Instruments } from "./instruments.ts";

export const metricsConfig = z.strictObject({
  /** Distinct provider/model pairs kept as labels; more read as model="other". */
  max_models: z.number({ error: "expected a positive integer" }).int().positive({ error: "expected a positive integer" }).default(500),
});

/** A MetricReader that only collects when asked (the /metrics handler asks). */
class PullReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

export function createMetrics(config: z.output<typeof metricsConfig>, telemetry: Telemetry): Plugin {
  const reader = new PullReader();
  const provider = new MeterProvider({ readers: [reader] });
  const ins = createInstruments(provider.getMeter("butter"));
  const serializer = new PrometheusSerializer(undefined, false, undefined, true, true);
  const models = new BoundedValues(config.max_models);
  const offs = [
    telemetry.requestStart.subscribe(() => ins.active.add(1)),
    telemetry.requestEnd.subscribe((r) => record(ins, r, models)),
    telemetry.pluginFailure.subscribe((f) => ins.pluginFailures.add(1, { plugin: f.plugin, hook: f.hook, reason: f.reason })),
  ];
  return {
    name: "metrics",
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

function record(ins: Instruments, r: RequestRecord, models: BoundedValues): void {
  ins.active.add(-1);
  const provider = r.provider ?? "none";
  const model = r.model === undefined ? "none" : models.get(`${provider}/${r.model}`) === "other" ? "other" : r.model;
  const path = boundedPath(r.path);
  ins.requests.add(1, { path, provider, model, status: r.status });
  ins.duration.record((r.endedAt - r.startedAt) / 1000, { "http.request.method": r.method, "http.route": path, "http.response.status_code": r.status });
  if (r.errorKind !== undefined) {
    ins.errors.add(1, { kind: r.errorKind, provider });
    if (r.errorKind === "rate_limited") ins.rateLimited.add(1);
  }
  if (r.cache !== undefined) ins.cache.add(1, { result: r.cache });
  if (r.operation === undefined || r.llmStartedAt === undefined || r.llmEndedAt === undefined) return;
  const gen = { "gen_ai.operation.name": r.operation, "gen_ai.provider.name": provider, "gen_ai.request.model": model };
  ins.operationDuration.record((r.llmEndedAt - r.llmStartedAt) / 1000, r.errorKind === undefined ? gen : { ...gen, "error.type": r.errorKind });
  if (r.promptTokens !== undefined) {
    ins.tokenUsage.record(r.promptTokens, { ...gen, "gen_ai.token.type": "input" });
    ins.tokens.add(r.promptTokens, { provider, model, type: "input" });
  }
  if (r.completionTokens !== undefined) {
    ins.tokenUsage.record(r.completionTokens, { ...gen, "gen_ai.token.type": "output" });
    ins.tokens.add(r.completionTokens, { provider, model, type: "output" });
  }
}

export const factory: PluginFactory = {
  name: "metrics",
  create(config, env) {
    return createMetrics(parsePluginConfig(metricsConfig, config, env.path), env.telemetry);
  },
};
