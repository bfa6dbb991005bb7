// `pricing:` in config: overrides for models the table lacks and negotiated rates, USD per 1M tokens.
import * as v from "valibot";
import { number, record, strictObject } from "../config/schema-kit.ts";

const usdPerMillion = v.union([
  v.pipe(number("expected a price in USD per 1M tokens"), v.minValue(0, "expected a price of 0 or more")),
  v.pipe(v.string(), v.regex(/^\d+(\.\d+)?$/, "expected a decimal price in USD per 1M tokens")),
], "expected a price in USD per 1M tokens");

const modelPrice = strictObject({
  input: usdPerMillion,
  output: usdPerMillion,
  cache_read: v.optional(usdPerMillion),
  cache_write: v.optional(usdPerMillion),
  cache_write_1h: v.optional(usdPerMillion),
  reasoning: v.optional(usdPerMillion),
});

export const pricingSchema = v.optional(strictObject({
  /** Keyed "provider/model" (provider block name or kind) or a bare model id. */
  overrides: v.optional(record(v.pipe(v.string(), v.minLength(1, "Invalid key in record")), modelPrice), {}),
}), {});

export type PricingConfig = v.InferOutput<typeof pricingSchema>;
