import type { ProviderFactory } from "./types.ts";
import { openai } from "./openai/index.ts";
import { openrouter } from "./openrouter/index.ts";
import { groq } from "./groq/index.ts";
import { mistral } from "./mistral/index.ts";
import { together } from "./together/index.ts";
import { fireworks } from "./fireworks/index.ts";
import { perplexity } from "./perplexity/index.ts";
import { anthropic } from "./anthropic/index.ts";
import { azure } from "./azure/index.ts";
import { gemini } from "./gemini/index.ts";
import { vertex } from "./vertex/index.ts";
import { bedrock } from "./bedrock/index.ts";

/** The only module that knows every provider. */
const factories: readonly ProviderFactory[] = [openai, openrouter, groq, mistral, together, fireworks, perplexity, anthropic, azure, gemini, vertex, bedrock];

export const providerFactories: ReadonlyMap<string, ProviderFactory> = new Map(factories.map((f) => [f.kind, f]));
