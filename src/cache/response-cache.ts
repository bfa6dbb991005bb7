// The response cache as the server uses it: one per generation, sharing its backend with the
// generations before and after while the cache settings stay the same (as SharedStore shares the
// durable store), and a per-request engine wrapper that looks up after the pre-LLM hooks and before
// any provider call.
import type { Config } from "../config/schema.ts";
import type { Outcome, RequestContext } from "../engine/engine.ts";
import type { EngineOperation } from "../engine/operations.ts";
import type { LlmEngine } from "../plugins/pipeline.ts";
import type { LlmResult } from "../providers/types.ts";
import type { RequestRecorder } from "../observability/recorder.ts";
import { cacheKey } from "./cache-key.ts";
import { directives } from "./policy.ts";
import type { CacheBackend, CachedAnswer, CacheStep, Now } from "./types.ts";

interface Holding {
  backend: CacheBackend;
  identity: string;
  /** Generations still holding the backend; it closes when the last lets go. */
  holders: number;
}

export interface CacheOptions {
  /** The clock entries expire by; tests pass their own. */
  now?: Now;
  /** Redis key prefix; tests use their own. */
  redisPrefix?: string;
}

/** The parts of the server's exchange the caching engine reads and writes. */
export interface CacheExchange {
  readonly req: Request;
  readonly headers: Record<string, string>;
  readonly recorder: RequestRecorder | undefined;
  readonly appKeyScope?: string;
  /** Its plugin pipeline: whether a post-LLM hook may change the engine's body before it is encoded. */
  readonly pipeline?: { readonly postLlmHooks: boolean };
  cache?: CacheStep;
}

export class ResponseCache {
  private released = false;
  /** Route name → what the key says about it: its strategy and targets as configured, and their providers. */
  private readonly routes = new Map<string, string>();

  private constructor(private readonly holding: Holding, private readonly config: Config) {
    holding.holders++;
    for (const [name, route] of Object.entries(config.routes)) {
      const targets = route.targets.map((t) => ({ ...t, via: this.providerIdentity(t.provider) }));
      this.routes.set(name, JSON.stringify({ route: name, strategy: route.strategy, targets }));
    }
  }

  /** Undefined without a `cache:` section; shares `previous`'s backend when the settings are the same. */
  static async forConfig(config: Config, previous?: ResponseCache, options: CacheOptions = {}): Promise<ResponseCache | undefined> {
    const settings = config.cache;
    if (settings === undefined) return undefined;
    const identity = JSON.stringify({ ...settings, url: settings.backend === "redis" ? config.redis.url : undefined });
    const holding = previous !== undefined && previous.holding.identity === identity && previous.holding.holders > 0
      ? previous.holding
      : { backend: await openBackend(config, settings, options), identity, holders: 0 };
    return new ResponseCache(holding, config);
  }

  get backend(): CacheBackend {
    return this.holding.backend;
  }

  /** Whether this cache shares its entries with `other`. */
  shares(other: ResponseCache): boolean {
    return this.holding === other.holding;
  }

  /**
   * `inner` with the cache in front of it, for one request of `operation` (`<ingress>:<engine
   * operation>`, part of the key); `cacheable` (the operation's own rule) says which requests may use it.
   */
  engine(inner: LlmEngine, ex: CacheExchange, operation: string, cacheable: ((request: never) => boolean) | undefined): LlmEngine {
    return { call: (op, request, ctx) => this.call(inner, ex, operation, cacheable as ((request: object) => boolean) | undefined, op, request, ctx) };
  }

  private async call<Req extends { model: string }, B>(
    inner: LlmEngine, ex: CacheExchange, operation: string, cacheable: ((request: object) => boolean) | undefined,
    op: EngineOperation<Req, B>, request: Req, ctx: RequestContext,
  ): Promise<Outcome<LlmResult<B>>> {
    const route = cacheable?.(request) === true ? this.routeIdentity(request.model) : undefined;
    if (route === undefined) {
      missed(ex);
      return inner.call(op, request, ctx);
    }
    const key = cacheKey({ operation, route, scope: ex.appKeyScope ?? null, request });
    const wants = directives(ex.req.headers.get("cache-control"));
    const backend = this.holding.backend;
    if (wants.lookup) {
      const found = backend.get(key);
      const answer = found instanceof Promise ? await found : found;
      if (answer !== undefined) {
        ex.headers["x-butter-cache"] = "hit";
        ex.recorder?.cacheHit(answer);
        let body: unknown;
        // Parsed only if somebody (a post-LLM hook) reads it.
        const value: LlmResult<unknown> = {
          type: "json",
          get body() {
            return (body ??= JSON.parse(answer.internal ?? answer.client));
          },
        };
        ex.cache = { hit: answer, value, parsed: () => body };
        return { value: value as LlmResult<B>, provider: answer.provider, model: answer.model, attempts: 0 };
      }
    }
    missed(ex);
    const outcome = await inner.call(op, request, ctx);
    const result = outcome.value;
    if (wants.store && result.type === "json") {
      ex.cache = { hit: undefined, key, internal: ex.pipeline?.postLlmHooks === true ? result.raw ?? JSON.stringify(result.body) : undefined, store: storeIn(backend) };
    }
    return outcome;
  }

  /** What the key says about where `model` goes; undefined for a model nothing serves (the engine answers its error). */
  private routeIdentity(model: string): string | undefined {
    const route = this.routes.get(model);
    if (route !== undefined) return route;
    const slash = model.indexOf("/");
    if (slash <= 0) return undefined;
    const provider = this.providerIdentity(model.slice(0, slash));
    return provider === undefined ? undefined : `${model} ${provider}`;
  }

  private providerIdentity(name: string): string | undefined {
    const block = this.config.providers[name];
    return block === undefined ? undefined : JSON.stringify({ provider: name, kind: block.type ?? name, base_url: block.base_url ?? null });
  }

  /** Lets go of the backend (once); the last holder closes it. */
  close(): void {
    if (this.released) return;
    this.released = true;
    if (--this.holding.holders === 0) this.holding.backend.close();
  }
}

/** Only the configured backend's module is loaded (lru-cache alone is several MB of resident memory). */
async function openBackend(config: Config, settings: NonNullable<Config["cache"]>, options: CacheOptions): Promise<CacheBackend> {
  if (settings.backend === "redis") {
    const { RedisCache } = await import("./redis-cache.ts");
    return new RedisCache(config.redis.url, { ttlMs: settings.ttl, keyPrefix: options.redisPrefix, now: options.now });
  }
  const { MemoryCache } = await import("./memory-cache.ts");
  return new MemoryCache({ ttlMs: settings.ttl, maxEntries: settings.max_entries, maxBytes: settings.max_bytes, now: options.now });
}

function missed(ex: CacheExchange): void {
  ex.headers["x-butter-cache"] = "miss";
  ex.recorder?.cacheMissed();
}

/** Stores without making the client wait; a backend that fails has said so (redis-cache.ts). */
function storeIn(backend: CacheBackend): (key: string, answer: CachedAnswer) => void {
  return (key, answer) => {
    const done = backend.set(key, answer);
    if (done instanceof Promise) done.catch(() => {});
  };
}

/** The usage an internal body reports (chat and embeddings use OpenAI's field names). */
export function usageOf(body: unknown): { promptTokens: number | undefined; completionTokens: number | undefined } {
  const usage = (body as { usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } | null } | null)?.usage;
  return {
    promptTokens: typeof usage?.prompt_tokens === "number" ? usage.prompt_tokens : undefined,
    completionTokens: typeof usage?.completion_tokens === "number" ? usage.completion_tokens : undefined,
  };
}
