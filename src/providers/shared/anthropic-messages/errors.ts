import { errors, typeForStatus, type GatewayError } from "../../../core/errors.ts";
import { excerpt, retryHeaders, safeJson } from "../upstream-error.ts";

interface Kind { status: number; type: string; code: string | null; retryable: boolean }

/** Anthropic error types, with the status each one arrives with (what an in-stream error gets). */
const KINDS: Record<string, Kind> = {
  invalid_request_error: { status: 400, type: "invalid_request_error", code: null, retryable: false },
  authentication_error: { status: 401, type: "authentication_error", code: "invalid_api_key", retryable: false },
  billing_error: { status: 402, type: "insufficient_quota", code: "insufficient_quota", retryable: false },
  permission_error: { status: 403, type: "permission_error", code: null, retryable: false },
  not_found_error: { status: 404, type: "invalid_request_error", code: "model_not_found", retryable: false },
  request_too_large: { status: 413, type: "invalid_request_error", code: "request_too_large", retryable: false },
  rate_limit_error: { status: 429, type: "rate_limit_error", code: "rate_limit_exceeded", retryable: true },
  api_error: { status: 500, type: "server_error", code: null, retryable: true },
  timeout_error: { status: 504, type: "timeout", code: null, retryable: true },
  // OpenAI clients know no 529: overloaded is a retryable 503 (failover's retry_on counts it as one).
  overloaded_error: { status: 503, type: "server_error", code: "overloaded", retryable: true },
};

const BY_STATUS: Record<number, string> = {
  400: "invalid_request_error", 401: "authentication_error", 402: "billing_error", 403: "permission_error", 404: "not_found_error",
  413: "request_too_large", 429: "rate_limit_error", 500: "api_error", 504: "timeout_error", 529: "overloaded_error",
};

function classify(status: number | undefined, errorType: string | undefined): Kind {
  const known = (errorType !== undefined ? KINDS[errorType] : undefined) ?? (status !== undefined ? KINDS[BY_STATUS[status] ?? ""] : undefined);
  // The upstream status is kept (Anthropic uses invalid_request_error for several 4xx), except 529.
  const finalStatus = status === undefined ? known?.status ?? 502 : status === 529 ? 503 : status;
  if (known) return { ...known, status: finalStatus };
  return { status: finalStatus, type: typeForStatus(finalStatus), code: null, retryable: finalStatus === 429 || finalStatus >= 500 };
}

interface ErrorShape { error?: { type?: unknown; message?: unknown } | string; message?: unknown }

function build(provider: string, status: number | undefined, json: ErrorShape | undefined, fallback: string, headers?: Headers): GatewayError {
  const inner = json && typeof json.error === "object" && json.error !== null ? json.error : undefined;
  const errorType = typeof inner?.type === "string" ? inner.type : undefined;
  const kind = classify(status, errorType);
  let message = typeof inner?.message === "string" ? inner.message : typeof json?.message === "string" ? json.message : undefined;
  if (!message && typeof json?.error === "string") message = json.error;
  return errors.upstream(provider, kind.status, message || fallback, {
    type: kind.type, code: kind.code, retryable: kind.retryable, headers: headers ? retryHeaders(headers) : undefined,
  });
}

/** A non-2xx Anthropic answer → GatewayError (status kept except 529 → 503; retry-after copied). */
export function anthropicError(provider: string, status: number, bodyText: string, headers: Headers): GatewayError {
  const json = safeJson(bodyText) as ErrorShape | undefined;
  const fallback = bodyText ? `Provider '${provider}' returned HTTP ${status}: ${excerpt(bodyText)}` : `Provider '${provider}' returned HTTP ${status}.`;
  return build(provider, status, json && typeof json === "object" ? json : undefined, fallback, headers);
}

/** An `event: error` payload inside a 200 stream → GatewayError with the status its type implies. */
export function anthropicStreamError(provider: string, payload: unknown): GatewayError {
  const json = payload && typeof payload === "object" ? (payload as ErrorShape) : undefined;
  return build(provider, undefined, json, `Provider '${provider}' sent an error event.`);
}
