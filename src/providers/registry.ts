import type { ProviderFactory } from "./types.ts";

/**
 * The only module that knows every provider. A kind's code is imported only when a config names it,
 * so an unconfigured kind costs no memory (Bedrock's alone is about 1 MB of resident memory).
 */
const loaders: Readonly<Record<string, () => Promise<ProviderFactory>>> = {
  openai: () => import("./openai/index.ts").then((m) => m.openai),
  openrouter: () => import("./openrouter/index.ts").then((m) => m.openrouter),
  groq: () => import("./groq/index.ts").then((m) => m.groq),
  mistral: () => import("./mistral/index.ts").then((m) => m.mistral),
  together: () => import("./together/index.ts").then((m) => m.together),
  fireworks: () => import("./fireworks/index.ts").then((m) => m.fireworks),
  perplexity: () => import("./perplexity/index.ts").then((m) => m.perplexity),
  anthropic: () => import("./anthropic/index.ts").then((m) => m.anthropic),
  azure: () => import("./azure/index.ts").then((m) => m.azure),
  gemini: () => import("./gemini/index.ts").then((m) => m.gemini),
  vertex: () => import("./vertex/index.ts").then((m) => m.vertex),
  bedrock: () => import("./bedrock/index.ts").then((m) => m.bedrock),
};

export const PROVIDER_KINDS: readonly string[] = Object.keys(loaders);

/** The factories of those of `kinds` that exist; an unknown kind is left out (buildSnapshot names it). */
export async function loadProviderFactories(kinds: Iterable<string>): Promise<ReadonlyMap<string, ProviderFactory>> {
  const factories = new Map<string, ProviderFactory>();
  for (const kind of new Set(kinds)) {
    const load = Object.hasOwn(loaders, kind) ? loaders[kind] : undefined;
    if (load !== undefined) factories.set(kind, await load());
  }
  return factories;
}

/** Every kind's factory (tests and tools that cover them all). */
export function loadAllProviderFactories(): Promise<ReadonlyMap<string, ProviderFactory>> {
  return loadProviderFactories(PROVIDER_KINDS);
}
