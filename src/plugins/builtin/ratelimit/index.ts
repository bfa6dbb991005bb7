// Built-in `ratelimit`: a token bucket per client IP or one for everybody, in memory or in Redis.
import * as v from "valibot";
import { int, number, strictObject } from "../../../config/schema-kit.ts";
import { parsePluginConfig } from "../../config-error.ts";
import type { HookResult, HttpRequestPayload, Plugin, PluginEnv, PluginFactory } from "../../types.ts";
import type { Verdict } from "./bucket.ts";
import { clientKey } from "./client-ip.ts";
import { GlobalStore, MemoryStore, type BucketStore } from "./memory-store.ts";
import { RedisStore } from "./redis-store.ts";
import { errorFields, logger } from "../../../observability/logger.ts";

const positive = v.pipe(number("expected a positive number"), v.gtValue(0, "expected a positive number"));

export const ratelimitConfig = v.pipe(
  strictObject({
    mode: v.optional(v.picklist(["global", "per-ip"], "expected \"global\" or \"per-ip\""), "global"),
    rate: positive,
    burst: v.optional(v.pipe(number("expected a number ≥ 1"), v.minValue(1, "expected a number ≥ 1"))),
    backend: v.optional(v.picklist(["memory", "redis"], "expected \"memory\" or \"redis\""), "memory"),
    trust_proxy: v.optional(v.union([v.boolean(), v.pipe(number(), ...int(), v.gtValue(0))], "expected true, false or a number of proxy hops"), false),
    max_keys: v.optional(v.pipe(number("expected a positive integer"), ...int("expected a positive integer"), v.gtValue(0, "expected a positive integer")), 100_000),
    key_prefix: v.optional(v.string(), "butter:ratelimit:"),
  }),
  v.transform((c) => ({ ...c, burst: c.burst ?? Math.max(1, Math.ceil(c.rate)) })),
);

export type RatelimitConfig = v.InferOutput<typeof ratelimitConfig>;

export interface RatelimitOptions {
  /** Milliseconds clock for the memory store (tests); Redis uses its own TIME. */
  now?: () => number;
  /** The previous generation's `carry` (a config reload). */
  inherited?: unknown;
}

/** In-memory buckets outlive a reload that keeps their settings (Redis buckets live in Redis anyway). */
interface Carried {
  settings: string;
  store: BucketStore;
}

export function createRatelimit(c: RatelimitConfig, redisUrl: string, opts: RatelimitOptions = {}): Plugin & { store: BucketStore } {
  const limits = { rate: c.rate, burst: c.burst };
  const settings = JSON.stringify([c.backend, c.mode, c.rate, c.burst, c.max_keys]);
  const inherited = opts.inherited as Carried | undefined;
  const store: BucketStore =
    c.backend === "redis"
      ? new RedisStore(redisUrl, limits, c.key_prefix)
      : inherited?.settings === settings
        ? inherited.store
        : c.mode === "global"
          ? new GlobalStore(limits, opts.now)
          : new MemoryStore(limits, c.max_keys, opts.now);
  const carry: Carried | undefined = c.backend === "redis" ? undefined : { settings, store };
  const limit = String(c.burst);
  const global = c.mode === "global";
  const answer = (v: Verdict): HookResult<HttpRequestPayload> => {
    const headers = {
      "x-ratelimit-limit": limit,
      "x-ratelimit-remaining": String(v.remaining),
      "x-ratelimit-reset": String(Math.ceil(v.resetMs / 1000)),
    };
    if (v.allowed) return { headers };
    return {
      respond: {
        status: 429,
        kind: "rate_limited",
        headers: { ...headers, "retry-after": String(Math.max(1, Math.ceil(v.retryAfterMs / 1000))) },
        error: {
          message: `Rate limit exceeded: at most ${c.rate} requests per second (bursts of ${c.burst})${global ? "" : " per client"}. Retry after the time in the Retry-After header.`,
          type: "rate_limit_error",
          code: "rate_limit_exceeded",
        },
      },
    };
  };
  return {
    name: "ratelimit",
    usesClientIp: !global,
    store,
    carry,
    preHttp(p) {
      const key = global ? "global" : "ip:" + clientKey(p.client_ip, p.headers["x-forwarded-for"], c.trust_proxy);
      const v = store.take(key);
      return v instanceof Promise ? v.then(answer) : answer(v);
    },
    async close() {
      store.close?.();
    },
  };
}

export const factory: PluginFactory = {
  name: "ratelimit",
  async create(config: Record<string, unknown>, env: PluginEnv) {
    const plugin = createRatelimit(parsePluginConfig(ratelimitConfig, config, env.path), env.redisUrl, { inherited: env.inherited });
    if (plugin.store instanceof RedisStore) {
      // Start serving either way: while Redis is away each check fails and the chain fails open
      // (or closed, with fail_closed), and the store reconnects on demand.
      await plugin.store.ready(2000).catch((err: unknown) =>
        logger.warn("ratelimit: Redis is not reachable yet", { redis: redactUrl(env.redisUrl), ...errorFields(err) }));
    }
    return plugin;
  },
};

/** The Redis URL without its password, for logs. */
function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
}
