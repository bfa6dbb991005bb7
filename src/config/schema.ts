import * as v from "valibot";
import { pricingSchema } from "../cost/pricing-config.ts";
import { int, looseObject, number, record, strictObject } from "./schema-kit.ts";
import { parseAddress, parseDuration, parseSize } from "./units.ts";

/** A duration string with a unit (`250ms`, `2s`, `5m`, `1h`, `30d`) → milliseconds; plugins validate theirs with it too. */
export const duration = v.pipe(
  v.string("expected a duration string with a unit, e.g. \"250ms\", \"2s\", \"5m\""),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const ms = parseDuration(dataset.value);
    if (ms === undefined) {
      addIssue({ message: `expected a duration with a unit (ms, s, m, h, d), got "${dataset.value}"` });
      return NEVER;
    }
    return ms;
  }),
);

/** A timeout or interval: a duration that must be above zero (`0ms` would fire at once). */
export const positiveDuration = v.pipe(duration, v.check((ms) => ms > 0, "expected a duration above zero"));

const size = v.pipe(
  v.union([number(), v.string()], "expected a size in bytes or a string like \"64MB\""),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const bytes = parseSize(dataset.value);
    if (bytes === undefined) {
      addIssue({ message: `expected a positive size (bytes, or with KB/MB/GB), got "${dataset.value}"` });
      return NEVER;
    }
    return bytes;
  }),
);

const positive = v.pipe(number("expected a positive number"), v.gtValue(0, "expected a positive number"));
const positiveInt = v.pipe(number("expected a positive integer"), ...int("expected a positive integer"), v.gtValue(0, "expected a positive integer"));
/**
 * Optional text such as a credential: absent, null and blank all become "", so an unset `${VAR}`
 * leaves a key unusable (skipped) rather than the config invalid. Provider kinds use it for their key fields.
 */
export const optionalText = v.pipe(v.nullish(v.string("expected a string"), ""), v.transform((text) => text.trim()));

/**
 * An absolute http(s) URL: "http://" or "https://" and then whatever the URL parser takes; the value
 * is kept as written, trimmed and without tabs or line breaks.
 */
const httpUrl = v.pipe(
  v.string("expected an absolute http(s) URL"),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const trimmed = dataset.value.trim();
    if (!/^https?:\/\//i.test(trimmed) || !URL.canParse(trimmed)) {
      addIssue({ message: "expected an absolute http(s) URL" });
      return NEVER;
    }
    return trimmed.replace(/[\t\n\r]/g, "");
  }),
);

/** The key fields every provider kind shares. A kind's own (AWS keys, OAuth tokens...) are checked by its schema. */
const sharedKey = v.object({
  value: optionalText,
  weight: v.optional(positive, 1),
  models: v.optional(v.array(v.string())),
});

/**
 * The block fields every provider kind shares. Other fields (region, project, api_version...) pass
 * through here and are checked by the kind's own schema when the snapshot is built (snapshot.ts),
 * since only the registry, which config/ does not import, knows the kinds.
 */
const sharedProvider = v.object({
  type: v.optional(v.string()),
  base_url: v.optional(httpUrl),
  credential_mode: v.optional(v.picklist(["stored", "passthrough"], "expected \"stored\" or \"passthrough\""), "stored"),
  headers: v.optional(record(v.string(), v.string())),
  models: v.optional(v.array(v.string())),
  timeout: v.optional(positiveDuration),
});

const provider = looseObject({ ...sharedProvider.entries, keys: v.optional(v.array(looseObject(sharedKey.entries)), []) });

/** Field names the core schema owns; everything else in a block or key belongs to the kind. */
export const SHARED_PROVIDER_FIELDS: ReadonlySet<string> = new Set([...Object.keys(sharedProvider.entries), "keys"]);
export const SHARED_KEY_FIELDS: ReadonlySet<string> = new Set(Object.keys(sharedKey.entries));

const target = strictObject({
  provider: v.pipe(v.string(), v.minLength(1)),
  model: v.pipe(v.string(), v.minLength(1)),
  weight: v.optional(positive, 1),
});

const route = strictObject({
  strategy: v.optional(v.picklist(["priority", "round-robin"], "expected \"priority\" or \"round-robin\""), "priority"),
  targets: v.pipe(v.array(target), v.minLength(1, "a route needs at least one target")),
});

// Defaults are given as they would be written (valibot parses a default like the value it stands for).
const failover = strictObject({
  retry_on: v.optional(v.array(v.pipe(number(), ...int(), v.minValue(100), v.maxValue(599))), [429, 500, 502, 503, 504]),
  max_attempts: v.optional(positiveInt, 3),
  backoff: v.optional(
    strictObject({ initial: v.optional(duration, "100ms"), max: v.optional(duration, "2s"), multiplier: v.optional(v.pipe(number(), v.minValue(1)), 2) }),
    {},
  ),
  timeout: v.optional(positiveDuration, "120s"),
  stream_idle_timeout: v.optional(positiveDuration, "60s"),
  deadline: v.optional(positiveDuration, "600s"),
  circuit: v.optional(strictObject({ failures: v.optional(positiveInt, 5), cooldown: v.optional(positiveDuration, "30s") }), {}),
});

const plugin = strictObject({
  name: v.pipe(v.string(), v.minLength(1)),
  enabled: v.optional(v.boolean(), true),
  wasm: v.optional(v.string()),
  fail_closed: v.optional(v.boolean(), false),
  timeout: v.optional(positiveDuration),
  memory_limit: v.optional(size),
  allowed_hosts: v.optional(v.array(v.string()), []),
  config: v.optional(record(v.string(), v.unknown()), {}),
});

const address = v.pipe(
  v.string(),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const parsed = parseAddress(dataset.value);
    if (!parsed) {
      addIssue({ message: `expected "host:port" or ":port", got "${dataset.value}"` });
      return NEVER;
    }
    return parsed;
  }),
);

/** `sqlite:<path>` (relative to the working directory; `sqlite::memory:` keeps nothing across a restart) or `redis` (at `redis.url`). */
const storeSetting = v.pipe(
  v.string("expected \"sqlite:<path>\" or \"redis\""),
  v.rawTransform(({ dataset: { value: text }, addIssue, NEVER }) => {
    if (text === "redis") return { kind: "redis" as const };
    if (text.startsWith("sqlite:") && text.length > "sqlite:".length) return { kind: "sqlite" as const, path: text.slice("sqlite:".length) };
    addIssue({ message: `expected "sqlite:<path>" (e.g. "sqlite:./butter.db") or "redis", got "${text}"` });
    return NEVER;
  }),
);

/** The message for an empty route name or price-override key (the wording the config has always used). */
const INVALID_KEY = "Invalid key in record";

export const configSchema = strictObject({
  server: v.optional(
    v.pipe(
      strictObject({
        address: v.optional(address, "127.0.0.1:8080"),
        max_body_bytes: v.optional(size, 10 * 1024 * 1024),
        body_timeout: v.optional(positiveDuration, "30s"),
        // Bun's idle timer takes whole seconds up to 255.
        idle_timeout: v.optional(v.pipe(positiveDuration, v.check((ms) => ms <= 255_000, "expected at most 255s")), "60s"),
        max_upstream_bytes: v.optional(size, 32 * 1024 * 1024),
        shutdown_timeout: v.optional(positiveDuration, "10s"),
        // A Server-Timing header on proxied answers (the gateway's own processing and the upstream wait).
        server_timing: v.optional(v.boolean(), false),
        // Processes sharing the port (runtime/supervisor.ts); "auto": one per CPU.
        workers: v.optional(
          v.union([v.literal("auto"), v.pipe(positiveInt, v.maxValue(1024, "expected at most 1024"))], "expected \"auto\" or a positive integer"),
          1,
        ),
        // Unset: http1 (or BUTTER_UPSTREAM_CLIENT); see transport/upstream-fetch.ts.
        upstream_client: v.optional(v.picklist(["fetch", "http1"], "expected \"fetch\" or \"http1\"")),
      }),
      v.rawCheck(({ dataset, addIssue }) => {
        // Each worker would bind a port of its own, and clients could reach only the one logged.
        if (!dataset.typed) return;
        const s = dataset.value;
        if (s.workers !== 1 && s.address.port === 0) {
          addIssue({
            message: "several workers need a fixed port in server.address (port 0 would give each worker its own)",
            path: [{ type: "object", origin: "value", input: s, key: "workers", value: s.workers }],
          });
        }
      }),
    ),
    {},
  ),
  providers: v.optional(record(v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9._-]*$/i, "provider names use letters, digits, '.', '_' and '-'")), provider), {}),
  routes: v.optional(record(v.pipe(v.string(), v.minLength(1, INVALID_KEY)), route), {}),
  failover: v.optional(failover, {}),
  redis: v.optional(strictObject({ url: v.optional(v.string(), "redis://127.0.0.1:6379") }), {}),
  plugins: v.optional(v.array(plugin), []),
  // Accepted only once something implements them: a setting that silently does nothing is worse than an error.
  // Absent: no response cache. `backend` has no default: a section that names nothing is a mistake.
  cache: v.optional(strictObject({
    backend: v.picklist(["memory", "redis"], "expected \"memory\" or \"redis\""),
    ttl: v.optional(positiveDuration, "5m"),
    max_entries: v.optional(positiveInt, 10_000),
    max_bytes: v.optional(size, 64 * 1024 * 1024),
  })),
  app_keys: v.optional(strictObject({
    require_key: v.optional(v.boolean(), false),
    flush_interval: v.optional(positiveDuration, "1s"),
  }), {}),
  // No token, no admin API (every /admin path is a 404): an unset ${BUTTER_ADMIN_TOKEN} must not open it.
  admin: v.optional(strictObject({
    token: optionalText,
    request_log_size: v.optional(positiveInt, 1000),
  }), {}),
  store: v.optional(storeSetting, "sqlite:./butter.db"),
  // The usage ledger (cost/ledger.ts): per-day totals by key, provider and model in the store; budgets read it.
  ledger: v.optional(strictObject({
    enabled: v.optional(v.boolean(), true),
    flush_interval: v.optional(positiveDuration, "1s"),
  }), {}),
  responses: v.optional(strictObject({ ttl: v.optional(positiveDuration, "30d") }), {}),
  pricing: pricingSchema,
});

export type Config = v.InferOutput<typeof configSchema>;
/** A provider block as written: the shared fields parsed, the kind's own not yet (see config/provider-block.ts). */
export type ProviderConfig = Config["providers"][string];
/** The shared block fields, parsed; a resolved block adds the kind's settings and keys. */
export type SharedProviderConfig = v.InferOutput<typeof sharedProvider>;
/** A stored key: the shared fields, plus whatever its kind adds (typed as the kind's StoredKey). */
export type KeyConfig = ProviderConfig["keys"][number];
export type RouteConfig = Config["routes"][string];
export type FailoverConfig = Config["failover"];
export type PluginConfig = Config["plugins"][number];
