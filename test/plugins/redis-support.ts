// Redis tests run against the real Redis at REDIS_URL. Without one they are skipped with a visible
// reason, except under CI=true, where a missing Redis is a failure.
import { RedisClient } from "bun";
import { describe } from "bun:test";

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

async function ping(url: string): Promise<string | undefined> {
  const client = new RedisClient(url, { connectionTimeout: 1000, autoReconnect: false, enableOfflineQueue: false });
  try {
    await Promise.race([client.connect().then(() => client.send("PING", [])), Bun.sleep(1500).then(() => Promise.reject(new Error("no answer within 1.5 s")))]);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    client.close();
  }
}

const problem = await ping(REDIS_URL);
if (problem !== undefined && process.env.CI === "true") throw new Error(`CI=true and no Redis answers at ${REDIS_URL}: ${problem}`);
if (problem !== undefined) console.warn(`SKIPPING Redis tests: no Redis answers at ${REDIS_URL} (${problem}); set REDIS_URL or start redis-server`);

/** `describe` when Redis answers, `describe.skip` otherwise. */
export const describeRedis = problem === undefined ? describe : describe.skip;

export function redisClient(): RedisClient {
  return new RedisClient(REDIS_URL);
}

/**
 * Removes the app keys a test made from the shared Redis (record, hash index entry, spend) plus any
 * `extraKeys`, and bumps the key version so running gateways drop them too.
 */
export async function forgetAppKeys(ids: readonly string[], extraKeys: readonly string[] = []): Promise<void> {
  const redis = redisClient();
  for (const id of ids) {
    const data = await redis.send("HGET", [`butter:key:${id}`, "data"]);
    if (typeof data === "string") await redis.send("HDEL", ["butter:keys", (JSON.parse(data) as { hash: string }).hash]);
    await redis.send("DEL", [`butter:key:${id}`, `butter:spend:${id}`]);
  }
  if (extraKeys.length > 0) await redis.send("DEL", [...extraKeys]);
  await redis.send("INCR", ["butter:keys:version"]);
  redis.close();
}
