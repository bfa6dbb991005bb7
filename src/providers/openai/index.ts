import { openAICompatible } from "../shared/openai-compatible.ts";

export const openai = openAICompatible({
  kind: "openai",
  defaultBaseUrl: "https://api.openai.com/v1",
  embeddings: true,
  modelsEndpoint: true,
  staticModels: ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "o3-mini", "text-embedding-3-small", "text-embedding-3-large"],
  streamUsage: "request",
  responses: true,
});
