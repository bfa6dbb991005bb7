import { GatewayError } from "../../core/errors.ts";
import type { VertexKeyFields } from "./config.ts";
import { readBody } from "../shared/http.ts";
import { readServiceAccount, signedAssertion, tokenRequestBody } from "./service-account.ts";

/** Refresh this long before expiry, so a token never expires in flight (or half the lifetime, if shorter). */
const REFRESH_MARGIN_MS = 5 * 60_000;
const TOKEN_TIMEOUT_MS = 10_000;
/** A token answer is a few hundred bytes; anything this long is not one. */
const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;

interface Cached { token: string; refreshAt: number }

export interface TokenSourceOptions {
  provider: string;
  now?: () => number;
  /** The token endpoint is called with this (tests inject; default global fetch). */
  fetch?: typeof fetch;
}

const credentialError = (provider: string, message: string, status = 401, retryable = false) =>
  new GatewayError("missing_credentials", `Provider '${provider}': ${message}`, {
    status, type: status === 401 ? "authentication_error" : "server_error", code: status === 401 ? "invalid_provider_credentials" : "token_exchange_failed", retryable,
  });

/**
 * Access tokens for Vertex: a configured `access_token` as it is, or one exchanged from a service-account
 * `credentials_file`, cached per file until shortly before it expires. Concurrent requests that find the
 * token stale share one exchange.
 */
export class TokenSource {
  private readonly cache = new Map<string, Cached>();
  private readonly pending = new Map<string, Promise<string>>();
  private readonly now: () => number;
  private readonly fetch: typeof fetch;

  constructor(private readonly opts: TokenSourceOptions) {
    this.now = opts.now ?? Date.now;
    this.fetch = opts.fetch ?? fetch;
  }

  token(key: VertexKeyFields): Promise<string> {
    if (key.access_token) return Promise.resolve(key.access_token);
    const file = key.credentials_file;
    if (!file) return Promise.reject(credentialError(this.opts.provider, "the key has neither access_token nor credentials_file"));
    const hit = this.cache.get(file);
    if (hit && this.now() < hit.refreshAt) return Promise.resolve(hit.token);
    let inflight = this.pending.get(file);
    if (!inflight) {
      inflight = this.exchange(file).finally(() => this.pending.delete(file));
      this.pending.set(file, inflight);
    }
    return inflight;
  }

  /** Vertex said 401: the cached token is no good, the next request exchanges again. */
  invalidate(key: VertexKeyFields): void {
    if (key.credentials_file) this.cache.delete(key.credentials_file);
  }

  private async exchange(file: string): Promise<string> {
    const provider = this.opts.provider;
    let sa;
    try {
      sa = await readServiceAccount(file);
    } catch (err) {
      throw credentialError(provider, (err as Error).message);
    }
    const started = this.now();
    let response: Response;
    try {
      response = await this.fetch(sa.token_uri, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: tokenRequestBody(signedAssertion(sa, Math.floor(started / 1000))),
        signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS),
        // The signed assertion goes to the file's token_uri and nowhere else.
        redirect: "manual",
      });
    } catch {
      throw credentialError(provider, `the OAuth token endpoint ${sa.token_uri} could not be reached`, 502, true);
    }
    const text = await readBody(response, { provider, maxBytes: MAX_TOKEN_RESPONSE_BYTES, lastReadAt: 0, waited: { ms: 0 } }).catch(() => "");
    let json: { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown } = {};
    try {
      json = JSON.parse(text);
    } catch {
      // Reported below with the status.
    }
    if (!response.ok || typeof json.access_token !== "string") {
      const why = typeof json.error_description === "string" ? json.error_description : typeof json.error === "string" ? json.error : `HTTP ${response.status}`;
      // 4xx: the key itself is refused (revoked, wrong clock, disabled account); 5xx: Google is having trouble.
      if (response.status >= 500) throw credentialError(provider, `the OAuth token exchange failed: ${why}`, 502, true);
      throw credentialError(provider, `the service account was refused by the OAuth token endpoint: ${why}`);
    }
    const lifetimeMs = (typeof json.expires_in === "number" ? json.expires_in : 3600) * 1000;
    this.cache.set(file, { token: json.access_token, refreshAt: started + lifetimeMs - Math.min(REFRESH_MARGIN_MS, lifetimeMs / 2) });
    return json.access_token;
  }
}
