import { openAICompatible } from "../shared/openai-compatible.ts";
import { dropFields } from "../shared/request-fields.ts";

export const together = openAICompatible({
  kind: "together",
  defaultBaseUrl: "https://api.together.xyz/v1",
  embeddings: true,
  modelsEndpoint: true,
  staticModels: ["meta-llama/Llama-3.3-70B-Instruct-Turbo", "mistralai/Mixtral-8x7B-Instruct-v0.1"],
  streamUsage: "automatic",
  finishReasons: { eos: "stop" },
  adjustRequest: (body) => dropFields(body, ["stream_options"]),
});
