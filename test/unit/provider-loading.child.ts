// Run as a child process by provider-loading.test.ts: builds a generation from the config given in
// argv[2] (JSON) as main.ts does, and prints which provider kinds' modules were loaded.
import { parseConfigText } from "../../src/config/load.ts";
import { buildGeneration } from "../../src/runtime/generation.ts";
import { PROVIDER_KINDS } from "../../src/providers/registry.ts";

const { config } = parseConfigText(process.argv[2]!, {});
const generation = await buildGeneration(config);
const loaded = PROVIDER_KINDS.filter((kind) => Object.keys(require.cache).some((path) => path.includes(`/providers/${kind}/`)));
await generation.close();
process.stdout.write(JSON.stringify({ loaded, providers: [...generation.snapshot.providers.keys()] }));
