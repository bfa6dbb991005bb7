// The key is a hash of the request in one canonical form: object keys sorted at every depth, no
// whitespace, `undefined` members dropped as JSON drops them. Two requests that differ only in key
// order or formatting then share an entry, and two that differ in anything else do not.

/**
 * The canonical JSON text of `value`. Symbol-keyed members (what an operation keeps beside its
 * request: the client's own body for targets speaking its API natively) decide what a target
 * receives, so they are part of it too, under `@` + the symbol's description; JSON.stringify would
 * skip them.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, out);
  return out.join("");
}

function write(value: unknown, out: string[]): void {
  if (value === null || typeof value !== "object") {
    // Strings, numbers, booleans as JSON writes them; functions and undefined as `null` (array slots).
    out.push(typeof value === "function" || value === undefined ? "null" : JSON.stringify(value));
    return;
  }
  if (Array.isArray(value)) {
    out.push("[");
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(",");
      write(value[i], out);
    }
    out.push("]");
    return;
  }
  const obj = value as Record<string | symbol, unknown>;
  const keys = Object.keys(obj).sort();
  out.push("{");
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined || typeof v === "function") continue;
    out.push(first ? JSON.stringify(k) : "," + JSON.stringify(k), ":");
    first = false;
    write(v, out);
  }
  for (const s of Object.getOwnPropertySymbols(obj)) {
    const v = obj[s];
    if (v === undefined || typeof v === "function") continue;
    out.push(first ? "" : ",", JSON.stringify("@" + (s.description ?? "")), ":");
    first = false;
    write(v, out);
  }
  out.push("}");
}

/**
 * SHA-256 (hex) of the canonical JSON of `parts`. A shared Redis holds entries of many gateways and
 * configs: a 256-bit cryptographic hash makes a collision (one client served another's answer)
 * impossible in practice, where a 64-bit non-cryptographic one (xxh3, wyhash) could be forced.
 */
export function cacheKey(parts: Record<string, unknown>): string {
  return new Bun.CryptoHasher("sha256").update(canonicalJson(parts)).digest("hex");
}
