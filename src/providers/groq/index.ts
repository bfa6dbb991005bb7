import { openAICompatible } from "../shared/openai-compatible.ts";
import { NO_LOGPROBS } from "../shared/parameters.ts";
import { dropFields, dropMessageNames } from "../shared/request-fields.ts";

export const groq = openAICompatible({
  kind: "groq",
  defaultBaseUrl: "https://api.groq.com/openai/v1",
  embeddings: false,
  modelsEndpoint: true,
  staticModels: ["llama-3.1-8b-instant", "llama-3.3-70b-versatile", "openai/gpt-oss-120b"],
  // Groq puts stream usage in x_groq.usage; the shared decoder lifts it to `usage`.
  streamUsage: "request",
  // Documented as unsupported by Groq: asked for, they are a 400 naming them (parameters.ts); their
  // neutral values are removed before the request gets here.
  parameters: { unsupported: NO_LOGPROBS },
  adjustRequest: (body) => {
    dropFields(body, ["logprobs", "top_logprobs", "logit_bias"]);
    dropMessageNames(body);
  },
});
