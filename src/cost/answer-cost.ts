// The server's one call into pricing: an answer's usage, priced by the provider block and model that
// answered, with the generation's overrides.
import type { Usage } from "../core/openai-types.ts";
import type { Snapshot } from "../config/snapshot.ts";
import { pricingOf, type Cost } from "./pricing.ts";

/** Undefined when the answer reported no usage. */
export function answerCost(snapshot: Snapshot, answered: { provider: string; model: string }, usage: unknown): Cost | undefined {
  if (typeof usage !== "object" || usage === null) return undefined;
  const kind = snapshot.providers.get(answered.provider)?.kind ?? answered.provider;
  return pricingOf(snapshot.config.pricing).price(answered.provider, kind, answered.model, usage as Usage);
}
