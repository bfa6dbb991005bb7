import { createSign } from "node:crypto";
import { readFile } from "node:fs/promises";

// A Google service-account key file and the OAuth 2.0 JWT-bearer grant (RFC 7523) that turns it into an
// access token: an RS256-signed assertion {iss, scope, aud, iat, exp} posted to the file's token_uri.

export const DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token";
export const CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform";
const ASSERTION_LIFETIME_S = 3600;

export interface ServiceAccount {
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri: string;
}

/** Reads and checks a key file; the message names the file and the problem, never the key. */
export async function readServiceAccount(path: string): Promise<ServiceAccount> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new Error(`cannot read credentials_file ${path}: ${(err as { code?: string }).code ?? "unreadable"}`);
  }
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`credentials_file ${path} is not valid JSON`);
  }
  if (typeof json.client_email !== "string" || typeof json.private_key !== "string") {
    throw new Error(`credentials_file ${path} is not a service-account key (needs client_email and private_key)`);
  }
  return {
    client_email: json.client_email,
    private_key: json.private_key,
    ...(typeof json.private_key_id === "string" ? { private_key_id: json.private_key_id } : {}),
    token_uri: typeof json.token_uri === "string" && json.token_uri !== "" ? json.token_uri : DEFAULT_TOKEN_URI,
  };
}

const b64url = (data: string | Buffer): string => Buffer.from(data).toString("base64url");

export function signedAssertion(sa: ServiceAccount, nowSeconds: number, scope = CLOUD_PLATFORM_SCOPE): string {
  const header = b64url(JSON.stringify({ alg: "RS256", typ: "JWT", ...(sa.private_key_id ? { kid: sa.private_key_id } : {}) }));
  const claims = b64url(JSON.stringify({ iss: sa.client_email, scope, aud: sa.token_uri, iat: nowSeconds, exp: nowSeconds + ASSERTION_LIFETIME_S }));
  const input = `${header}.${claims}`;
  const signature = createSign("RSA-SHA256").update(input).sign(sa.private_key);
  return `${input}.${b64url(signature)}`;
}

export const tokenRequestBody = (assertion: string): string =>
  new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion }).toString();
