// What may be answered from the cache: only what the same request would answer again. Each
// operation says which of its requests qualify (Operation.cacheable in server/operation.ts); these
// are the rules they share.
// - Streams never: a stream's answer is bytes over time, not one text to replay.
// - Sampled requests never: chat, Messages and Responses only with an explicit `temperature: 0`
//   (Anthropic's, Responses' and OpenAI's default temperature is 1). `seed`, `n`, tools and every
//   other field are part of the key, so `n: 3` at temperature 0 is cached as its own entry.

/** A non-streamed request at an explicit temperature 0. */
export function deterministic(request: { stream?: unknown; temperature?: unknown }): boolean {
  return request.stream !== true && request.temperature === 0;
}

/** A non-streamed request whose answer depends on nothing but the request (embeddings). */
export function unsampled(request: object): boolean {
  return (request as { stream?: unknown }).stream !== true;
}

/** What the client's `Cache-Control` asks: `no-cache` skips the lookup, `no-store` the storing. */
export interface Directives {
  lookup: boolean;
  store: boolean;
}

const BOTH: Directives = { lookup: true, store: true };

/**
 * Reads the request's Cache-Control (RFC 9111 request directives, case-insensitive, comma-separated,
 * arguments ignored). Unknown directives and malformed values change nothing; `max-age=0` reads as
 * no-cache. `no-store` may still be answered from the cache (RFC 9111 forbids storing, not serving).
 */
export function directives(header: string | null): Directives {
  if (header === null) return BOTH;
  let lookup = true;
  let store = true;
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    const name = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (name === "no-cache") lookup = false;
    else if (name === "no-store") store = false;
    else if (name === "max-age" && eq !== -1 && part.slice(eq + 1).trim().replace(/^"|"$/g, "") === "0") lookup = false;
  }
  return lookup && store ? BOTH : { lookup, store };
}
