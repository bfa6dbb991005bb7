// The instruments, named after the OpenTelemetry semantic conventions where one exists (HTTP server,
// GenAI client) and `butter.*` otherwise. Attribute values that come from clients (model names,
// paths) are bounded so a client cannot blow up the series count.
import { HistogramSeries, SumSeries } from "./series.ts";

// GenAI semconv advice for gen_ai.client.operation.duration, extended for long generations.
const DURATION_BUCKETS = [0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92, 163.84];
// The gateway's own work per request: tens of microseconds when all is well.
const OWN_BUCKETS = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1];
// GenAI semconv advice for gen_ai.client.token.usage.
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304];

export interface Instruments {
  requests: SumSeries;
  errors: SumSeries;
  duration: HistogramSeries;
  ownDuration: HistogramSeries;
  operationDuration: HistogramSeries;
  tokenUsage: HistogramSeries;
  tokens: SumSeries;
  cache: SumSeries;
  cacheTokensSaved: SumSeries;
  rateLimited: SumSeries;
  active: SumSeries;
  pluginFailures: SumSeries;
  appKeyRequests: SumSeries;
  appKeyTokens: SumSeries;
  cost: SumSeries;
}

/** In the order /metrics lists them. */
export function createInstruments(): Instruments {
  const counter = (name: string, description: string) => new SumSeries({ name, description }, true);
  return {
    requests: counter("butter.requests", "Requests on /v1/* by provider, model and status."),
    errors: counter("butter.errors", "Failed requests by error kind."),
    duration: new HistogramSeries({
      name: "http.server.request.duration", unit: "s", description: "Total time to answer a /v1/* request, to the last byte for streams.",
    }, DURATION_BUCKETS),
    ownDuration: new HistogramSeries({
      name: "butter.gateway.own_duration", unit: "s",
      description: "The gateway's own processing per /v1/* request: arrival to the answer (a stream's start) handed to the server, less the time spent waiting on upstreams.",
    }, OWN_BUCKETS),
    operationDuration: new HistogramSeries({
      name: "gen_ai.client.operation.duration", unit: "s",
      description: "Time spent on the upstream LLM call, retries included, to the end of the stream for streams.",
    }, DURATION_BUCKETS),
    tokenUsage: new HistogramSeries({
      name: "gen_ai.client.token.usage", unit: "{token}", description: "Tokens per request, by gen_ai.token.type (input, output).",
    }, TOKEN_BUCKETS),
    tokens: counter("butter.tokens", "Tokens used, by provider, model and type (input, output)."),
    cache: counter("butter.cache.requests", "Cache lookups by result (hit, miss)."),
    // Saved, not used: a hit's tokens stay out of butter.tokens (and its cost, issue 14, is 0).
    cacheTokensSaved: counter("butter.cache.tokens_saved", "Tokens answered from the response cache instead of an upstream, by type (input, output)."),
    rateLimited: counter("butter.ratelimit.rejections", "Requests answered 429 by the ratelimit plugin."),
    active: new SumSeries({ name: "http.server.active_requests", description: "Requests in flight on /v1/*." }, false),
    pluginFailures: counter("butter.plugin.failures", "Plugin hooks that threw or ran out of time."),
    // Labelled by key id (never the key): ids are made by operators, not clients, so their number is bounded.
    appKeyRequests: counter("butter.app_key.requests", "Requests made with an app key, by key id and status."),
    appKeyTokens: counter("butter.app_key.tokens", "Tokens used with an app key, by key id and type (input, output)."),
    // USD as a float, for dashboards; the exact sums are the key's usage (picodollar integers).
    cost: counter("butter.cost_usd", "What answers cost in USD, by the provider and model that answered and app key id (empty: none)."),
  };
}

const KNOWN_PATHS = new Set(["/v1/chat/completions", "/v1/embeddings", "/v1/messages", "/v1/models"]);

export function boundedPath(path: string): string {
  return KNOWN_PATHS.has(path) ? path : "other";
}

// HTTP methods as OpenTelemetry's semantic conventions list them; any other token reads as _OTHER,
// so a client cannot mint series by inventing methods.
const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]);

export function boundedMethod(method: string): string {
  return KNOWN_METHODS.has(method) ? method : "_OTHER";
}

/** Longer label values are cut here (with "…"); model ids are at most 256 characters anyway. */
export const MAX_LABEL_LENGTH = 128;
// C0 and C1 controls (NUL, CR, ESC, ...) and U+2028/2029: some scrapers split or stop on them. The
// serializer escapes only backslash, double quote and newline, as the text format asks.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * A label value that came from outside (a model name): control characters become U+FFFD, lone
 * surrogates too, and the length is bounded. Called once per kind of request, not per request.
 */
export function labelValue(value: string): string {
  let out = value.replace(CONTROL, "\uFFFD");
  if (!out.isWellFormed()) out = out.toWellFormed();
  return out.length > MAX_LABEL_LENGTH ? `${out.slice(0, MAX_LABEL_LENGTH - 1)}…` : out;
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
