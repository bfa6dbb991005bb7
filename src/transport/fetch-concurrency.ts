// Bun's fetch sends at most BUN_CONFIG_MAX_HTTP_REQUESTS requests at once (256 unless set, read once
// when the process starts); the rest wait inside Bun with their attempt timeouts running. A gateway
// holds each upstream request open for a whole answer, so with the default 256 streams in flight
// would hold every other request back, and a wait past the attempt timeout would fail over for no
// fault of the upstream's. Butter's own ways of starting a process (`npm start`, the supervisor's
// workers) raise it to Bun's maximum; a process started otherwise says so in its log.
import type { UpstreamClient } from "./upstream-fetch.ts";

export const FETCH_CONCURRENCY_ENV = "BUN_CONFIG_MAX_HTTP_REQUESTS";
/** Bun's maximum. Costs nothing until used (idle RSS unchanged, measured). */
export const FETCH_CONCURRENCY = "65535";
const BUN_DEFAULT = 256;

/** The environment for a process Butter starts: fetch's limit raised, unless the user set one. */
export function withFetchConcurrency<E extends Record<string, string | undefined>>(env: E): E & Record<string, string | undefined> {
  return env[FETCH_CONCURRENCY_ENV] === undefined ? { ...env, [FETCH_CONCURRENCY_ENV]: FETCH_CONCURRENCY } : env;
}

/** Why this process's upstream calls may queue inside Bun (its fetch held to a low limit); undefined when they do not. */
export function fetchConcurrencyWarning(env: Record<string, string | undefined>, client: UpstreamClient): { msg: string; fields: Record<string, unknown> } | undefined {
  if (client !== "fetch") return undefined;
  // Bun takes a whole number from 1 to 65535 and falls back to its default for anything else (measured).
  const set = Number(env[FETCH_CONCURRENCY_ENV]);
  const limit = Number.isInteger(set) && set >= 1 && set <= 65535 ? set : BUN_DEFAULT;
  if (limit > BUN_DEFAULT) return undefined;
  return {
    msg: `Bun's fetch sends at most ${limit} upstream requests at once; more wait inside Bun. Start with ${FETCH_CONCURRENCY_ENV}=${FETCH_CONCURRENCY} (npm start does) or set server.upstream_client: http1`,
    fields: { max_upstream_requests: limit },
  };
}
