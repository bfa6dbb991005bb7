// AWS Signature Version 4, header form, for non-S3 services (Bedrock). Hand-written: see README
// "AWS Bedrock" for why this beats @smithy/signature-v4 here (bench/sigv4-micro.ts). The per-request
// hashes and HMACs use Bun's native CryptoHasher (about 40% faster than node:crypto's objects in Bun,
// and node:crypto is never loaded).

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary (STS) credentials: sent and signed as x-amz-security-token. */
  sessionToken?: string;
}

export interface SignInput {
  method: string;
  url: URL;
  /** Headers that will be sent (host is derived from the URL and must not be among them). */
  headers: Record<string, string>;
  /** The exact bytes that will be sent. */
  body: string | Uint8Array;
  region: string;
  service: string;
  credentials: AwsCredentials;
  /** Injected clock for tests; default now. */
  now?: Date;
}

const ALGORITHM = "AWS4-HMAC-SHA256";
/** Headers a proxy or the runtime may rewrite; signing them would break the signature (same list as the AWS SDKs). */
const UNSIGNED = new Set(["authorization", "user-agent", "x-amzn-trace-id", "expect", "connection", "content-length", "transfer-encoding"]);

const sha256Hex = (data: string | Uint8Array): string => Bun.CryptoHasher.hash("sha256", data, "hex") as string;
const hmac = (key: string | Buffer, data: string): Buffer => new Bun.CryptoHasher("sha256", key).update(data).digest();

/** `20150830T123600Z` */
export function amzDate(now: Date): string {
  return now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/** RFC 3986 encoding as SigV4 wants it: everything but unreserved characters percent-encoded. */
export function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

/**
 * Non-S3 services sign the path with each segment encoded once more than it is sent: a model id
 * sent as `...v1%3A0` is signed as `...v1%253A0`. Dot segments are normalised as the SDKs do.
 */
export function canonicalPath(pathname: string): string {
  const segments: string[] = [];
  for (const segment of pathname.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  const trailing = pathname.length > 1 && pathname.endsWith("/") ? "/" : "";
  const joined = segments.length === 0 ? "/" : `/${segments.join("/")}${trailing}`;
  return uriEncode(joined).replace(/%2F/g, "/");
}

export function canonicalQuery(params: URLSearchParams): string {
  if (params.size === 0) return "";
  const pairs: Array<[string, string]> = [];
  params.forEach((value, key) => pairs.push([uriEncode(key), uriEncode(value)]));
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

// The signing key changes once a day per (secret, region, service): four HMACs saved on every request.
const keyCache = new Map<string, Buffer>();
const KEY_CACHE_LIMIT = 64;

function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const id = `${date}\n${region}\n${service}\n${secret}`;
  let key = keyCache.get(id);
  if (key) return key;
  key = hmac(hmac(hmac(hmac("AWS4" + secret, date), region), service), "aws4_request");
  if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
  keyCache.set(id, key);
  return key;
}

export interface Signature {
  /** Headers to add to the request: authorization, x-amz-date and (temporary credentials) x-amz-security-token. */
  headers: Record<string, string>;
  /** For tests and debugging; never logged (it reveals nothing secret, but there is no need). */
  canonicalRequest: string;
  stringToSign: string;
  signedHeaders: string;
}

export function signRequest(input: SignInput): Signature {
  const { credentials, region, service } = input;
  const stamp = amzDate(input.now ?? new Date());
  const date = stamp.slice(0, 8);
  const added: Record<string, string> = { "x-amz-date": stamp };
  if (credentials.sessionToken) added["x-amz-security-token"] = credentials.sessionToken;

  const canonical = new Map<string, string>([["host", input.url.host]]);
  for (const [name, value] of Object.entries({ ...input.headers, ...added })) {
    const lower = name.toLowerCase();
    if (UNSIGNED.has(lower) || lower === "host") continue;
    canonical.set(lower, value.trim().replace(/\s+/g, " "));
  }
  const names = [...canonical.keys()].sort();
  const signedHeaders = names.join(";");
  const canonicalRequest = [
    input.method.toUpperCase(),
    canonicalPath(input.url.pathname),
    canonicalQuery(input.url.searchParams),
    names.map((n) => `${n}:${canonical.get(n)}\n`).join(""),
    signedHeaders,
    sha256Hex(input.body),
  ].join("\n");
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = `${ALGORITHM}\n${stamp}\n${scope}\n${sha256Hex(canonicalRequest)}`;
  const signature = new Bun.CryptoHasher("sha256", signingKey(credentials.secretAccessKey, date, region, service)).update(stringToSign).digest("hex");
  added.authorization = `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return { headers: added, canonicalRequest, stringToSign, signedHeaders };
}
