// Run as a child process by price-data.test.ts: builds a generation as main.ts does and prints
// whether the price table is in memory before and after the first lookup.
import { parseConfigText } from "../../src/config/load.ts";
import { buildGeneration } from "../../src/runtime/generation.ts";
import { tableLoaded, tableRates } from "../../src/cost/price-table.ts";

const generation = await buildGeneration(parseConfigText("providers:\n  openai:\n    keys: [{ value: sk-x }]\n", {}).config);
const before = tableLoaded();
const priced = tableRates("openai", "gpt-4o-mini") !== undefined;
await generation.close();
process.stdout.write(JSON.stringify({ before, priced, after: tableLoaded() }));
