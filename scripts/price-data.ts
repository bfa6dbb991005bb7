// `bun scripts/price-data.ts`: writes src/cost/price-data.json, the part of @pydantic/genai-prices' table
// that pricing reads (per provider: its fallback providers and each model's match rule and prices),
// as JSON. The package keeps its table as one large JavaScript literal: loading it cost a running
// gateway about 12 MB of resident memory, this JSON about 3 MB. Run it after updating the package;
// test/cost/price-data.test.ts fails while the committed file differs from what the package holds, and
// checks src/cost/price-table.ts prices every model exactly as the package's calcPrice does.
import { findProvider } from "@pydantic/genai-prices";
import { join } from "node:path";
import { TABLE_PROVIDER } from "../src/cost/price-providers.ts";

export interface PriceData {
  /** The package version the table was taken from. */
  source: string;
  providers: Record<string, { fallback?: string[]; models: Array<{ match: unknown; prices: unknown }> }>;
}

interface LibraryProvider {
  id: string;
  fallback_model_providers?: string[];
  models: Array<{ match: unknown; prices: unknown }>;
}

export async function priceData(): Promise<PriceData> {
  const pkg = (await Bun.file(join(import.meta.dir, "../node_modules/@pydantic/genai-prices/package.json")).json()) as { version: string };
  const providers: PriceData["providers"] = {};
  const pending = [...new Set(Object.values(TABLE_PROVIDER))];
  while (pending.length > 0) {
    const id = pending.shift()!;
    if (providers[id] !== undefined) continue;
    const p = findProvider({ providerId: id }) as LibraryProvider | undefined;
    if (p === undefined) throw new Error(`@pydantic/genai-prices has no provider "${id}"`);
    providers[id] = {
      ...(p.fallback_model_providers ? { fallback: p.fallback_model_providers } : {}),
      models: p.models.map((m) => ({ match: m.match, prices: m.prices })),
    };
    for (const f of p.fallback_model_providers ?? []) pending.push(f);
  }
  return { source: `@pydantic/genai-prices@${pkg.version}`, providers };
}

export const PRICE_DATA_PATH = join(import.meta.dir, "../src/cost/price-data.json");

if (import.meta.main) {
  await Bun.write(PRICE_DATA_PATH, JSON.stringify(await priceData()) + "\n");
  console.log(`wrote ${PRICE_DATA_PATH}`);
}
