// A model's prices in integer form, whichever source they came from (the shipped table or config).

/** Picodollars per token; tiered: the tier whose `start` the request's prompt tokens exceed applies to all its tokens. */
export type Rate = bigint | { readonly base: bigint; readonly tiers: ReadonlyArray<{ readonly start: number; readonly price: bigint }> };

export interface Rates {
  readonly input: Rate;
  readonly output: Rate;
  /** Absent: cached input is billed as input. */
  readonly cacheRead?: Rate;
  /** Absent: cache writes are billed as input. */
  readonly cacheWrite?: Rate;
  /** 1-hour cache writes (Anthropic); absent: billed as other cache writes. */
  readonly cacheWrite1h?: Rate;
  /** Absent: reasoning tokens are billed as output (they are counted inside completion tokens). */
  readonly reasoning?: Rate;
  /** A flat fee per request, picodollars (Perplexity's search fee). */
  readonly perRequest?: bigint;
}

export function rateAt(rate: Rate, promptTokens: number): bigint {
  if (typeof rate === "bigint") return rate;
  let price = rate.base;
  for (const tier of rate.tiers) if (promptTokens > tier.start) price = tier.price;
  return price;
}
