// The OpenTelemetry side of the tracing plugin, loaded only when tracing is configured: a server
// span per /v1/* request (child of the client's traceparent, if any) and a client span per
// upstream attempt, whose id travels upstream in `traceparent`. Exported in batches over OTLP/HTTP
// (JSON).
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Span, type Attributes } from "@opentelemetry/api";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import type { AttemptRecord, RequestRecord, Telemetry } from "../../../observability/events.ts";
import type { Plugin } from "../../types.ts";
import { formatTraceparent, parseTraceparent } from "./traceparent.ts";
import type { TracingConfig } from "./index.ts";

const KNOWN_PATHS = new Set(["/v1/chat/completions", "/v1/embeddings", "/v1/messages", "/v1/models"]);
const origin = performance.timeOrigin;

export function createTracing(config: TracingConfig, telemetry: Telemetry): Plugin {
  const exporter = new OTLPTraceExporter({ url: config.endpoint, headers: config.headers, timeoutMillis: config.export_timeout });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": config.service_name }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: config.batch_delay, maxQueueSize: config.max_queue })],
  });
  const tracer = provider.getTracer("butter");

  const onStart = (r: RequestRecord) => {
    const parent = parseTraceparent(r.traceparent);
    const ctx = parent === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, { ...parent, isRemote: true });
    const route = KNOWN_PATHS.has(r.path) ? r.path : undefined;
    r.trace = tracer.startSpan(route === undefined ? r.method : `${r.method} ${route}`, {
      kind: SpanKind.SERVER,
      startTime: origin + r.startedAt,
      attributes: {
        "http.request.method": r.method, "url.path": r.path, ...(route ? { "http.route": route } : {}),
        "butter.request_id": r.requestId, ...(r.clientIp ? { "client.address": r.clientIp } : {}),
      },
    }, ctx);
  };

  const onEnd = (r: RequestRecord) => {
    const span = r.trace as Span | undefined;
    if (span === undefined) return;
    const a: Attributes = { "http.response.status_code": r.status, "butter.attempts": r.attempts, "gen_ai.response.streaming": r.stream };
    if (r.operation) a["gen_ai.operation.name"] = r.operation;
    if (r.requestedModel) a["gen_ai.request.model"] = r.requestedModel;
    if (r.provider) a["gen_ai.provider.name"] = r.provider;
    if (r.model) a["gen_ai.response.model"] = r.model;
    if (r.route) a["butter.route"] = r.route;
    if (r.promptTokens !== undefined) a["gen_ai.usage.input_tokens"] = r.promptTokens;
    if (r.completionTokens !== undefined) a["gen_ai.usage.output_tokens"] = r.completionTokens;
    if (r.finishReason) a["gen_ai.response.finish_reasons"] = [r.finishReason];
    if (r.answeredBy) a["butter.answered_by"] = r.answeredBy;
    if (r.cache) a["butter.cache"] = r.cache;
    if (r.errorKind) a["error.type"] = r.errorKind;
    span.setAttributes(a);
    // HTTP server semconv: 5xx is a server error; 4xx is the client's.
    if (r.status >= 500 || (r.errorKind !== undefined && r.status < 400)) span.setStatus({ code: SpanStatusCode.ERROR, message: r.errorKind });
    span.end(origin + r.endedAt);
  };

  const onAttemptStart = (a: AttemptRecord) => {
    const parent = a.request.trace as Span | undefined;
    if (parent === undefined) return;
    const op = a.request.operation ?? "chat";
    const span = tracer.startSpan(`${op} ${a.model}`, {
      kind: SpanKind.CLIENT,
      startTime: origin + a.startedAt,
      attributes: { "gen_ai.operation.name": op, "gen_ai.provider.name": a.provider, "gen_ai.request.model": a.model, "butter.attempt": a.attempt },
    }, trace.setSpan(ROOT_CONTEXT, parent));
    a.trace = span;
    const sc = span.spanContext();
    a.headers.traceparent = formatTraceparent(sc.traceId, sc.spanId, sc.traceFlags ?? TraceFlags.NONE);
  };

  const onAttemptEnd = (a: AttemptRecord) => {
    const span = a.trace as Span | undefined;
    if (span === undefined) return;
    span.setAttribute("http.response.status_code", a.status);
    if (a.errorKind !== undefined) {
      span.setAttribute("error.type", a.errorKind);
      span.setStatus({ code: SpanStatusCode.ERROR, message: a.errorKind });
    }
    span.end(origin + a.endedAt);
  };

  const offs = [
    telemetry.requestStart.subscribe(onStart),
    telemetry.requestEnd.subscribe(onEnd),
    telemetry.attemptStart.subscribe(onAttemptStart),
    telemetry.attemptEnd.subscribe(onAttemptEnd),
  ];
  return {
    name: "tracing",
    usesClientIp: true, // the server span's client.address
    async close() {
      for (const off of offs) off();
      await provider.shutdown();
    },
  };
}
