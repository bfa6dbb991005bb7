import type { Auth, StoredKey } from "../types.ts";
import type { BedrockKeyFields } from "./config.ts";
import { signRequest } from "./sigv4.ts";

// Three ways to authenticate to Bedrock: AWS keys (SigV4, service `bedrock`), a Bedrock API key
// (`Authorization: Bearer`), or the client's own headers (passthrough: a client Bedrock API key; a
// client cannot pass SigV4 through, since the signature covers the body the gateway rewrites).

/** A key is usable with an access key id and secret, or with a Bedrock API key in `value`. */
export function bedrockKeyUsable(key: StoredKey<BedrockKeyFields>): boolean {
  return (key.access_key_id !== "" && key.secret_access_key !== "") || key.value !== "";
}

export interface Outgoing {
  method: "GET" | "POST";
  url: URL;
  headers: Record<string, string>;
  body: string;
}

/** The headers to send, authentication included. */
export function authorize(auth: Auth<BedrockKeyFields>, out: Outgoing, region: string): Record<string, string> {
  if (auth.mode === "passthrough") return { ...out.headers, ...auth.headers };
  const key = auth.key;
  if (key.access_key_id !== "" && key.secret_access_key !== "") {
    const signature = signRequest({
      method: out.method, url: out.url, headers: out.headers, body: out.body, region, service: "bedrock",
      credentials: { accessKeyId: key.access_key_id, secretAccessKey: key.secret_access_key, sessionToken: key.session_token || undefined },
    });
    return { ...out.headers, ...signature.headers };
  }
  return { ...out.headers, authorization: `Bearer ${key.value}` };
}
