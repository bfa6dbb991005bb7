// The shipped price table is @pydantic/genai-prices' data as JSON (src/cost/price-data.json, written by
// scripts/price-data.ts) matched by src/cost/price-table.ts. Two checks against the package itself
// (a dev dependency): the committed JSON is what the installed package holds (so an update of the
// package without regenerating fails here), and every model id the package knows, in the spellings
// clients send, gets exactly the prices the package's calcPrice gives, at several moments (dated
// prices and time-of-day windows included).
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { calcPrice, findProvider } from "@pydantic/genai-prices";
import { priceData, PRICE_DATA_PATH } from "../../scripts/price-data.ts";
import { TABLE_PROVIDER } from "../../src/cost/price-providers.ts";
import { tablePrice, tableRates } from "../../src/cost/price-table.ts";

interface LibraryModel { id: string; match: Record<string, unknown> }

/** Ids a rule matches (or nearly matches), for the comparison. */
function spellingsOf(rule: Record<string, unknown>, out: Set<string>): void {
  if (Array.isArray(rule.or)) for (const r of rule.or) spellingsOf(r as Record<string, unknown>, out);
  if (Array.isArray(rule.and)) for (const r of rule.and) spellingsOf(r as Record<string, unknown>, out);
  for (const field of ["equals", "starts_with", "ends_with", "contains"]) {
    const v = rule[field];
    if (typeof v !== "string") continue;
    out.add(v);
    out.add(v.toUpperCase());
    out.add(`${v}-preview`);
    out.add(`x-${v}`);
    out.add(v.slice(0, -1));
  }
}

const MOMENTS = [new Date(), new Date("2024-01-01T00:00:00Z"), new Date("2025-06-01T03:30:00Z"), new Date("2025-06-01T17:00:00Z"), new Date("2030-01-01T12:00:00Z")];

describe("the price table (JSON) against @pydantic/genai-prices", () => {
  test("loaded on the first lookup, not at startup (a child process builds a generation as main.ts does)", async () => {
    const proc = Bun.spawn([process.execPath, new URL("./price-table.child.ts", import.meta.url).pathname], { stdout: "pipe", stderr: "inherit" });
    expect(JSON.parse(await new Response(proc.stdout).text())).toEqual({ before: false, priced: true, after: true });
    expect(await proc.exited).toBe(0);
  }, 20_000);

  test("hostile model ids (random text, Unicode, near-miss spellings, huge) are priced as calcPrice prices them, quickly", () => {
    const providers = [...new Set(Object.values(TABLE_PROVIDER))];
    const nearMiss = fc.tuple(fc.constantFrom("gpt-4o", "claude-3-5-sonnet", "gemini-2.5-pro", "llama-3.1-8b", "mistral-large", "o3"), fc.string({ maxLength: 12 }))
      .map(([a, b]) => a + b);
    fc.assert(
      fc.property(fc.constantFrom(...providers), fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: "grapheme", maxLength: 20 }), nearMiss), (providerId, id) => {
        const at = new Date("2025-06-01T12:00:00Z");
        const expected = calcPrice({}, id, { providerId, timestamp: at })?.model_price;
        const actual = tablePrice(providerId, id, at);
        if (JSON.stringify(actual) !== JSON.stringify(expected)) expect({ providerId, id, price: actual }).toEqual({ providerId, id, price: expected });
      }),
      { numRuns: 2000 },
    );
    const started = performance.now();
    expect(tableRates("openrouter", "x".repeat(100_000))).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(1000);
  }, 30_000);

  test("kinds map to table providers; unknown kinds and models have no price", () => {
    expect(tableRates("vertex", "claude-3-5-sonnet")).toBeDefined();
    expect(tableRates("azure", "gpt-4o-mini")).toBeDefined();
    expect(tableRates("unknown-kind", "gpt-4o-mini")).toBeUndefined();
    expect(tableRates("openai", "no-such-model-anywhere")).toBeUndefined();
  });

  test("src/cost/price-data.json is what the installed package holds (run `bun scripts/price-data.ts` after updating it)", async () => {
    const committed = await Bun.file(PRICE_DATA_PATH).json();
    expect(committed).toEqual(await priceData());
  });

  test("every model id the package knows, in several spellings and at several moments, is priced as calcPrice prices it", () => {
    let compared = 0;
    let priced = 0;
    for (const providerId of new Set(Object.values(TABLE_PROVIDER))) {
      const provider = findProvider({ providerId }) as { models: LibraryModel[] } | undefined;
      expect(provider).toBeDefined();
      const ids = new Set<string>(["unknown-model", "", "  gpt-4o  ", "gpt-4o-20240806", "gpt-4o-20241399", "claude-3-5-sonnet-20241022"]);
      for (const model of provider!.models) {
        ids.add(model.id);
        ids.add(`${model.id}-20250101`);
        spellingsOf(model.match, ids);
      }
      for (const id of ids) {
        for (const at of MOMENTS) {
          const expected = calcPrice({}, id, { providerId, timestamp: at })?.model_price;
          const actual = tablePrice(providerId, id, at);
          // One expect per mismatch only: tens of thousands of deep comparisons cost seconds otherwise.
          if (JSON.stringify(actual) !== JSON.stringify(expected)) expect({ providerId, id, at, price: actual }).toEqual({ providerId, id, at, price: expected });
          compared++;
          if (expected !== undefined) priced++;
        }
      }
    }
    expect(compared).toBeGreaterThan(10_000);
    expect(priced).toBeGreaterThan(5_000);
  }, 30_000);

});
