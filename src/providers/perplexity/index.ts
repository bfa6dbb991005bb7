import { errors } from "../../core/errors.ts";
import { openAICompatible } from "../shared/openai-compatible.ts";
import { dropFields } from "../shared/request-fields.ts";

export const perplexity = openAICompatible({
  kind: "perplexity",
  defaultBaseUrl: "https://api.perplexity.ai",
  embeddings: false,
  modelsEndpoint: false,
  staticModels: ["sonar", "sonar-pro", "sonar-reasoning", "sonar-reasoning-pro", "sonar-deep-research"],
  // Usage rides on every chunk and [DONE] is not guaranteed: the stream ends at the finish_reason.
  streamUsage: "automatic",
  // Perplexity takes temperature from 0 up to, not including, 2: 2 is sent as 1.99.
  parameters: { ranges: { temperature: { min: 0, max: 1.99 } } },
  adjustRequest: (body) => {
    if (Array.isArray(body.tools) && body.tools.length > 0) {
      throw errors.invalidRequest("Perplexity models do not support tool calling; remove `tools` or pick another model.", "tools");
    }
    dropFields(body, ["tools", "tool_choice", "parallel_tool_calls", "stream_options"]);
  },
});
