// Built-in `tracing`: validates its config here; the OpenTelemetry SDK and exporter are imported
// only inside `create`, so a gateway without tracing never loads them.
import * as v from "valibot";
import { duration } from "../../../config/schema.ts";
import { int, number, record, strictObject } from "../../../config/schema-kit.ts";
import { parsePluginConfig } from "../../config-error.ts";
import type { PluginFactory } from "../../types.ts";

const ENDPOINT = "expected an absolute http(s) URL, e.g. http://127.0.0.1:4318/v1/traces";

export const tracingConfig = strictObject({
  /** OTLP/HTTP traces endpoint, e.g. http://127.0.0.1:4318/v1/traces. Any URL the parser takes, trimmed, without tabs or line breaks. */
  endpoint: v.pipe(
    v.string(ENDPOINT),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const trimmed = dataset.value.trim();
      if (URL.canParse(trimmed)) return trimmed.replace(/[\t\n\r]/g, "");
      addIssue({ message: ENDPOINT });
      return NEVER;
    }),
  ),
  service_name: v.optional(v.pipe(v.string(), v.minLength(1)), "butter"),
  /** Extra headers for the collector (e.g. an auth token). */
  headers: v.optional(record(v.string(), v.string())),
  /** How long spans wait to be exported in a batch. */
  batch_delay: v.optional(duration, "1s"),
  export_timeout: v.optional(duration, "10s"),
  /** Spans kept waiting for export; beyond it new spans are dropped rather than grow memory. */
  max_queue: v.optional(v.pipe(number(), ...int(), v.gtValue(0)), 2048),
});

export type TracingConfig = v.InferOutput<typeof tracingConfig>;

export const factory: PluginFactory = {
  name: "tracing",
  async create(config, env) {
    const parsed = parsePluginConfig(tracingConfig, config, env.path);
    const { createTracing } = await import("./tracer.ts");
    return createTracing(parsed, env.telemetry);
  },
};
