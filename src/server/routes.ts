import type { Generation, Exchange } from "./context.ts";
import type { Ingress } from "./ingress.ts";
import { anthropicIngress } from "./ingress/anthropic/index.ts";
import { handleMetrics } from "./handlers/metrics.ts";
import { handleHealth, handleModels } from "./handlers/models.ts";
import { operationHandler } from "./operation.ts";
import { chatCompletions } from "./operations/chat.ts";
import { countTokens } from "./operations/count-tokens.ts";
import { embeddings } from "./operations/embeddings.ts";
import { messages } from "./operations/messages.ts";

export type Handler = (gen: Generation, ex: Exchange) => Response | Promise<Response>;

/** path → method → handler. Unknown paths get 404 and known paths with the wrong method 405. */
const one = (method: string, handler: Handler): ReadonlyMap<string, Handler> => new Map([[method, handler]]);

export const routeTable: ReadonlyMap<string, ReadonlyMap<string, Handler>> = new Map([
  ["/v1/chat/completions", one("POST", operationHandler(chatCompletions))],
  ["/v1/embeddings", one("POST", operationHandler(embeddings))],
  ["/v1/messages", one("POST", operationHandler(messages))],
  ["/v1/messages/count_tokens", one("POST", operationHandler(countTokens))],
  ["/v1/models", one("GET", handleModels)],
  ["/healthz", one("GET", handleHealth)],
  ["/metrics", one("GET", handleMetrics)],
]);

/**
 * Paths whose client API is not OpenAI's: an answer given before the handler runs (a plugin's 429,
 * a 413) is already in that API's envelope.
 */
export const routeIngress: ReadonlyMap<string, Ingress> = new Map([
  ["/v1/messages", anthropicIngress],
  ["/v1/messages/count_tokens", anthropicIngress],
]);
