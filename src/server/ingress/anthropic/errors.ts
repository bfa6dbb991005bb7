// The only place a GatewayError becomes Anthropic's error envelope:
// `{"type": "error", "error": {"type", "message"}, "request_id"}`, with the status Anthropic's SDKs
// map to their typed errors. Upstream "overloaded" (a 503 to OpenAI clients) is Anthropic's 529.
import type { GatewayError } from "../../../core/errors.ts";

export interface AnthropicErrorBody { type: "error"; error: { type: string; message: string }; request_id?: string }

const TYPE_BY_STATUS: Record<number, string> = {
  400: "invalid_request_error", 401: "authentication_error", 402: "billing_error", 403: "permission_error",
  404: "not_found_error", 408: "timeout_error", 413: "request_too_large", 429: "rate_limit_error",
  500: "api_error", 502: "api_error", 504: "timeout_error", 529: "overloaded_error",
};

/** The HTTP status an Anthropic client sees. */
export function anthropicStatus(err: GatewayError): number {
  // 499 is our internal "client went away"; nobody is left to read it, but keep the status valid.
  if (err.status === 499) return 400;
  // An upstream's overload (Anthropic 529, OpenAI's 503 "overloaded") is Anthropic's 529; a
  // fail-closed plugin's own 503 is not an overload and stays 503.
  if (err.status === 503 && (err.kind === "upstream_error" || err.code === "overloaded")) return 529;
  return err.status;
}

export function anthropicErrorType(err: GatewayError, status: number): string {
  if (status === 529) return "overloaded_error";
  if (err.type === "insufficient_quota") return status === 402 ? "billing_error" : "rate_limit_error";
  return TYPE_BY_STATUS[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
}

export function anthropicErrorBody(err: GatewayError, requestId: string | undefined): AnthropicErrorBody {
  const status = anthropicStatus(err);
  const body: AnthropicErrorBody = { type: "error", error: { type: anthropicErrorType(err, status), message: err.message } };
  if (requestId !== undefined) body.request_id = requestId;
  return body;
}

export function anthropicErrorResponse(err: GatewayError, headers: Record<string, string>): Response {
  return new Response(JSON.stringify(anthropicErrorBody(err, headers["x-request-id"])), {
    status: anthropicStatus(err),
    headers: { ...headers, ...err.headers, "content-type": "application/json" },
  });
}
