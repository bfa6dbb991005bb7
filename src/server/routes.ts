import type { Generation, Exchange } from "./context.ts";
import type { Ingress } from "./ingress.ts";
import { anthropicIngress } from "./ingress/anthropic/index.ts";
import { responsesIngress } from "./ingress/responses/index.ts";
import { handleMetrics } from "./handlers/metrics.ts";
import { handleHealth, handleModels } from "./handlers/models.ts";
import { operationHandler } from "./operation.ts";
import { chatCompletions } from "./operations/chat.ts";
import { countTokens } from "./operations/count-tokens.ts";
import { embeddings } from "./operations/embeddings.ts";
import { messages } from "./operations/messages.ts";
import { responses } from "./operations/responses.ts";
import { deleteStoredResponse, getStoredResponse, RESPONSES_PREFIX } from "./handlers/stored-responses.ts";
import { keyedHandler, withAppKey } from "../keys/auth.ts";
import { ADMIN_USAGE, usageHandler } from "./admin/usage.ts";
import { ADMIN_REQUESTS, ADMIN_REQUESTS_STREAM, requestsHandler, requestsStreamHandler } from "./admin/requests.ts";
import { ADMIN_PROVIDERS, providersHandler } from "./admin/providers.ts";
import { ADMIN_CONFIG, configHandler } from "./admin/config.ts";
import { loginHandler, logoutHandler, sessionHandler, UI_LOGIN, UI_LOGOUT, UI_SESSION } from "./admin/ui-session.ts";
import { UI_PATHS, uiAssetHandler } from "./admin/ui-assets.ts";
import { ADMIN_KEYS, ADMIN_KEYS_PREFIX, createKeyHandler, getKeyHandler, listKeysHandler, revokeKeyHandler, updateKeyHandler } from "./admin/keys.ts";

export type Handler = (gen: Generation, ex: Exchange) => Response | Promise<Response>;

/** path → method → handler. Unknown paths get 404 and known paths with the wrong method 405. */
const one = (method: string, handler: Handler): ReadonlyMap<string, Handler> => new Map([[method, handler]]);

export const routeTable: ReadonlyMap<string, ReadonlyMap<string, Handler>> = new Map([
  ["/v1/chat/completions", one("POST", operationHandler(withAppKey(chatCompletions)))],
  ["/v1/embeddings", one("POST", operationHandler(withAppKey(embeddings)))],
  ["/v1/messages", one("POST", operationHandler(withAppKey(messages)))],
  ["/v1/messages/count_tokens", one("POST", operationHandler(withAppKey(countTokens)))],
  ["/v1/responses", one("POST", operationHandler(withAppKey(responses)))],
  ["/v1/models", one("GET", handleModels)],
  ["/healthz", one("GET", handleHealth)],
  ["/metrics", one("GET", handleMetrics)],
  [ADMIN_KEYS, new Map([["GET", listKeysHandler], ["POST", createKeyHandler]])],
  [ADMIN_USAGE, one("GET", usageHandler)],
  [ADMIN_REQUESTS, one("GET", requestsHandler)],
  [ADMIN_REQUESTS_STREAM, one("GET", requestsStreamHandler)],
  [ADMIN_PROVIDERS, one("GET", providersHandler)],
  [ADMIN_CONFIG, one("GET", configHandler)],
  [UI_LOGIN, one("POST", loginHandler)],
  [UI_LOGOUT, one("POST", logoutHandler)],
  [UI_SESSION, one("GET", sessionHandler)],
  ...UI_PATHS.map((path) => [path, one("GET", uiAssetHandler)] as const),
]);

/** A path with one variable last segment (`/v1/responses/{id}`): Bun's pattern, and the prefix the segment follows. */
export interface ParamRoute {
  pattern: string;
  prefix: string;
  methods: ReadonlyMap<string, Handler>;
}

export const paramRoutes: readonly ParamRoute[] = [
  { pattern: `${RESPONSES_PREFIX}:id`, prefix: RESPONSES_PREFIX, methods: new Map([["GET", keyedHandler(getStoredResponse)], ["DELETE", keyedHandler(deleteStoredResponse)]]) },
  { pattern: `${ADMIN_KEYS_PREFIX}:id`, prefix: ADMIN_KEYS_PREFIX, methods: new Map([["GET", getKeyHandler], ["PATCH", updateKeyHandler], ["DELETE", revokeKeyHandler]]) },
];

/** The methods of the route a path names: an exact one, or a ParamRoute whose segment is one non-empty segment. */
export function routeMethods(path: string): ReadonlyMap<string, Handler> | undefined {
  const exact = routeTable.get(path);
  if (exact !== undefined) return exact;
  for (const r of paramRoutes) {
    if (path.length > r.prefix.length && path.startsWith(r.prefix) && path.indexOf("/", r.prefix.length) < 0) return r.methods;
  }
  return undefined;
}

/**
 * Paths whose client API is not OpenAI's: an answer given before the handler runs (a plugin's 429,
 * a 413) is already in that API's envelope.
 */
export const routeIngress: ReadonlyMap<string, Ingress> = new Map([
  ["/v1/messages", anthropicIngress],
  ["/v1/messages/count_tokens", anthropicIngress],
  ["/v1/responses", responsesIngress],
]);
