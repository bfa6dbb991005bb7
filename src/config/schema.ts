import { z } from "zod";
import { pricingSchema } from "../cost/pricing-config.ts";
import { parseAddress, parseDuration, parseSize } from "./units.ts";

/** A duration string with a unit (`250ms`, `2s`, `5m`, `1h`, `30d`) → milliseconds; plugins validate theirs with it too. */
export const duration = z
  .string({ error: "expected a duration string with a unit, e.g. \"250ms\", \"2s\", \"5m\"" })
  .transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: "custom", message: `expected a duration with a unit (ms, s, m, h, d), got "${text}"` });
      return z.NEVER;
    }
    return ms;
  });

/** A timeout or interval: a duration that must be above zero (`0ms` would fire at once). */
export const positiveDuration = duration.refine((ms) => ms > 0, { error: "expected a duration above zero" });

const size = z
  .union([z.number(), z.string()], { error: "expected a size in bytes or a string like \"64MB\"" })
  .transform((value, ctx) => {
    const bytes = parseSize(value);
    if (bytes === undefined) {
      ctx.addIssue({ code: "custom", message: `expected a positive size (bytes, or with KB/MB/GB), got "${value}"` });
      return z.NEVER;
    }
    return bytes;
  });

const positive = z.number({ error: "expected a positive number" }).positive({ error: "expected a positive number" });
const positiveInt = z.number({ error: "expected a positive integer" }).int({ error: "expected a positive integer" }).positive({ error: "expected a positive integer" });
/**
 * Optional text such as a credential: absent, null and blank all become "", so an unset `${VAR}`
 * leaves a key unusable (skipped) rather than the config invalid. Provider kinds use it for their key fields.
 */
export const optionalText = z.string({ error: "expected a string" }).nullish().transform((v) => (v ?? "").trim());

/** The key fields every provider kind shares. A kind's own (AWS keys, OAuth tokens...) are checked by its schema. */
const sharedKey = z.object({
  value: optionalText,
  weight: positive.default(1),
  models: z.array(z.string()).optional(),
});

/**
 * The block fields every provider kind shares. Other fields (region, project, api_version...) pass
 * through here and are checked by the kind's own schema when the snapshot is built (snapshot.ts),
 * since only the registry, which config/ does not import, knows the kinds.
 */
const sharedProvider = z.object({
  type: z.string().optional(),
  base_url: z.url({ protocol: /^https?$/, error: "expected an absolute http(s) URL" }).optional(),
  credential_mode: z.enum(["stored", "passthrough"], { error: "expected \"stored\" or \"passthrough\"" }).default("stored"),
  headers: z.record(z.string(), z.string()).optional(),
  models: z.array(z.string()).optional(),
  timeout: positiveDuration.optional(),
});

const provider = sharedProvider.extend({ keys: z.array(sharedKey.loose()).default([]) }).loose();

/** Field names the core schema owns; everything else in a block or key belongs to the kind. */
export const SHARED_PROVIDER_FIELDS: ReadonlySet<string> = new Set([...Object.keys(sharedProvider.shape), "keys"]);
export const SHARED_KEY_FIELDS: ReadonlySet<string> = new Set(Object.keys(sharedKey.shape));

const target = z.strictObject({
  provider: z.string().min(1),
  model: z.string().min(1),
  weight: positive.default(1),
});

const route = z.strictObject({
  strategy: z.enum(["priority", "round-robin"], { error: "expected \"priority\" or \"round-robin\"" }).default("priority"),
  targets: z.array(target).min(1, { error: "a route needs at least one target" }),
});

const failover = z.strictObject({
  retry_on: z.array(z.number().int().min(100).max(599)).default([429, 500, 502, 503, 504]),
  max_attempts: positiveInt.default(3),
  backoff: z
    .strictObject({ initial: duration.default(100), max: duration.default(2000), multiplier: z.number().min(1).default(2) })
    .prefault({}),
  timeout: positiveDuration.default(120_000),
  stream_idle_timeout: positiveDuration.default(60_000),
  deadline: positiveDuration.default(600_000),
  circuit: z.strictObject({ failures: positiveInt.default(5), cooldown: positiveDuration.default(30_000) }).prefault({}),
});

const plugin = z.strictObject({
  name: z.string().min(1),
  enabled: z.boolean().default(true),
  wasm: z.string().optional(),
  fail_closed: z.boolean().default(false),
  timeout: positiveDuration.optional(),
  memory_limit: size.optional(),
  allowed_hosts: z.array(z.string()).default([]),
  config: z.record(z.string(), z.unknown()).default({}),
});

const address = z.string().transform((text, ctx) => {
  const parsed = parseAddress(text);
  if (!parsed) {
    ctx.addIssue({ code: "custom", message: `expected "host:port" or ":port", got "${text}"` });
    return z.NEVER;
  }
  return parsed;
});

/** `sqlite:<path>` (relative to the working directory; `sqlite::memory:` keeps nothing across a restart) or `redis` (at `redis.url`). */
const storeSetting = z.string({ error: "expected \"sqlite:<path>\" or \"redis\"" }).transform((text, ctx) => {
  if (text === "redis") return { kind: "redis" as const };
  if (text.startsWith("sqlite:") && text.length > "sqlite:".length) return { kind: "sqlite" as const, path: text.slice("sqlite:".length) };
  ctx.addIssue({ code: "custom", message: `expected "sqlite:<path>" (e.g. "sqlite:./butter.db") or "redis", got "${text}"` });
  return z.NEVER;
});

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      address: address.default({ hostname: "127.0.0.1", port: 8080 }),
      max_body_bytes: size.default(10 * 1024 * 1024),
      body_timeout: positiveDuration.default(30_000),
      // Bun's idle timer takes whole seconds up to 255.
      idle_timeout: positiveDuration.refine((ms) => ms <= 255_000, { error: "expected at most 255s" }).default(60_000),
      max_upstream_bytes: size.default(32 * 1024 * 1024),
      shutdown_timeout: positiveDuration.default(10_000),
      // A Server-Timing header on proxied answers (the gateway's own processing and the upstream wait).
      server_timing: z.boolean().default(false),
      // Processes sharing the port (runtime/supervisor.ts); "auto": one per CPU.
      workers: z.union([z.literal("auto"), positiveInt.max(1024, { error: "expected at most 1024" })], { error: "expected \"auto\" or a positive integer" }).default(1),
      // Unset: fetch (or BUTTER_UPSTREAM_CLIENT); see transport/upstream-fetch.ts.
      upstream_client: z.enum(["fetch", "http1"], { error: "expected \"fetch\" or \"http1\"" }).optional(),
    })
    .superRefine((s, ctx) => {
      // Each worker would bind a port of its own, and clients could reach only the one logged.
      if (s.workers !== 1 && s.address.port === 0) ctx.addIssue({ code: "custom", path: ["workers"], message: "several workers need a fixed port in server.address (port 0 would give each worker its own)" });
    })
    .prefault({}),
  providers: z.record(z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, { error: "provider names use letters, digits, '.', '_' and '-'" }), provider).default({}),
  routes: z.record(z.string().min(1), route).default({}),
  failover: failover.prefault({}),
  redis: z.strictObject({ url: z.string().default("redis://127.0.0.1:6379") }).prefault({}),
  plugins: z.array(plugin).default([]),
  // Accepted only once something implements them: a setting that silently does nothing is worse than an error.
  // Absent: no response cache. `backend` has no default: a section that names nothing is a mistake.
  cache: z.strictObject({
    backend: z.enum(["memory", "redis"], { error: "expected \"memory\" or \"redis\"" }),
    ttl: positiveDuration.default(5 * 60_000),
    max_entries: positiveInt.default(10_000),
    max_bytes: size.default(64 * 1024 * 1024),
  }).optional(),
  app_keys: z.strictObject({
    require_key: z.boolean().default(false),
    flush_interval: positiveDuration.default(1000),
  }).prefault({}),
  // No token, no admin API (every /admin path is a 404): an unset ${BUTTER_ADMIN_TOKEN} must not open it.
  admin: z.strictObject({
    token: optionalText,
    request_log_size: positiveInt.default(1000),
  }).prefault({}),
  store: storeSetting.default({ kind: "sqlite", path: "./butter.db" }),
  // The usage ledger (cost/ledger.ts): per-day totals by key, provider and model in the store; budgets read it.
  ledger: z.strictObject({
    enabled: z.boolean().default(true),
    flush_interval: positiveDuration.default(1000),
  }).prefault({}),
  responses: z.strictObject({ ttl: positiveDuration.default(30 * 86_400_000) }).prefault({}),
  pricing: pricingSchema,
});

export type Config = z.output<typeof configSchema>;
/** A provider block as written: the shared fields parsed, the kind's own not yet (see config/provider-block.ts). */
export type ProviderConfig = Config["providers"][string];
/** The shared block fields, parsed; a resolved block adds the kind's settings and keys. */
export type SharedProviderConfig = z.output<typeof sharedProvider>;
/** A stored key: the shared fields, plus whatever its kind adds (typed as the kind's StoredKey). */
export type KeyConfig = ProviderConfig["keys"][number];
export type RouteConfig = Config["routes"][string];
export type FailoverConfig = Config["failover"];
export type PluginConfig = Config["plugins"][number];
