import { openAICompatible } from "../shared/openai-compatible.ts";

export const openrouter = openAICompatible({
  kind: "openrouter",
  defaultBaseUrl: "https://openrouter.ai/api/v1",
  embeddings: true,
  modelsEndpoint: true,
  staticModels: ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4.5", "meta-llama/llama-3.1-70b-instruct"],
  streamUsage: "request",
  finishReasons: { error: "stop" },
  // OpenRouter takes reasoning back in the history (its own `reasoning_details` shape, which Butter uses).
  historyExtensions: ["reasoning_details"],
});
