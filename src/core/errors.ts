import { quoteModel } from "./model-id.ts";

// The one catalog of errors. Every error a client sees is a GatewayError; server/error-response.ts
// is the only place that turns one into OpenAI's envelope. Tests assert on `kind`, not on message text.

export type ErrorKind =
  | "invalid_json"
  | "invalid_request"
  | "body_too_large"
  | "request_timeout"
  | "not_found"
  | "method_not_allowed"
  | "model_not_found"
  | "unsupported_operation"
  | "missing_credentials"
  | "upstream_error"
  | "upstream_bad_response"
  | "upstream_unreachable"
  | "upstream_timeout"
  | "stream_interrupted"
  | "client_closed"
  | "plugin_failed"
  | "plugin_timeout"
  | "plugin_response"
  | "store_unavailable"
  | "app_key_invalid"
  | "model_not_allowed"
  | "app_key_rate_limited"
  | "budget_exceeded"
  | "admin_unauthorized"
  | "admin_rate_limited"
  | "admin_forbidden"
  | "internal";

export interface ErrorInit {
  status: number;
  type: string;
  code?: string | null;
  param?: string | null;
  headers?: Record<string, string>;
  /** Upstream errors remember whether failover may retry them. */
  retryable?: boolean;
  cause?: unknown;
}

export class GatewayError extends Error {
  readonly kind: ErrorKind;
  readonly status: number;
  readonly type: string;
  readonly code: string | null;
  readonly param: string | null;
  readonly headers: Record<string, string> | undefined;
  readonly retryable: boolean;

  constructor(kind: ErrorKind, message: string, init: ErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = kind;
    this.status = init.status;
    this.type = init.type;
    this.code = init.code ?? null;
    this.param = init.param ?? null;
    this.headers = init.headers;
    this.retryable = init.retryable ?? false;
  }
}

const INVALID = "invalid_request_error";

export const errors = {
  invalidJson: (detail: string) =>
    new GatewayError("invalid_json", `We could not parse the JSON body of your request: ${detail}`, { status: 400, type: INVALID, code: "invalid_json" }),
  invalidRequest: (message: string, param: string | null = null) =>
    new GatewayError("invalid_request", message, { status: 400, type: INVALID, param }),
  /** JSON nested deeper than the limit is refused before parsing: recursive code downstream would pay for it. */
  jsonTooDeep: (limit: number) =>
    new GatewayError("invalid_json", `The JSON body of your request nests deeper than ${limit} levels.`, { status: 400, type: INVALID, code: "json_too_deep" }),
  /** The body did not arrive within `server.body_timeout`; the connection is closed after this answer. */
  requestTimeout: (ms: number) =>
    new GatewayError("request_timeout", `The request body was not received within ${ms} ms.`, { status: 408, type: "timeout", code: "request_timeout" }),
  bodyTooLarge: (limit: number) =>
    new GatewayError("body_too_large", `Request body exceeds the limit of ${limit} bytes.`, { status: 413, type: INVALID, code: "request_too_large" }),
  notFound: (method: string, path: string) =>
    new GatewayError("not_found", `Unknown request URL: ${method} ${path}.`, { status: 404, type: INVALID, code: "unknown_url" }),
  /** Bun resolves dot segments (also `%2e`) and backslashes in the URL it hands over; routes match the path as sent. */
  pathNotAsSent: (method: string, path: string) =>
    new GatewayError("not_found", `Unknown request URL: ${method} ${path} was not sent in its plain form. Paths are matched exactly as sent: dot segments (also as %2e), backslashes and fragments are not resolved.`, { status: 404, type: INVALID, code: "unknown_url" }),
  /** A stored response (Responses API) that does not exist, expired, was deleted or was never stored. */
  responseNotFound: (id: string) =>
    new GatewayError("not_found", `Response with id '${quoteModel(id)}' not found.`, { status: 404, type: INVALID, code: "response_not_found" }),
  methodNotAllowed: (method: string, path: string, allow: string) =>
    new GatewayError("method_not_allowed", `Method ${method} is not allowed on ${path}.`, { status: 405, type: INVALID, headers: { allow } }),
  /** A model name that cannot be a model id (see core/model-id.ts): refused before any upstream call. */
  invalidModel: (model: string, why: string) =>
    new GatewayError("invalid_request", `Invalid model '${quoteModel(model)}': ${why}.`, { status: 400, type: INVALID, code: "invalid_model", param: "model" }),
  modelNotFound: (model: string, why: string) =>
    new GatewayError("model_not_found", `The model '${quoteModel(model)}' does not exist: ${why}`, { status: 404, type: INVALID, code: "model_not_found", param: "model" }),
  unsupportedOperation: (provider: string, operation: string) =>
    new GatewayError("unsupported_operation", `Provider '${provider}' does not support ${operation}.`, { status: 400, type: INVALID, code: "unsupported_operation", param: "model" }),
  missingCredentials: (provider: string) =>
    new GatewayError("missing_credentials", `No usable API key is configured for provider '${provider}'.`, { status: 401, type: "authentication_error", code: "missing_provider_key" }),
  upstream: (provider: string, status: number, message: string, init: Partial<ErrorInit> = {}) =>
    new GatewayError("upstream_error", message || `Provider '${provider}' returned HTTP ${status}.`, { type: typeForStatus(status), ...init, status }),
  upstreamBadResponse: (provider: string, detail: string) =>
    new GatewayError("upstream_bad_response", `Provider '${provider}' returned an invalid response: ${detail}`, { status: 502, type: "server_error", code: "bad_upstream_response", retryable: true }),
  upstreamUnreachable: (provider: string, cause: unknown) =>
    new GatewayError("upstream_unreachable", `Could not reach provider '${provider}': ${describe(cause)}`, { status: 502, type: "server_error", code: "upstream_unreachable", retryable: true, cause }),
  upstreamTimeout: (provider: string, ms: number) =>
    new GatewayError("upstream_timeout", `Provider '${provider}' did not answer within ${ms} ms.`, { status: 504, type: "timeout", code: "upstream_timeout", retryable: true }),
  streamInterrupted: (provider: string, detail: string) =>
    new GatewayError("stream_interrupted", `The stream from provider '${provider}' was interrupted: ${detail}`, { status: 502, type: "server_error", code: "stream_interrupted" }),
  /** A non-streamed answer, an error body or one stream event over `server.max_upstream_bytes` (decompressed). */
  upstreamTooLarge: (provider: string, limit: number): GatewayError =>
    errors.upstreamBadResponse(provider, `the answer exceeds server.max_upstream_bytes (${limit} bytes)`),
  /** Redirects are never followed: the request carries a key, and the key must not go where the Location says. */
  upstreamRedirect: (provider: string, status: number): GatewayError =>
    errors.upstreamBadResponse(provider, `HTTP ${status} (a redirect; redirects are not followed)`),
  /** After a stream's first event, the upstream sent nothing for longer than `failover.stream_idle_timeout`. */
  streamIdle: (provider: string, ms: number) =>
    new GatewayError("upstream_timeout", `The stream from provider '${provider}' sent nothing for ${ms} ms.`, { status: 504, type: "timeout", code: "stream_idle_timeout", retryable: true }),
  clientClosed: () => new GatewayError("client_closed", "The client closed the request.", { status: 499, type: INVALID }),
  pluginFailed: (plugin: string, cause: unknown) =>
    new GatewayError("plugin_failed", `Plugin '${plugin}' failed and is configured fail_closed.`, { status: 503, type: "server_error", code: "plugin_failed", cause }),
  pluginTimeout: (plugin: string, ms: number) =>
    new GatewayError("plugin_timeout", `Plugin '${plugin}' did not answer within ${ms} ms and is configured fail_closed.`, { status: 503, type: "server_error", code: "plugin_timeout" }),
  /** A plugin refused the request itself (a rate limit, a guard): its status, message and code, in the client API's envelope. */
  pluginAnswer: (status: number, message: string, type: string | undefined, code: string | null | undefined, headers?: Record<string, string>) =>
    new GatewayError("plugin_response", message, { status, type: type ?? typeForStatus(status), code: code ?? null, headers }),
  /** The durable store (`store:`) failed a read or delete (Redis down...): the stored responses are there, just not reachable now. Only the error's code is shown: a client error message from a store driver may carry its URL. */
  storeUnavailable: (cause: unknown) =>
    new GatewayError("store_unavailable", `The response store is unavailable${storeCode(cause)}: stored responses cannot be read or deleted until it answers again. Retry later.`, { status: 503, type: "server_error", code: "store_unavailable", cause }),
  /** `app_keys.require_key` is on and the request carries no app key. */
  appKeyMissing: () =>
    new GatewayError("app_key_invalid", "This gateway requires an app key: send it as `Authorization: Bearer btr_...`, as `x-api-key` (Messages API) or in `x-butter-key`.", { status: 401, type: "authentication_error", code: "missing_app_key" }),
  /** Unknown, revoked or expired; never echoes the key. */
  appKeyInvalid: (why: "unknown" | "revoked" | "expired") =>
    new GatewayError("app_key_invalid", why === "unknown" ? "Invalid app key." : why === "revoked" ? "The app key has been revoked." : "The app key has expired.", { status: 401, type: "authentication_error", code: "invalid_app_key" }),
  modelNotAllowed: (model: string) =>
    new GatewayError("model_not_allowed", `This app key may not use the model '${quoteModel(model)}'.`, { status: 403, type: "permission_error", code: "model_not_allowed", param: "model" }),
  appKeyRateLimited: (retryAfterMs: number, rate: number, burst: number) =>
    new GatewayError("app_key_rate_limited", `Rate limit of this app key exceeded: at most ${rate} requests per second (bursts of ${burst}). Retry after the time in the Retry-After header.`, {
      status: 429, type: "rate_limit_error", code: "rate_limit_exceeded", headers: { "retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
    }),
  /**
   * The key has spent its budget for the period: OpenAI's own quota error. `x-should-retry: false`
   * tells the OpenAI and Anthropic SDKs not to retry what only the period's end (or an operator) fixes.
   */
  budgetExceeded: (limitUsd: number, period: string, resetsAt: number | null, now: number) => {
    const when = resetsAt === null ? "It does not reset; an operator can raise it." : `It resets at ${new Date(resetsAt).toISOString()}.`;
    const headers: Record<string, string> = { "x-should-retry": "false" };
    if (resetsAt !== null) headers["retry-after"] = String(Math.max(1, Math.ceil((resetsAt - now) / 1000)));
    return new GatewayError("budget_exceeded", `This app key has used its budget of $${limitUsd} ${period === "total" ? "in total" : `per ${period}`}. ${when}`, {
      status: 429, type: "insufficient_quota", code: "insufficient_quota", headers,
    });
  },
  /** The app keys could not be loaded from the store (Redis down at start...): no key can be checked yet. */
  appKeysUnavailable: (cause: unknown) =>
    new GatewayError("store_unavailable", `The app key store is unavailable${storeCode(cause)}: keys cannot be checked until it answers. Retry later.`, { status: 503, type: "server_error", code: "store_unavailable", cause }),
  /** Wrong or missing admin token; the message never says which, nor echoes what was sent. */
  adminUnauthorized: () =>
    new GatewayError("admin_unauthorized", "The admin API needs `Authorization: Bearer <admin.token>`.", { status: 401, type: "authentication_error", code: "invalid_admin_token" }),
  /** Too many wrong admin tokens from one client address: sign-in and bearer checks pause for it. */
  adminRateLimited: (retryAfterS: number) =>
    new GatewayError("admin_rate_limited", "Too many wrong admin tokens from this address; try again later.", { status: 429, type: "rate_limit_error", code: "admin_rate_limited", headers: { "retry-after": String(retryAfterS) } }),
  /** A state-changing call made with the dashboard's session cookie without its CSRF token or from another origin. */
  adminForbidden: (why: string) =>
    new GatewayError("admin_forbidden", `Refused: ${why}.`, { status: 403, type: "permission_error", code: "csrf_check_failed" }),
  /** The dashboard's files were not built (scripts/build-ui.ts runs at npm install and npm test). */
  uiNotBuilt: () =>
    new GatewayError("not_found", "The dashboard is not built: run `bun scripts/build-ui.ts` (npm install does).", { status: 404, type: INVALID, code: "ui_not_built" }),
  ledgerOff: () =>
    new GatewayError("not_found", "The usage ledger is off (`ledger.enabled: false`): there is no usage to report.", { status: 404, type: INVALID, code: "ledger_disabled" }),
  appKeyNotFound: (id: string) =>
    new GatewayError("not_found", `No app key with id '${quoteModel(id)}'.`, { status: 404, type: INVALID, code: "key_not_found" }),
  internal: (cause: unknown) =>
    new GatewayError("internal", "The gateway hit an internal error.", { status: 500, type: "server_error", cause }),
} as const;

/** The OpenAI `type` conventionally used for an HTTP status. */
export function typeForStatus(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 408 || status === 504) return "timeout";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "server_error";
  return INVALID;
}

function storeCode(cause: unknown): string {
  const code = (cause as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[A-Z0-9_]{1,64}$/.test(code) ? ` (${code})` : "";
}

function describe(cause: unknown): string {
  if (cause instanceof Error) return (cause as { code?: string }).code ?? cause.message;
  return String(cause);
}

export function toGatewayError(err: unknown): GatewayError {
  return err instanceof GatewayError ? err : errors.internal(err);
}
