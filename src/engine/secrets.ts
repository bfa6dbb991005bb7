import { Redactor } from "../core/redact.ts";
import type { Auth } from "../providers/types.ts";
import { processProxyRules } from "../transport/proxy-env.ts";

// Header names that carry credentials: authorization, x-api-key, api-key, x-goog-api-key,
// x-amz-security-token, and custom ones a provider block adds (`x-portkey-api-key`, ...).
const CREDENTIAL_HEADER = /auth|key|token|secret|signature|cookie/i;
const SCHEME_AND_TOKEN = /^\S+\s+(\S+)$/;

/**
 * Everything secret one upstream call used: every string field of a stored key (the shared `value`
 * and whatever credential fields its kind adds: AWS keys, OAuth tokens...), the client's own headers
 * in passthrough, the forward proxy's credentials, and the credential headers actually sent (tokens derived from a key, such as
 * Vertex's service-account bearer token, are only known there). Every string field rather than a
 * list of names, so a credential field a provider kind adds cannot be forgotten here.
 */
export function attemptRedactor(auth: Auth, sent: Readonly<Record<string, string>> | undefined): Redactor {
  const values: string[] = [];
  if (auth.mode === "stored") {
    const k = auth.key;
    for (const field in k) {
      const value = k[field];
      if (typeof value === "string") values.push(value);
    }
  } else {
    for (const name in auth.headers) addCredential(values, auth.headers[name]!);
  }
  if (sent !== undefined) for (const name in sent) if (CREDENTIAL_HEADER.test(name)) addCredential(values, sent[name]!);
  // The forward proxy's credentials went out too, in Proxy-Authorization, with whichever client.
  values.push(...processProxyRules().secrets);
  return new Redactor(values);
}

/** The header value, and the token alone when it is `<scheme> <token>` (`Bearer sk-...`). */
function addCredential(values: string[], header: string): void {
  const value = header.trim();
  values.push(value);
  const token = SCHEME_AND_TOKEN.exec(value)?.[1];
  if (token !== undefined) values.push(token);
}
