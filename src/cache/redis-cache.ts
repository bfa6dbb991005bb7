import { errorFields, logger } from "../observability/logger.ts";
import { RedisConnection } from "../store/redis-connection.ts";
import type { CacheBackend, CachedAnswer, Now } from "./types.ts";

export interface RedisCacheOptions {
  ttlMs: number;
  /** Keys are `<prefix><hex>`; tests use their own so parallel runs never meet. */
  keyPrefix?: string;
  now?: Now;
}

/** After a failure, commands are not tried for this long: requests meanwhile go uncached without waiting on a connect. */
const RETRY_AFTER_MS = 1000;

/**
 * `backend: redis`, at `redis.url`: entries shared by every gateway on that Redis, each expiring in
 * Redis itself (`SET ... PX ttl`). Redis down costs no request anything but its cache: a lookup or
 * store fails fast (at most one connect attempt a second) and the request is served uncached; the
 * outage is logged once, and so is the recovery, which needs nobody.
 */
export class RedisCache implements CacheBackend {
  readonly kind = "redis";
  private readonly connection: RedisConnection;
  private readonly prefix: string;
  private readonly ttl: string;
  private readonly now: Now;
  private downUntil = 0;
  private down = false;

  constructor(url: string, options: RedisCacheOptions) {
    this.connection = new RedisConnection(url, "the response cache");
    this.prefix = options.keyPrefix ?? "butter:cache:";
    this.ttl = String(Math.max(1, Math.ceil(options.ttlMs)));
    this.now = options.now ?? performance.now.bind(performance);
  }

  async get(key: string): Promise<CachedAnswer | undefined> {
    const text = await this.run<string | null>("GET", [this.prefix + key]);
    return text == null ? undefined : decode(text);
  }

  async set(key: string, answer: CachedAnswer): Promise<void> {
    await this.run("SET", [this.prefix + key, encode(answer), "PX", this.ttl]);
  }

  /** One command; undefined (nothing cached) while Redis is unreachable. */
  private async run<T>(command: string, args: string[]): Promise<T | undefined> {
    if (this.down && this.now() < this.downUntil) return undefined;
    try {
      const result = await this.connection.send<T>(command, args);
      if (this.down) {
        this.down = false;
        logger.info("response cache available again", { cache: this.connection.address });
      }
      return result;
    } catch (err) {
      this.downUntil = this.now() + RETRY_AFTER_MS;
      if (!this.down) {
        this.down = true;
        logger.warn("response cache unavailable; serving uncached", { cache: this.connection.address, ...errorFields(err) });
      }
      return undefined;
    }
  }

  close(): void {
    this.connection.close();
  }
}

/**
 * An entry as stored: one JSON header line (who answered, usage, the client text's length), then
 * the client's text and the internal text back to back, so neither is escaped into a JSON string.
 */
export function encode(a: CachedAnswer): string {
  const head = JSON.stringify({ p: a.provider, m: a.model, i: a.promptTokens, o: a.completionTokens, c: a.client.length, n: a.internal !== undefined, $: a.costPico, h: a.headers });
  return `${head}\n${a.client}${a.internal ?? ""}`;
}

/** The entry back; undefined for anything this version did not write (another version's entry reads as a miss). */
export function decode(text: string): CachedAnswer | undefined {
  const nl = text.indexOf("\n");
  if (nl === -1) return undefined;
  let head: { p?: unknown; m?: unknown; i?: unknown; o?: unknown; c?: unknown; n?: unknown; $?: unknown; h?: unknown } | null;
  try {
    head = JSON.parse(text.slice(0, nl));
  } catch {
    return undefined;
  }
  if (typeof head !== "object" || head === null) return undefined;
  const start = nl + 1;
  if (typeof head.p !== "string" || typeof head.m !== "string" || typeof head.c !== "number" || start + head.c > text.length) return undefined;
  const end = start + head.c;
  const answer: CachedAnswer = {
    client: text.slice(start, end),
    internal: head.n === true ? text.slice(end) : undefined,
    provider: head.p,
    model: head.m,
    promptTokens: typeof head.i === "number" ? head.i : undefined,
    completionTokens: typeof head.o === "number" ? head.o : undefined,
  };
  if (typeof head.$ === "string" && /^\d{1,30}$/.test(head.$)) answer.costPico = head.$;
  if (head.h !== undefined) {
    // Headers go to clients as they are: anything that is not a plain header reads as a miss.
    if (typeof head.h !== "object" || head.h === null || Array.isArray(head.h)) return undefined;
    for (const [name, value] of Object.entries(head.h)) {
      if (!HEADER_NAME.test(name) || typeof value !== "string" || !HEADER_VALUE.test(value)) return undefined;
    }
    answer.headers = head.h as Record<string, string>;
  }
  return answer;
}

const HEADER_NAME = /^[a-z0-9-]{1,64}$/;
const HEADER_VALUE = /^[\x20-\x7e]{0,8192}$/;
