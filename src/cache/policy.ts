// What may be answered from the cache: only what the same request would answer again.
import { RESPONSES_SIDE, type ResponsesRequest } from "../engine/operations.ts";

/**
 * Whether an answer to `request` may be cached. `operation` is `<ingress>:<engine operation>`.
 * - Streams never: a stream's answer is bytes over time, not one text to replay.
 * - Embeddings always: the same input embeds the same.
 * - Chat, Messages and Responses only with an explicit `temperature: 0`; a request without one is
 *   sampled (Anthropic's and Responses' default temperature is 1, OpenAI's too). `seed`, `n`, tools
 *   and every other field are part of the key, so `n: 3` at temperature 0 is cached as its own entry.
 * - Responses only with `store: false`: a stored response has an id a client may continue or
 *   delete; a hit would hand two clients the same id, and one's DELETE would break the other's
 *   conversation.
 * - count_tokens never: the upstream count is free and the local estimate costs less than a lookup.
 */
export function cacheable(operation: string, req: object): boolean {
  const request = req as { stream?: unknown; temperature?: unknown };
  if (request.stream === true) return false;
  switch (operation) {
    case "openai:embeddings":
      return true;
    case "openai:chat":
    case "anthropic:chat":
      return request.temperature === 0;
    case "responses:chat": {
      // The client's own body decides (a native target gets it; an untranslatable one has no internal temperature).
      const body = (request as ResponsesRequest)[RESPONSES_SIDE]?.native.body;
      return body !== undefined && body.store === false && body.temperature === 0 && request.temperature === 0;
    }
    default:
      return false;
  }
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
