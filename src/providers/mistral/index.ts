import { openAICompatible } from "../shared/openai-compatible.ts";
import { NO_LOGPROBS } from "../shared/parameters.ts";
import { dropFields } from "../shared/request-fields.ts";
import { MISTRAL_TOOL_CALL_IDS } from "../shared/tool-call-ids.ts";

export const mistral = openAICompatible({
  kind: "mistral",
  defaultBaseUrl: "https://api.mistral.ai/v1",
  embeddings: true,
  modelsEndpoint: true,
  staticModels: ["mistral-large-latest", "mistral-small-latest", "codestral-latest", "mistral-embed"],
  // Mistral sends usage on its final chunk unasked, and rejects fields it does not know.
  streamUsage: "automatic",
  finishReasons: { model_length: "length", error: "stop" },
  // Mistral rejects ids other than 9 alphanumerics: foreign ids in a history are rewritten.
  toolCallIds: MISTRAL_TOOL_CALL_IDS,
  // No log-probabilities or logit bias on Mistral: asked for, they are a 400 naming them.
  parameters: { unsupported: NO_LOGPROBS },
  adjustRequest: (body) => {
    if (body.seed !== undefined && body.random_seed === undefined) body.random_seed = body.seed;
    dropFields(body, ["seed", "user", "logit_bias", "logprobs", "top_logprobs", "stream_options"]);
  },
});
