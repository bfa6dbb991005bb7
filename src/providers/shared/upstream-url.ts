import { errors, type GatewayError } from "../../core/errors.ts";

// The one way a provider builds an upstream URL: the configured base, then code-constant path text,
// with every variable part (model id, project, cursor) interpolated through `urlUnder`, which encodes
// it as a path segment (or a query value after a `?`). Nothing a client sends can add a `/`, `?`, `#`
// or dot segment to the path, so no request leaves the base URL's path prefix.

/** A path value: one segment, or several joined by `/` (each encoded on its own: `models/gemini-pro`). */
export type PathValue = string | readonly string[];

export type UrlTemplate = (strings: TemplateStringsArray, ...values: PathValue[]) => string;

/** The configured base URL, normalised once (dot segments resolved, host lower-cased), without a trailing `/`. */
export function upstreamBase(configured: string): string {
  const url = new URL(configured);
  if (url.search !== "" || url.hash !== "") throw new Error(`base URL ${configured} has a query or fragment`);
  return url.href.replace(/\/+$/, "");
}

/** Why a configured base_url cannot be a base (paths are appended to it), or undefined. */
export function baseUrlProblem(configured: string): string | undefined {
  let url: URL;
  try {
    url = new URL(configured);
  } catch {
    return "expected an absolute http(s) URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "expected an absolute http(s) URL";
  if (url.search !== "" || configured.includes("?")) return "must not have a query string (request paths are appended to it)";
  if (url.hash !== "" || configured.includes("#")) return "must not have a fragment (request paths are appended to it)";
  return undefined;
}

/**
 * A tagged template for URLs under `base`: `` url`/v1beta/${["models", id]}:generateContent` ``. The
 * literal text is trusted (it is code); each interpolated value is encoded.
 */
export function urlUnder(base: string): UrlTemplate {
  return (strings, ...values) => {
    let out = base;
    let query = false;
    for (let i = 0; i < values.length; i++) {
      const literal = strings[i]!;
      if (!query && literal.includes("?")) query = true;
      out += literal;
      const value = values[i]!;
      out += query ? queryValue(value) : pathValue(value);
    }
    return out + strings[values.length]!;
  };
}

function pathValue(value: PathValue): string {
  if (typeof value === "string") return segment(value);
  let out = "";
  for (let i = 0; i < value.length; i++) out += (i === 0 ? "" : "/") + segment(value[i]!);
  return out;
}

/**
 * One path segment, percent-encoded (RFC 3986: everything but unreserved characters, except `@`,
 * which is a plain path character and what Vertex's own clients send in `claude-…@20240620`).
 * Empty and dot segments cannot be encoded away, so they are refused.
 */
export function segment(value: string): string {
  if (value === "" || value === "." || value === "..") throw badPart(value);
  const encoded = encode(value);
  return value.includes("@") ? encoded.replace(/%40/g, "@") : encoded;
}

function queryValue(value: PathValue): string {
  if (typeof value !== "string") throw badPart(value.join("/"));
  return encode(value);
}

function encode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    // A lone surrogate has no UTF-8 form.
    throw badPart(value);
  }
}

function badPart(value: string): GatewayError {
  const shown = JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  return errors.invalidRequest(`The value ${shown} cannot be part of an upstream URL.`);
}
