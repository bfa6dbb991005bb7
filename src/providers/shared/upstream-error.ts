import { errors, typeForStatus, type GatewayError } from "../../core/errors.ts";

/** Upstream headers worth handing to the client with an error (rate-limit hints). */
export function retryHeaders(headers: Headers): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  for (const name of ["retry-after", "retry-after-ms"]) {
    const value = headers.get(name);
    if (value !== null) (out ??= {})[name] = value;
  }
  return out;
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
