import { openAICompatible } from "../shared/openai-compatible.ts";
import { dropFields } from "../shared/request-fields.ts";

export const fireworks = openAICompatible({
  kind: "fireworks",
  defaultBaseUrl: "https://api.fireworks.ai/inference/v1",
  embeddings: true,
  modelsEndpoint: true,
  staticModels: ["accounts/fireworks/models/llama-v3p1-8b-instruct", "accounts/fireworks/models/llama-v3p1-70b-instruct"],
  streamUsage: "automatic",
  adjustRequest: (body) => dropFields(body, ["stream_options"]),
});
