import { errors, typeForStatus, type GatewayError } from "../../../core/errors.ts";
import { excerpt, retryHeaders, safeJson } from "../upstream-error.ts";

// google.rpc.Status errors (Gemini API and Vertex): {"error":{code, message, status, details[@type ...]}},
// sometimes wrapped in an array (the non-SSE streaming endpoint). Mapped per providers README §0.5/§4.5.

interface Status {
  code?: unknown;
  message?: unknown;
  status?: unknown;
  details?: Array<{ "@type"?: string; reason?: string; retryDelay?: string }>;
}

function statusOf(bodyText: string): Status | undefined {
  let json = safeJson(bodyText) as unknown;
  if (Array.isArray(json)) json = json[0];
  const inner = (json as { error?: unknown } | undefined)?.error;
  return typeof inner === "object" && inner !== null ? (inner as Status) : undefined;
}

/** "26s" / "1.5s" (a google.protobuf.Duration) → whole seconds for `retry-after`. */
export function retryAfterSeconds(delay: string | undefined): string | undefined {
  const m = delay ? /^(\d+(?:\.\d+)?)s$/.exec(delay) : null;
  return m ? String(Math.ceil(Number(m[1]))) : undefined;
}

export function googleError(provider: string, status: number, bodyText: string, headers: Headers): GatewayError {
  const s = statusOf(bodyText);
  const details = Array.isArray(s?.details) ? s.details : [];
  const reason = details.find((d) => d?.["@type"]?.endsWith("google.rpc.ErrorInfo"))?.reason;
  const rpc = typeof s?.status === "string" ? s.status : undefined;
  const message = typeof s?.message === "string" && s.message !== ""
    ? s.message
    : bodyText ? `Provider '${provider}' returned HTTP ${status}: ${excerpt(bodyText)}` : `Provider '${provider}' returned HTTP ${status}.`;

  let out = { status, type: typeForStatus(status), code: (rpc ?? null) as string | null, retryable: false };
  if (status === 401 || rpc === "UNAUTHENTICATED" || reason === "API_KEY_INVALID") {
    // The Gemini API answers a bad key with 400 INVALID_ARGUMENT + reason API_KEY_INVALID.
    out = { status: 401, type: "authentication_error", code: "invalid_api_key", retryable: false };
  } else if (status === 403) out = { ...out, type: "permission_error", code: null };
  else if (status === 404) out = { ...out, type: "invalid_request_error", code: "model_not_found" };
  else if (status === 429) out = { ...out, code: "rate_limit_exceeded", retryable: true };
  else if (status === 503) out = { ...out, code: "overloaded", retryable: true };
  else if (status >= 500) out = { ...out, code: null, retryable: true };

  let extra = retryHeaders(headers);
  if (!extra?.["retry-after"]) {
    const seconds = retryAfterSeconds(details.find((d) => d?.["@type"]?.endsWith("google.rpc.RetryInfo"))?.retryDelay);
    if (seconds) extra = { ...extra, "retry-after": seconds };
  }
  return errors.upstream(provider, out.status, message, { type: out.type, code: out.code, retryable: out.retryable, headers: extra });
}
