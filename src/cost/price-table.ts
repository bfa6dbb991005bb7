// The shipped price table: @pydantic/genai-prices' data (maintained, dated, with cache-read/write,
// tiered long-context and reasoning prices), kept as JSON in price-data.json by scripts/price-data.ts
// and matched here the way the package's calcPrice matches (test/cost/price-data.test.ts compares the
// two over every model). The package itself holds its table as one JavaScript literal that cost a
// running gateway about 12 MB of resident memory; the JSON costs about 3 MB and is parsed on the first
// request that has usage to price, never at startup.
import { createRequire } from "node:module";
import { picoPerToken } from "./money.ts";
import { TABLE_PROVIDER } from "./price-providers.ts";
import type { Rate, Rates } from "./rates.ts";

type TablePrice = number | { base: number; tiers: Array<{ start: number; price: number }> } | undefined;
type ModelPrice = Record<string, TablePrice>;
type Match =
  | { or: Match[] } | { and: Match[] } | { equals: string } | { starts_with: string } | { ends_with: string }
  | { contains: string } | { regex: string };
type Constraint = { type?: "start_date"; start_date: string } | { type?: "time_of_date"; start_time: string; end_time: string };
interface TableModel {
  match: Match;
  prices: ModelPrice | Array<{ constraint?: Constraint; prices: ModelPrice }>;
}
interface TableProvider {
  fallback?: string[];
  models: TableModel[];
}
interface PriceData {
  providers: Record<string, TableProvider>;
}

/** Looked-up rates (and misses) per provider/model; dropped hourly so a dated price change is picked up. */
const MAX_CACHED = 10_000;
const TTL_MS = 3_600_000;
let cache = new Map<string, Rates | null>();
let cachedSince = Date.now();
let table: PriceData | undefined;

function load(): PriceData {
  return (table ??= createRequire(import.meta.url)("./price-data.json") as PriceData);
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
    const found = tablePrice(providerId, model, new Date(now));
    rates = found === undefined ? null : toRates(found);
    cache.set(key, rates);
  }
  return rates ?? undefined;
}

/** The table's raw prices for `model` at provider `providerId` (a table id), at time `at`; undefined: none. */
export function tablePrice(providerId: string, model: string, at: Date): ModelPrice | undefined {
  const providers = load().providers;
  const provider = providers[providerId];
  if (provider === undefined) return undefined;
  const id = model.toLowerCase().trim();
  let found = findModel(provider, id, providers);
  if (found === undefined) {
    // `gpt-4o-20240806` is looked up as `gpt-4o-2024-08-06` too.
    const dashed = withDashedDates(id);
    if (dashed !== id) found = findModel(provider, dashed, providers);
  }
  return found === undefined ? undefined : priceAt(found, at);
}

/** A model of the provider, else of its fallback providers (one level, as the package does). */
function findModel(provider: TableProvider, id: string, providers: Record<string, TableProvider> | undefined): TableModel | undefined {
  const own = provider.models.find((m) => matches(m.match, id));
  if (own !== undefined || provider.fallback === undefined || providers === undefined) return own;
  for (const name of provider.fallback) {
    const other = providers[name];
    const found = other === undefined ? undefined : findModel(other, id, undefined);
    if (found !== undefined) return found;
  }
  return undefined;
}

const lower = (s: string) => s.toLowerCase();
const regexes = new Map<string, RegExp>();

function matches(rule: Match, id: string): boolean {
  if ("or" in rule) return rule.or.some((r) => matches(r, id));
  if ("and" in rule) return rule.and.every((r) => matches(r, id));
  if ("equals" in rule) return id === lower(rule.equals);
  if ("starts_with" in rule) return id.startsWith(lower(rule.starts_with));
  if ("ends_with" in rule) return id.endsWith(lower(rule.ends_with));
  if ("contains" in rule) return id.includes(lower(rule.contains));
  if ("regex" in rule) {
    let re = regexes.get(rule.regex);
    if (re === undefined) regexes.set(rule.regex, (re = new RegExp(rule.regex)));
    return re.test(id);
  }
  return false;
}

const COMPACT_DATE = /(-)(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=-|:|$)/g;

function withDashedDates(id: string): string {
  return id.replace(COMPACT_DATE, (all, dash: string, y: string, m: string, d: string) => {
    const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
    return date.getUTCFullYear() !== Number(y) || date.getUTCMonth() !== Number(m) - 1 || date.getUTCDate() !== Number(d) ? all : `${dash}${y}-${m}-${d}`;
  });
}

/** The price in force at `at`: the last entry whose constraint holds (a start date passed, or a daily time window). */
function priceAt(model: TableModel, at: Date): ModelPrice {
  const prices = model.prices;
  if (!Array.isArray(prices)) return prices;
  for (let i = prices.length - 1; i >= 0; i--) {
    const entry = prices[i]!;
    const c = entry.constraint;
    if (c === undefined) return entry.prices;
    if ("start_date" in c) {
      if (at >= new Date(c.start_date)) return entry.prices;
    } else {
      const now = at.getUTCHours() * 3600 + at.getUTCMinutes() * 60 + at.getUTCSeconds() + at.getUTCMilliseconds() / 1000;
      const start = secondsOfDay(c.start_time);
      const end = secondsOfDay(c.end_time);
      if (end < start ? now >= start || now < end : now >= start && now < end) return entry.prices;
    }
  }
  return prices[0]!.prices;
}

/** `HH:MM:SS[.fff](Z|±HH:MM)` → seconds after UTC midnight. */
function secondsOfDay(time: string): number {
  const m = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|([+-])(\d{2}):(\d{2}))$/.exec(time);
  if (m === null) return 0;
  const [, h, min, sec, frac = "", zone, sign, oh = "00", om = "00"] = m;
  const local = Number(h) * 3600 + Number(min) * 60 + Number(sec) + Number(`0.${frac}`);
  const offset = zone === "Z" ? 0 : (sign === "+" ? 1 : -1) * (Number(oh) * 60 + Number(om)) * 60;
  return (local - offset + 86400) % 86400;
}

/** Whether the table is in memory (tests of the lazy load). */
export function tableLoaded(): boolean {
  return table !== undefined;
}

function toRates(p: ModelPrice): Rates | null {
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
