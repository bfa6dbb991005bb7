// The shipped price table (@pydantic/genai-prices: maintained, dated, with cache-read/write, tiered
// long-context and reasoning prices). Loading it costs 50-80 ms and 6-20 MB of RSS (measured: a
// started gateway 56.6 → 62.8 MB; a bare Bun process +22 MB), so it is required on the first request
// that has usage to price, never at startup.
import { createRequire } from "node:module";
import { picoPerToken } from "./money.ts";
import type { Rate, Rates } from "./rates.ts";

type TablePrice = number | { base: number; tiers: Array<{ start: number; price: number }> } | undefined;
interface Table {
  calcPrice(usage: Record<string, number>, model: string, options: { providerId: string }): { model_price: Record<string, TablePrice> } | null;
}

/**
 * Provider kinds → the table's provider ids (data, not behaviour). Vertex serves Gemini and Claude:
 * the table's google entry falls back to anthropic for Claude ids. Azure deployments are tried by
 * their name (the table's azure entry falls back to openai's models).
 */
const TABLE_PROVIDER: Readonly<Record<string, string>> = {
  openai: "openai", anthropic: "anthropic", gemini: "google", vertex: "google", bedrock: "aws", groq: "groq",
  mistral: "mistral", together: "together", fireworks: "fireworks", perplexity: "perplexity", openrouter: "openrouter",
  azure: "azure",
};

/** Looked-up rates (and misses) per provider/model; dropped hourly so a dated price change is picked up. */
const MAX_CACHED = 10_000;
const TTL_MS = 3_600_000;
let cache = new Map<string, Rates | null>();
let cachedSince = Date.now();
let table: Table | undefined;

function load(): Table {
  return (table ??= createRequire(import.meta.url)("@pydantic/genai-prices") as Table);
}

/** The table's rates for `model` as served by a provider of `kind`; undefined when the table has no price for it. */
export function tableRates(kind: string, model: string): Rates | undefined {
  const providerId = TABLE_PROVIDER[kind];
  if (providerId === undefined) return undefined;
  const key = providerId + "\0" + model;
  const now = Date.now();
  if (cache.size >= MAX_CACHED || now - cachedSince > TTL_MS) {
    cache = new Map();
    cachedSince = now;
  }
  let rates = cache.get(key);
  if (rates === undefined) {
    const found = load().calcPrice({}, model, { providerId });
    rates = found === null ? null : toRates(found.model_price);
    cache.set(key, rates);
  }
  return rates ?? undefined;
}

/** Whether the table module is in memory (tests of the lazy load). */
export function tableLoaded(): boolean {
  return table !== undefined;
}

function toRates(p: Record<string, TablePrice>): Rates | null {
  const input = rate(p.input_mtok);
  const output = rate(p.output_mtok);
  if (input === undefined && output === undefined) return null;
  const rates: { -readonly [K in keyof Rates]: Rates[K] } = { input: input ?? 0n, output: output ?? 0n };
  const cacheRead = rate(p.cache_read_mtok);
  if (cacheRead !== undefined) rates.cacheRead = cacheRead;
  const cacheWrite = rate(p.cache_write_mtok);
  if (cacheWrite !== undefined) rates.cacheWrite = cacheWrite;
  const cacheWrite1h = rate(p.cache_write_1h_mtok);
  if (cacheWrite1h !== undefined) rates.cacheWrite1h = cacheWrite1h;
  const reasoning = rate(p.output_reasoning_mtok);
  if (reasoning !== undefined) rates.reasoning = reasoning;
  // USD per 1000 requests → picodollars per request.
  if (typeof p.requests_kcount === "number") rates.perRequest = picoPerToken(p.requests_kcount) * 1000n;
  return rates;
}

function rate(p: TablePrice): Rate | undefined {
  if (p === undefined) return undefined;
  if (typeof p === "number") return picoPerToken(p);
  return { base: picoPerToken(p.base), tiers: p.tiers.map((t) => ({ start: t.start, price: picoPerToken(t.price) })) };
}
