// Token-bucket arithmetic, pure: the memory store runs it in-process and the Redis script runs the
// same formula inside Redis. Times are milliseconds from whatever clock the caller uses.

export interface BucketState {
  tokens: number;
  /** When `tokens` was last brought up to date. */
  at: number;
}

export interface Verdict {
  allowed: boolean;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Until one token is back (0 when allowed). */
  retryAfterMs: number;
  /** Until the bucket is full again. */
  resetMs: number;
}

export interface BucketLimits {
  /** Tokens added per second (fractional allowed). */
  rate: number;
  /** Bucket size: the most requests allowed at once. */
  burst: number;
}

export function fullBucket(limits: BucketLimits, now: number): BucketState {
  return { tokens: limits.burst, at: now };
}

/** Refills for the time since `s.at`, then takes one token if there is one. Mutates `s`. */
export function take(s: BucketState, now: number, limits: BucketLimits): Verdict {
  if (now > s.at) {
    s.tokens = Math.min(limits.burst, s.tokens + ((now - s.at) * limits.rate) / 1000);
    s.at = now;
  }
  const allowed = s.tokens >= 1;
  if (allowed) s.tokens -= 1;
  return verdict(allowed, s.tokens, limits);
}

export function verdict(allowed: boolean, tokens: number, limits: BucketLimits): Verdict {
  return {
    allowed,
    remaining: Math.floor(tokens),
    retryAfterMs: allowed ? 0 : ((1 - tokens) * 1000) / limits.rate,
    resetMs: ((limits.burst - tokens) * 1000) / limits.rate,
  };
}

/** Whether an idle bucket has refilled completely, i.e. forgetting it changes nothing. */
export function isFull(s: BucketState, now: number, limits: BucketLimits): boolean {
  return s.tokens + ((now - s.at) * limits.rate) / 1000 >= limits.burst;
}
