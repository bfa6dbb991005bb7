// What one answer cost: by the model that answered (after routing and failover), each kind of token
// at its own rate, the provider's own reported cost where it gives one. Overrides in config come
// first, then the shipped table; a model neither knows costs 0 and is logged once as unpriced.
import type { Usage } from "../core/openai-types.ts";
import { logger } from "../observability/logger.ts";
import { picoPerToken, usdToPico } from "./money.ts";
import type { PricingConfig } from "./pricing-config.ts";
import { tableRates } from "./price-table.ts";
import { rateAt, type Rates } from "./rates.ts";

export interface Cost {
  /** Picodollars. */
  readonly pico: bigint;
  /** False when no price was known (the cost is then 0). */
  readonly priced: boolean;
}

const UNPRICED: Cost = { pico: 0n, priced: false };

/** The pricing of one config generation (its overrides, parsed once). */
export class Pricing {
  private readonly overrides = new Map<string, Rates>();

  constructor(config: PricingConfig) {
    for (const [key, p] of Object.entries(config.overrides)) {
      const rates: { -readonly [K in keyof Rates]: Rates[K] } = { input: picoPerToken(p.input), output: picoPerToken(p.output) };
      if (p.cache_read !== undefined) rates.cacheRead = picoPerToken(p.cache_read);
      if (p.cache_write !== undefined) rates.cacheWrite = picoPerToken(p.cache_write);
      if (p.cache_write_1h !== undefined) rates.cacheWrite1h = picoPerToken(p.cache_write_1h);
      if (p.reasoning !== undefined) rates.reasoning = picoPerToken(p.reasoning);
      this.overrides.set(key, rates);
    }
  }

  /** The rates for `model` answered by provider block `provider` of kind `kind`; undefined when unpriced. */
  rates(provider: string, kind: string, model: string): Rates | undefined {
    const o = this.overrides;
    if (o.size > 0) {
      const found = o.get(`${provider}/${model}`) ?? o.get(`${kind}/${model}`) ?? o.get(model);
      if (found !== undefined) return found;
    }
    return tableRates(kind, model);
  }

  /** The cost of one answer's usage. */
  price(provider: string, kind: string, model: string, usage: Usage): Cost {
    const reported = reportedCost(usage);
    if (reported !== undefined) return { pico: reported, priced: true };
    const rates = this.rates(provider, kind, model);
    if (rates === undefined) {
      unpriced(provider, model);
      return UNPRICED;
    }
    return { pico: costOf(rates, usage), priced: true };
  }
}

/**
 * Usage as the gateway reports it (OpenAI's shape): prompt_tokens include cache reads
 * (`cached_tokens`) and writes (`cache_write_tokens`, of which `cache_write_1h_tokens` lived an
 * hour); completion_tokens include reasoning tokens.
 */
export function costOf(rates: Rates, usage: Usage): bigint {
  const prompt = tokens(usage.prompt_tokens);
  const completion = tokens(usage.completion_tokens);
  const cached = Math.min(tokens(usage.prompt_tokens_details?.cached_tokens), prompt);
  const written = Math.min(tokens(usage.prompt_tokens_details?.cache_write_tokens), prompt - cached);
  const writtenLong = Math.min(tokens(usage.prompt_tokens_details?.cache_write_1h_tokens), written);
  const reasoning = Math.min(tokens(usage.completion_tokens_details?.reasoning_tokens), completion);
  const input = rateAt(rates.input, prompt);
  const output = rateAt(rates.output, prompt);
  let pico = BigInt(prompt - cached - written) * input + BigInt(completion - reasoning) * output;
  if (cached > 0) pico += BigInt(cached) * (rates.cacheRead === undefined ? input : rateAt(rates.cacheRead, prompt));
  const writeRate = rates.cacheWrite === undefined ? input : rateAt(rates.cacheWrite, prompt);
  if (written > writtenLong) pico += BigInt(written - writtenLong) * writeRate;
  if (writtenLong > 0) pico += BigInt(writtenLong) * (rates.cacheWrite1h === undefined ? writeRate : rateAt(rates.cacheWrite1h, prompt));
  if (reasoning > 0) pico += BigInt(reasoning) * (rates.reasoning === undefined ? output : rateAt(rates.reasoning, prompt));
  if (rates.perRequest !== undefined) pico += rates.perRequest;
  return pico;
}

/** A count from an upstream: whole, finite and not negative, else 0. */
function tokens(v: unknown): number {
  return typeof v === "number" && Number.isSafeInteger(v) && v > 0 ? v : 0;
}

/** The provider's own figure (OpenRouter's `usage.cost`, USD), when it sent a sane one. */
function reportedCost(usage: Usage): bigint | undefined {
  const cost = usage.cost;
  if (typeof cost !== "number" || !Number.isFinite(cost) || cost < 0) return undefined;
  return usdToPico(cost);
}

/** Each unpriced provider/model is logged once per process (bounded, as model names can come from clients). */
const loggedUnpriced = new Set<string>();
const MAX_LOGGED = 10_000;

function unpriced(provider: string, model: string): void {
  const key = provider + "/" + model;
  if (loggedUnpriced.has(key) || loggedUnpriced.size >= MAX_LOGGED) return;
  loggedUnpriced.add(key);
  logger.warn("unpriced model: counted at cost 0; add it under pricing.overrides", { provider, model });
}

const byConfig = new WeakMap<PricingConfig, Pricing>();

/** The pricing of a config (built on first use, kept as long as the config is). */
export function pricingOf(config: PricingConfig): Pricing {
  let p = byConfig.get(config);
  if (p === undefined) byConfig.set(config, (p = new Pricing(config)));
  return p;
}
