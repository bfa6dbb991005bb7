/**
 * Provider kinds → the price table's provider ids (data, not behaviour). Vertex serves Gemini and
 * Claude: the table's google entry falls back to anthropic for Claude ids. Azure deployments are
 * tried by their name (the table's azure entry falls back to openai's models).
 */
export const TABLE_PROVIDER: Readonly<Record<string, string>> = {
  openai: "openai", anthropic: "anthropic", gemini: "google", vertex: "google", bedrock: "aws", groq: "groq",
  mistral: "mistral", together: "together", fireworks: "fireworks", perplexity: "perplexity", openrouter: "openrouter",
  azure: "azure",
};
