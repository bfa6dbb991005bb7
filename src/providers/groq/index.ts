import { openAICompatible } from "../shared/openai-compatible.ts";
import { dropFields, dropMessageNames } from "../shared/request-fields.ts";

export const groq = openAICompatible({
  kind: "groq",
  defaultBaseUrl: "https://api.groq.com/openai/v1",
  embeddings: false,
  modelsEndpoint: true,
  staticModels: ["llama-3.1-8b-instant", "llama-3.3-70b-versatile", "openai/gpt-oss-120b"],
  // Groq puts stream usage in x_groq.usage; the shared decoder lifts it to `usage`.
  streamUsage: "request",
  adjustRequest: (body) => {
    // Documented as unsupported by Groq; dropping them beats a 400 for a hint the model cannot use.
    dropFields(body, ["logprobs", "top_logprobs", "logit_bias"]);
    dropMessageNames(body);
  },
});
