import { errors, typeForStatus, type GatewayError } from "../../core/errors.ts";

/**
 * The only upstream headers a client ever sees: the retry hints, and only when well formed. A
 * delta-seconds `retry-after` (or `retry-after-ms`) passes as digits; an HTTP-date is re-serialised
 * from the parsed date; anything else is dropped, so no upstream text rides along in a header.
 */
export function retryHeaders(headers: Headers): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  const after = retryAfterValue(headers.get("retry-after"));
  if (after !== undefined) (out ??= {})["retry-after"] = after;
  const ms = headers.get("retry-after-ms")?.trim();
  if (ms !== undefined && SECONDS.test(ms)) (out ??= {})["retry-after-ms"] = ms;
  return out;
}

// Digits with an optional short fraction (RFC 9110 delta-seconds; some providers send "1.5").
const SECONDS = /^\d{1,10}(?:\.\d{1,3})?$/;
// RFC 9110 HTTP-date: IMF-fixdate, and the obsolete RFC 850 and asctime forms recipients must accept.
const DAY = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
const MONTH = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
const HTTP_DATE = new RegExp(
  `^(?:${DAY}, \\d{2} ${MONTH} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT` +
    `|(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \\d{2}-${MONTH}-\\d{2} \\d{2}:\\d{2}:\\d{2} GMT` +
    `|${DAY} ${MONTH} [ \\d]\\d \\d{2}:\\d{2}:\\d{2} \\d{4})$`,
);

/** A valid Retry-After as it may be relayed (a date re-serialised from its parsed value), or undefined. */
export function retryAfterValue(raw: string | null | undefined): string | undefined {
  const value = raw?.trim();
  if (value === undefined || value === "") return undefined;
  if (SECONDS.test(value)) return value;
  if (!HTTP_DATE.test(value)) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : new Date(at).toUTCString();
}

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const asString = (v: unknown): string | undefined =>
  typeof v === "string" ? v : typeof v === "number" ? String(v) : v != null && typeof v === "object" ? JSON.stringify(v) : undefined;

/** Short, printable excerpt of a non-JSON body (HTML error pages from an edge proxy). */
export function excerpt(text: string): string {
  const flat = text.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim();
  return flat.length > 200 ? flat.slice(0, 200) + "…" : flat;
}

/**
 * Errors from OpenAI-shaped APIs and their near relatives: `{"error":{message,type,param,code}}`,
 * OpenRouter's numeric `code`, Mistral's top-level `message` (string or pydantic detail list),
 * and edges that answer with HTML. The upstream status is kept.
 */
export function openAIStyleError(provider: string, status: number, bodyText: string, headers: Headers): GatewayError {
  const json = safeJson(bodyText) as Record<string, unknown> | undefined;
  const inner = (json && typeof json.error === "object" && json.error !== null ? json.error : json) as Record<string, unknown> | undefined;
  let message = inner ? asString(inner.message) : undefined;
  if (!message && json && typeof json.error === "string") message = json.error;
  if (!message) message = bodyText ? `Provider '${provider}' returned HTTP ${status}: ${excerpt(bodyText)}` : `Provider '${provider}' returned HTTP ${status}.`;
  const type = inner && typeof inner.type === "string" ? inner.type : typeForStatus(status);
  const code = inner ? asString(inner.code) ?? null : null;
  const param = inner && typeof inner.param === "string" ? inner.param : null;
  return errors.upstream(provider, status, message, { type, code, param, headers: retryHeaders(headers) });
}
