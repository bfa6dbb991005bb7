// Run as a child process by provider-loading.test.ts: builds a generation from the config given in
// argv[2] (JSON) as main.ts does, and prints which provider kinds' and cache backends' modules were loaded.
import { parseConfigText } from "../../src/config/load.ts";
import { buildGeneration } from "../../src/runtime/generation.ts";
import { PROVIDER_KINDS } from "../../src/providers/registry.ts";

const { config } = parseConfigText(process.argv[2]!, {});
const generation = await buildGeneration(config);
const loaded = PROVIDER_KINDS.filter((kind) => Object.keys(require.cache).some((path) => path.includes(`/providers/${kind}/`)));
const modules = Object.keys(require.cache);
const cache = ["memory-cache", "redis-cache", "lru-cache"].filter((name) => modules.some((path) => path.includes(`/${name}`)));
await generation.close();
process.stdout.write(JSON.stringify({ loaded, providers: [...generation.snapshot.providers.keys()], cache }));
