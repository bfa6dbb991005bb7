/**
 * Exponential backoff with jitter, and the upstream's Retry-After (after undici's retry-handler:
 * seconds or an HTTP date, capped).
 */
export interface BackoffPolicy {
  initial: number;
  max: number;
  multiplier: number;
}

/**
 * The wait before retry number `retry` (1 = the first retry): base = min(initial × multiplier^(retry−1), max),
 * with "equal jitter" — half of it fixed, half random — so the wait lies in [base/2, base]. Concurrent
 * requests that failed together spread out, and a retry never comes back immediately.
 */
export function backoffDelay(policy: BackoffPolicy, retry: number, random: () => number): number {
  const base = Math.min(policy.initial * policy.multiplier ** (retry - 1), policy.max);
  return Math.round(base / 2 + (random() * base) / 2);
}

/**
 * The longest Retry-After Butter waits for. A longer one (an exhausted daily quota, say) is not worth
 * holding the client's connection for: the error goes back at once, with its retry-after header.
 */
export const RETRY_AFTER_CAP_MS = 30_000;

/**
 * `retry-after-ms` (OpenAI, Azure) or `retry-after` as delta-seconds or an HTTP date, in ms from now.
 * Undefined when absent or unreadable; 0 for a date in the past.
 */
export function retryAfterMs(headers: Readonly<Record<string, string>> | undefined, wallNow: number): number | undefined {
  if (headers === undefined) return undefined;
  const ms = headers["retry-after-ms"];
  if (ms !== undefined) {
    const n = Number(ms);
    if (ms.trim() !== "" && Number.isFinite(n) && n >= 0) return Math.ceil(n);
  }
  const value = headers["retry-after"];
  if (value === undefined || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.ceil(seconds * 1000) : undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - wallNow);
}
