// Run as a child process by token-estimate.test.ts: loads the server's routes (as main.ts does) and
// prints whether the tokenizer is loaded before and after the first estimate.
import "../../src/server/routes.ts";
import { estimateInputTokens } from "../../src/providers/shared/token-estimate.ts";

const tokenizerLoaded = () => Object.keys(require.cache).some((k) => k.includes("gpt-tokenizer"));
const before = tokenizerLoaded();
await estimateInputTokens({ model: "m", messages: [{ role: "user", content: "hi" }] });
process.stdout.write(JSON.stringify({ before, after: tokenizerLoaded() }));
