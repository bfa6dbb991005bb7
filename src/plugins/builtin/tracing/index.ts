// Built-in `tracing`: validates its config here; the OpenTelemetry SDK and exporter are imported
// only inside `create`, so a gateway without tracing never loads them.
import { z } from "zod";
import { duration } from "../../../config/schema.ts";
import { parsePluginConfig } from "../../config-error.ts";
import type { PluginFactory } from "../../types.ts";

export const tracingConfig = z.strictObject({
  /** OTLP/HTTP traces endpoint, e.g. http://127.0.0.1:4318/v1/traces. */
  endpoint: z.url({ error: "expected an absolute http(s) URL, e.g. http://127.0.0.1:4318/v1/traces" }),
  service_name: z.string().min(1).default("butter"),
  /** Extra headers for the collector (e.g. an auth token). */
  headers: z.record(z.string(), z.string()).optional(),
  /** How long spans wait to be exported in a batch. */
  batch_delay: duration.default(1000),
  export_timeout: duration.default(10_000),
  /** Spans kept waiting for export; beyond it new spans are dropped rather than grow memory. */
  max_queue: z.number().int().positive().default(2048),
});

export type TracingConfig = z.output<typeof tracingConfig>;

export const factory: PluginFactory = {
  name: "tracing",
  async create(config, env) {
    const parsed = parsePluginConfig(tracingConfig, config, env.path);
    const { createTracing } = await import("./tracer.ts");
    return createTracing(parsed, env.telemetry);
  },
};
