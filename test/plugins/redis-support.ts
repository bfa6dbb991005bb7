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
