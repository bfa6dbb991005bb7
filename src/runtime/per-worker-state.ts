// With several workers each process has its own memory: what a config keeps there is per worker.
// The supervisor logs this list at start so nobody learns it from a rate limit that admits N times.
import type { Config } from "../config/schema.ts";

/** One sentence per setting whose state is per worker, saying what that means and how to share it. */
export function perWorkerState(config: Config, workers: number): string[] {
  const out: string[] = [];
  const store = config.store;
  if (store.kind === "sqlite" && store.path === ":memory:") {
    out.push("store sqlite::memory: is a separate database in each worker (app keys, counters, stored responses, the ledger); use a file or store: redis");
  } else if (store.kind === "sqlite") {
    out.push("store sqlite: the workers share the file, but a budget sees another worker's spend only after that worker's ledger flush (ledger.flush_interval); use store: redis for budgets held across workers");
  }
  if (config.cache?.backend === "memory") out.push("cache.backend memory: each worker has its own cache; use backend: redis");
  config.plugins.forEach((p, i) => {
    if (!p.enabled || p.wasm !== undefined) return;
    if (p.name === "ratelimit" && p.config.backend !== "redis") {
      out.push(`plugins[${i}] ratelimit with backend memory: each worker has its own buckets, so the workers together admit up to ${workers} times the rate; use backend: redis`);
    }
  });
  if (config.admin.token !== "") {
    out.push("admin: the request log (/admin/requests, the dashboard's live view) and dashboard sign-ins are per worker, and each call reaches one worker");
  }
  return out;
}
