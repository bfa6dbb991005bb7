// The arithmetic: exact decimal money, each token kind at its rate, long-context tiers, hostile
// usage and the unpriced path. (What pricing costs per request: bench/cost-micro.ts.)
import * as v from "valibot";
import { expect, test } from "bun:test";
import { calcPrice } from "@pydantic/genai-prices";
import { formatUsd, picoPerToken, usdToPico } from "../../src/cost/money.ts";
import { costOf, Pricing } from "../../src/cost/pricing.ts";
import { pricingSchema } from "../../src/cost/pricing-config.ts";
import { tableRates } from "../../src/cost/price-table.ts";
import type { Usage } from "../../src/core/openai-types.ts";

test("1,000,000 small costs sum exactly (no float drift)", () => {
  const rates = { input: picoPerToken(0.15), output: picoPerToken("0.6"), cacheRead: picoPerToken(0.075) };
  const usage: Usage = { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10, prompt_tokens_details: { cached_tokens: 1 } };
  // 6 × 0.15 + 1 × 0.075 + 3 × 0.6 = 2.775 µUSD per request.
  expect(formatUsd(costOf(rates, usage))).toBe("0.000002775");
  let total = 0n;
  let float = 0;
  for (let i = 0; i < 1_000_000; i++) {
    const c = costOf(rates, usage);
    total += c;
    float += 0.000002775;
  }
  expect(formatUsd(total)).toBe("2.775");
  expect(float).not.toBe(2.775); // what summing floats would have logged
});

test("money: decimal text in, exact decimal text out; malformed amounts refused", () => {
  expect(picoPerToken(0.075)).toBe(75_000n);
  expect(picoPerToken("1.25")).toBe(1_250_000n);
  expect(picoPerToken(1e-7)).toBe(0n);
  expect(picoPerToken("0.0000005")).toBe(1n); // beyond six decimals: rounded half up
  expect(usdToPico(0.00123456789)).toBe(1_234_567_890n);
  expect(formatUsd(0n)).toBe("0");
  expect(formatUsd(1n)).toBe("0.000000000001");
  expect(formatUsd(12_500_000_000_000n)).toBe("12.5");
  for (const bad of ["-1", "1e3", "abc", "", "1.2.3"]) expect(() => picoPerToken(bad)).toThrow();
  // Below 2^53 picodollars the digits come from doubles, above from bigints: both exact, at the seam too.
  const exact = (p: bigint) => {
    const sign = p < 0n ? "-" : "";
    const a = p < 0n ? -p : p;
    const frac = (a % 10n ** 12n).toString().padStart(12, "0").replace(/0+$/, "");
    return sign + (a / 10n ** 12n).toString() + (frac === "" ? "" : "." + frac);
  };
  const seam = 2n ** 53n;
  const samples = [seam - 1n, seam, seam + 1n, seam * 1000n + 7n, -5n, -seam, 10n ** 12n, 10n ** 12n - 1n, 999_000_000_000n, 100n];
  for (let i = 0; i < 2000; i++) samples.push(BigInt(Math.floor(Math.random() * Number.MAX_SAFE_INTEGER)), BigInt(Math.floor(Math.random() * 1e9)) * 10n ** BigInt(i % 13));
  for (const p of samples) expect(formatUsd(p)).toBe(exact(p));
  for (const bad of [Number.NaN, -1, Infinity]) expect(() => picoPerToken(bad)).toThrow();
});

test("a long-context tier prices every token of the request at the tier's rate", () => {
  const model = "claude-sonnet-4-5";
  const raw = calcPrice({}, model, { providerId: "anthropic" })!.model_price.input_mtok as { base: number; tiers: Array<{ start: number; price: number }> };
  const tier = raw.tiers[0]!;
  const rates = tableRates("anthropic", model)!;
  const below: Usage = { prompt_tokens: tier.start, completion_tokens: 0, total_tokens: tier.start };
  const above: Usage = { prompt_tokens: tier.start + 1, completion_tokens: 0, total_tokens: tier.start + 1 };
  expect(Number(formatUsd(costOf(rates, below)))).toBeCloseTo((tier.start * raw.base) / 1e6, 12);
  expect(Number(formatUsd(costOf(rates, above)))).toBeCloseTo(((tier.start + 1) * tier.price) / 1e6, 12);
  expect(tier.price).toBeGreaterThan(raw.base);
});

test("hostile usage: negative, fractional, huge or non-numeric counts never make a negative or NaN cost", () => {
  const rates = { input: picoPerToken(1), output: picoPerToken(2), reasoning: picoPerToken(3) };
  const cases: unknown[] = [
    { prompt_tokens: -5, completion_tokens: 10 },
    { prompt_tokens: "100", completion_tokens: 1.5 },
    { prompt_tokens: 10, completion_tokens: 10, prompt_tokens_details: { cached_tokens: 1e9, cache_write_tokens: 50 } },
    { prompt_tokens: 10, completion_tokens: 5, completion_tokens_details: { reasoning_tokens: 99 } },
    { prompt_tokens: Number.MAX_SAFE_INTEGER, completion_tokens: Number.MAX_SAFE_INTEGER },
    { prompt_tokens: NaN, completion_tokens: Infinity, prompt_tokens_details: null },
  ];
  for (const u of cases) expect(costOf(rates, u as Usage)).toBeGreaterThanOrEqual(0n);
  // Reasoning above completion is capped at completion: 10 input × 1 + 5 reasoning × 3.
  expect(formatUsd(costOf(rates, cases[3] as Usage))).toBe("0.000025");
  // Cached beyond the prompt is capped at the prompt.
  expect(costOf(rates, cases[2] as Usage)).toBe(10n * picoPerToken(1) + 10n * picoPerToken(2));
});

test("overrides: provider/model beats kind/model beats the bare model, and beat the table; a reported negative cost is ignored", () => {
  const pricing = new Pricing(v.parse(pricingSchema, {
    overrides: { "gpt-4o-mini": { input: 1, output: 1 }, "openai/gpt-4o-mini": { input: 2, output: 2 }, "main/gpt-4o-mini": { input: 3, output: 3 } },
  }));
  const usage: Usage = { prompt_tokens: 1_000_000, completion_tokens: 0, total_tokens: 1_000_000 };
  expect(formatUsd(pricing.price("main", "openai", "gpt-4o-mini", usage).pico)).toBe("3");
  expect(formatUsd(pricing.price("other", "openai", "gpt-4o-mini", usage).pico)).toBe("2");
  expect(formatUsd(pricing.price("other", "groq", "gpt-4o-mini", usage).pico)).toBe("1");
  expect(formatUsd(pricing.price("other", "groq", "gpt-4o-mini", { ...usage, cost: -1 }).pico)).toBe("1");
  expect(pricing.price("x", "no-such-kind", "m", usage)).toEqual({ pico: 0n, priced: false });
  expect(() => v.parse(pricingSchema, { overrides: { m: { input: -1, output: 1 } } })).toThrow();
  expect(() => v.parse(pricingSchema, { overrides: { m: { input: 1 } } })).toThrow();
  expect(() => v.parse(pricingSchema, { overrides: { m: { input: 1, output: 1, typo: 2 } } })).toThrow();
});

test("Anthropic stream usage keeps the 1-hour share of cache writes from message_start to the final usage", async () => {
  const { mergeUsage, toOpenAIUsage } = await import("../../src/providers/shared/anthropic-messages/usage.ts");
  const into = {};
  mergeUsage(into, { input_tokens: 10, output_tokens: 1, cache_creation_input_tokens: 500, cache_read_input_tokens: 0, cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 400 } });
  mergeUsage(into, { output_tokens: 20 });
  expect(toOpenAIUsage(into)?.prompt_tokens_details).toEqual({ cached_tokens: 0, cache_write_tokens: 500, cache_write_1h_tokens: 400 });
  // A report claiming more 1-hour writes than writes is capped (never priced above what was written).
  expect(toOpenAIUsage({ input_tokens: 1, output_tokens: 1, cache_creation_input_tokens: 5, cache_creation: { ephemeral_1h_input_tokens: 9 } })?.prompt_tokens_details?.cache_write_1h_tokens).toBe(5);
});
