import { ConfigError } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import { RedisStore } from "./redis-store.ts";
import { SqliteStore } from "./sqlite-store.ts";
import type { DurableStore, StoreBackend } from "./types.ts";

/** The backend `config.store` names; nothing is created or connected until a feature writes. */
export function openStore(config: Config): DurableStore {
  return openBackend(config);
}

/** Throws ConfigError when the setting cannot work (a missing directory), so a bad config fails at start or reload, not on a request. */
export function openBackend(config: Config): StoreBackend {
  const ttlMs = config.responses.ttl;
  if (config.store.kind === "redis") return new RedisStore(config.redis.url, { ttlMs });
  try {
    return new SqliteStore(config.store.path, { ttlMs });
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

/** Two configs with the same identity share one backend across a reload (same file handle, same connection). */
export function storeIdentity(config: Config): string {
  return config.store.kind === "redis" ? `redis ${config.redis.url}` : `sqlite ${config.store.path}`;
}
