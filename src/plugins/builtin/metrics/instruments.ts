// The instruments, named after the OpenTelemetry semantic conventions where one exists (HTTP server,
// GenAI client) and `butter.*` otherwise. Attribute values that come from clients (model names,
// paths) are bounded so a client cannot blow up the series count.
import type { Counter, Histogram, Meter, UpDownCounter } from "@opentelemetry/api";

// GenAI semconv advice for gen_ai.client.operation.duration, extended for long generations.
const DURATION_BUCKETS = [0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92, 163.84];
// GenAI semconv advice for gen_ai.client.token.usage.
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304];

export interface Instruments {
  requests: Counter;
  errors: Counter;
  duration: Histogram;
  operationDuration: Histogram;
  tokenUsage: Histogram;
  tokens: Counter;
  cache: Counter;
  rateLimited: Counter;
  active: UpDownCounter;
  pluginFailures: Counter;
}

export function createInstruments(meter: Meter): Instruments {
  return {
    requests: meter.createCounter("butter.requests", { description: "Requests on /v1/* by provider, model and status." }),
    errors: meter.createCounter("butter.errors", { description: "Failed requests by error kind." }),
    duration: meter.createHistogram("http.server.request.duration", {
      unit: "s", description: "Total time to answer a /v1/* request, to the last byte for streams.",
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    }),
    operationDuration: meter.createHistogram("gen_ai.client.operation.duration", {
      unit: "s", description: "Time spent on the upstream LLM call, retries included, to the end of the stream for streams.",
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    }),
    tokenUsage: meter.createHistogram("gen_ai.client.token.usage", {
      unit: "{token}", description: "Tokens per request, by gen_ai.token.type (input, output).",
      advice: { explicitBucketBoundaries: TOKEN_BUCKETS },
    }),
    tokens: meter.createCounter("butter.tokens", { description: "Tokens used, by provider, model and type (input, output)." }),
    cache: meter.createCounter("butter.cache.requests", { description: "Cache lookups by result (hit, miss)." }),
    rateLimited: meter.createCounter("butter.ratelimit.rejections", { description: "Requests answered 429 by the ratelimit plugin." }),
    active: meter.createUpDownCounter("http.server.active_requests", { description: "Requests in flight on /v1/*." }),
    pluginFailures: meter.createCounter("butter.plugin.failures", { description: "Plugin hooks that threw or ran out of time." }),
  };
}

const KNOWN_PATHS = new Set(["/v1/chat/completions", "/v1/embeddings", "/v1/models"]);

export function boundedPath(path: string): string {
  return KNOWN_PATHS.has(path) ? path : "other";
}

/** Remembers up to `max` distinct values; later new values read as "other". */
export class BoundedValues {
  private readonly seen = new Set<string>();
  constructor(private readonly max: number) {}
  get(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.max) return "other";
    this.seen.add(value);
    return value;
  }
}
