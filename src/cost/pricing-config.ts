// `pricing:` in config: overrides for models the table lacks and negotiated rates, USD per 1M tokens.
import { z } from "zod";

const usdPerMillion = z.union([
  z.number({ error: "expected a price in USD per 1M tokens" }).nonnegative({ error: "expected a price of 0 or more" }).finite(),
  z.string().regex(/^\d+(\.\d+)?$/, { error: "expected a decimal price in USD per 1M tokens" }),
], { error: "expected a price in USD per 1M tokens" });

const modelPrice = z.strictObject({
  input: usdPerMillion,
  output: usdPerMillion,
  cache_read: usdPerMillion.optional(),
  cache_write: usdPerMillion.optional(),
  cache_write_1h: usdPerMillion.optional(),
  reasoning: usdPerMillion.optional(),
});

export const pricingSchema = z.strictObject({
  /** Keyed "provider/model" (provider block name or kind) or a bare model id. */
  overrides: z.record(z.string().min(1), modelPrice).default({}),
}).prefault({});

export type PricingConfig = z.output<typeof pricingSchema>;
