import { GatewayError } from "./errors.ts";

/** What a secret is replaced with wherever an upstream-derived string would carry it. */
export const REDACTED = "[redacted]";

// Shorter strings are not credentials, and replacing them would mangle ordinary words.
const MIN_SECRET_LENGTH = 6;

/**
 * Removes credentials from upstream-derived text. An upstream may echo the key it was sent (in an
 * error's message, type, code or param, in a header, in an error event inside a stream); whatever
 * carries such text to a client, a log line, a metric or a span passes through `error()` first.
 * Built only when there is something to clean (a failure), so the success path pays nothing.
 */
export class Redactor {
  private readonly secrets: string[];

  constructor(values: Iterable<string>) {
    const unique = new Set<string>();
    for (const v of values) if (v.length >= MIN_SECRET_LENGTH) unique.add(v);
    // Longest first: a secret that contains another is replaced whole, not left half-visible.
    this.secrets = [...unique].sort((a, b) => b.length - a.length);
  }

  get empty(): boolean {
    return this.secrets.length === 0;
  }

  text(value: string): string {
    let out = value;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.replaceAll(secret, REDACTED);
    return out;
  }

  /** The same error with every string field and header value cleaned; `err` itself when nothing changed. */
  error(err: GatewayError): GatewayError {
    if (this.secrets.length === 0) return err;
    const message = this.text(err.message);
    const type = this.text(err.type);
    const code = err.code === null ? null : this.text(err.code);
    const param = err.param === null ? null : this.text(err.param);
    let headers = err.headers;
    let changed = message !== err.message || type !== err.type || code !== err.code || param !== err.param;
    if (headers !== undefined) {
      for (const name in headers) {
        const value = headers[name]!;
        const clean = this.text(value);
        if (clean === value && this.text(name) === name) continue;
        headers = cleanHeaders(this, headers);
        changed = true;
        break;
      }
    }
    if (!changed) return err;
    // The cause is dropped: it is the raw upstream failure, which may hold the secret too.
    return new GatewayError(err.kind, message, { status: err.status, type, code, param, headers, retryable: err.retryable });
  }
}

function cleanHeaders(r: Redactor, headers: Record<string, string>): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  for (const name in headers) {
    // A header whose name carries a secret is dropped; one whose value does is dropped too (a
    // redacted retry-after is no retry-after).
    if (r.text(name) !== name || r.text(headers[name]!) !== headers[name]) continue;
    (out ??= {})[name] = headers[name]!;
  }
  return out;
}
