import { errors, typeForStatus, type GatewayError } from "../../core/errors.ts";
import { excerpt, retryHeaders, safeJson } from "../shared/upstream-error.ts";
import type { EventStreamMessage } from "./event-stream.ts";

// Bedrock exceptions → the gateway's status/type/code (providers README §0.5 and §3.7).

interface Mapped { status: number; type: string; code: string | null; retryable: boolean }

const AUTH: Mapped = { status: 401, type: "authentication_error", code: "invalid_api_key", retryable: false };

const BY_EXCEPTION: Record<string, Mapped> = {
  ValidationException: { status: 400, type: "invalid_request_error", code: null, retryable: false },
  ServiceQuotaExceededException: { status: 400, type: "invalid_request_error", code: "service_quota_exceeded", retryable: false },
  UnrecognizedClientException: AUTH,
  InvalidSignatureException: AUTH,
  IncompleteSignatureException: AUTH,
  MissingAuthenticationTokenException: AUTH,
  ExpiredTokenException: AUTH,
  InvalidClientTokenId: AUTH,
  SignatureDoesNotMatch: AUTH,
  AccessDeniedException: { status: 403, type: "permission_error", code: null, retryable: false },
  ResourceNotFoundException: { status: 404, type: "invalid_request_error", code: "model_not_found", retryable: false },
  ModelTimeoutException: { status: 408, type: "timeout", code: null, retryable: true },
  // The model behind Bedrock failed: a bad gateway from the client's point of view.
  ModelErrorException: { status: 502, type: "server_error", code: null, retryable: true },
  ModelStreamErrorException: { status: 502, type: "server_error", code: null, retryable: true },
  ThrottlingException: { status: 429, type: "rate_limit_error", code: "rate_limit_exceeded", retryable: true },
  ModelNotReadyException: { status: 429, type: "rate_limit_error", code: "rate_limit_exceeded", retryable: true },
  InternalServerException: { status: 500, type: "server_error", code: null, retryable: true },
  ServiceUnavailableException: { status: 503, type: "server_error", code: "overloaded", retryable: true },
};

/** `ThrottlingException:http://internal...`, `com.amazon...#ThrottlingException` or a stream's `throttlingException`. */
export function exceptionName(raw: string | null | undefined): string | undefined {
  if (!raw) return undefined;
  let name = raw.split(":")[0]!.trim();
  const hash = name.lastIndexOf("#");
  if (hash !== -1) name = name.slice(hash + 1);
  if (name === "") return undefined;
  return name[0]!.toUpperCase() + name.slice(1);
}

function mapped(name: string | undefined, status: number): Mapped {
  const known = name ? BY_EXCEPTION[name] : undefined;
  if (known) return known;
  return { status, type: typeForStatus(status), code: null, retryable: status === 429 || status >= 500 };
}

/** A modelled Bedrock exception, by name (from a header, a body or a stream message). */
export function bedrockException(provider: string, name: string | undefined, status: number, message: string | undefined, headers?: Headers): GatewayError {
  const m = mapped(name, status);
  const text = message || `Provider '${provider}' returned ${name ?? `HTTP ${status}`}.`;
  return errors.upstream(provider, m.status, text, {
    type: m.type, code: m.code, retryable: m.retryable, headers: headers ? retryHeaders(headers) : undefined,
  });
}

/** Non-2xx HTTP answers: the name comes from `x-amzn-ErrorType` or the body's `__type`. */
export function bedrockHttpError(provider: string, status: number, bodyText: string, headers: Headers): GatewayError {
  const json = safeJson(bodyText) as Record<string, unknown> | undefined;
  const body = json && typeof json === "object" ? json : undefined;
  const name = exceptionName(headers.get("x-amzn-errortype")) ?? exceptionName(typeof body?.__type === "string" ? body.__type : undefined);
  const raw = body?.message ?? body?.Message;
  const message = typeof raw === "string" ? raw : bodyText && !body ? `Provider '${provider}' returned HTTP ${status}: ${excerpt(bodyText)}` : undefined;
  return bedrockException(provider, name, status, message, headers);
}

const utf8 = new TextDecoder();

/**
 * A failure message inside a 200 event stream, or undefined for any other message: a modelled
 * exception (`:message-type: exception`, `:exception-type: throttlingException`, mapped like the HTTP
 * one) or a service error (`:message-type: error` with `:error-code` / `:error-message` headers).
 */
export function eventStreamFailure(provider: string, message: EventStreamMessage): GatewayError | undefined {
  const kind = message.headers[":message-type"];
  if (kind === "exception") {
    const name = exceptionName(String(message.headers[":exception-type"] ?? ""));
    const payload = safeJson(utf8.decode(message.payload)) as { message?: unknown } | undefined;
    return bedrockException(provider, name, 502, typeof payload?.message === "string" ? payload.message : undefined);
  }
  if (kind === "error") {
    const code = String(message.headers[":error-code"] ?? "");
    const text = String(message.headers[":error-message"] ?? "");
    return bedrockException(provider, exceptionName(code), 502, text || code || undefined);
  }
  return undefined;
}
