import { RedisClient } from "bun";
import { verdict, type BucketLimits, type Verdict } from "./bucket.ts";
import type { BucketStore } from "./memory-store.ts";

/**
 * The bucket formula of bucket.ts, run atomically inside Redis so every gateway sharing the Redis
 * shares the limit. Time comes from Redis (`TIME`), never from the gateways, so their clocks need
 * not agree. An idle key expires once it would be full again, so Redis holds only active buckets.
 * Returns {allowed, tokens-as-string} (Lua numbers become integers on the wire).
 */
export const TAKE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local s = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(s[1])
local at = tonumber(s[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
if now > at then
  tokens = math.min(burst, tokens + (now - at) * rate / 1000)
end
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) * 1000 / rate) + 1000)
return {allowed, tostring(tokens)}
`;

const SHA = new Bun.CryptoHasher("sha1").update(TAKE_SCRIPT).digest("hex");

export class RedisStore implements BucketStore {
  private readonly client: RedisClient;
  private reconnecting: Promise<void> | undefined;
  private readonly rate: string;
  private readonly burst: string;

  constructor(url: string, private readonly limits: BucketLimits, private readonly prefix: string) {
    // No offline queue: with Redis down a check fails at once (and the chain fails open or closed)
    // instead of piling up behind a reconnect.
    this.client = new RedisClient(url, { enableOfflineQueue: false, connectionTimeout: 2000 });
    this.rate = String(limits.rate);
    this.burst = String(limits.burst);
  }

  /** Connects now (without an offline queue a command sent before the connection is up fails). */
  async ready(timeoutMs: number): Promise<void> {
    await Promise.race([this.client.connect(), Bun.sleep(timeoutMs).then(() => Promise.reject(new Error(`no connection within ${timeoutMs} ms`)))]);
  }

  async take(key: string): Promise<Verdict> {
    const k = this.prefix + key;
    let reply: [number, string];
    try {
      reply = await this.client.send("EVALSHA", [SHA, "1", k, this.rate, this.burst]);
    } catch (err) {
      if (isNoScript(err)) reply = await this.client.send("EVAL", [TAKE_SCRIPT, "1", k, this.rate, this.burst]);
      else {
        this.reconnect();
        throw err;
      }
    }
    return verdict(reply[0] === 1, Number(reply[1]), this.limits);
  }

  /** Bun's client gives up after its retries; bring it back on demand, one attempt at a time. */
  private reconnect(): void {
    if (this.client.connected || this.reconnecting !== undefined) return;
    this.reconnecting = this.client
      .connect()
      .catch(() => {})
      .finally(() => setTimeout(() => (this.reconnecting = undefined), 1000));
  }

  close(): void {
    this.client.close();
  }
}

function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith("NOSCRIPT");
}
