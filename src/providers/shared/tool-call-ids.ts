// Tool-call ids a provider does not accept, rewritten in one place. A history that came from another
// provider carries that provider's ids (`call_…` from OpenAI, `toolu_…` from Anthropic, Gemini's long
// synthesised ids); a provider with a stricter format (Mistral: exactly 9 alphanumerics) rejects them.
//
// The rule: an id the provider accepts is sent as it is; any other id is replaced by a hash of it in
// the provider's format. The hash is deterministic, so an assistant's `tool_calls[].id` and the
// matching tool message's `tool_call_id` get the same new id without any state, in this request and
// in every later one that repeats the history. The client's messages are copied, never changed.

type Message = Record<string, unknown>;

export interface ToolCallIdFormat {
  /** The ids the provider takes as they are. */
  readonly accepts: RegExp;
  /** The id sent instead of a foreign one. */
  rewrite(id: string): string;
}

const BASE62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** A 53-bit hash of a string (cyrb53): stable across runs and processes, no crypto needed. */
function hash53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** `length` base-62 characters derived from `id` (62^9 > 2^53, so 9 characters hold the whole hash). */
export function hashedId(id: string, length: number): string {
  let n = hash53(id);
  let out = "";
  for (let i = 0; i < length; i++) {
    out += BASE62[n % 62];
    n = Math.floor(n / 62);
  }
  return out;
}

/** Mistral generates and requires ids of exactly 9 characters from [a-zA-Z0-9]. */
export const MISTRAL_TOOL_CALL_IDS: ToolCallIdFormat = {
  accepts: /^[a-zA-Z0-9]{9}$/,
  rewrite: (id) => hashedId(id, 9),
};

/** Up to `max` characters: the id with characters outside [a-zA-Z0-9_-] made `_`, cut short, and a hash of the whole id. */
function safeId(id: string, max: number): string {
  return `${id.replace(/[^a-zA-Z0-9_-]/g, "_").slice(0, max - 10)}_${hashedId(id, 9)}`;
}

/** Anthropic's tool_use ids (direct and on Vertex): [a-zA-Z0-9_-]+. Kimi-style `functions.get_weather:0` is not. */
export const ANTHROPIC_TOOL_CALL_IDS: ToolCallIdFormat = {
  accepts: /^[a-zA-Z0-9_-]+$/,
  rewrite: (id) => safeId(id, 64),
};

/** Bedrock Converse toolUseId: 1 to 64 of [a-zA-Z0-9_-] (a Gemini id carrying a thought signature is longer). */
export const BEDROCK_TOOL_CALL_IDS: ToolCallIdFormat = {
  accepts: /^[a-zA-Z0-9_-]{1,64}$/,
  rewrite: (id) => safeId(id, 64),
};

/**
 * The messages with every id the format does not accept rewritten; the same array when none needs
 * it (no copy for a history without foreign ids).
 */
export function rewriteToolCallIds<M extends object>(messages: readonly M[], format: ToolCallIdFormat): readonly M[] {
  let out: M[] | undefined;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as Message;
    let next = m;
    const calls = m.tool_calls;
    if (Array.isArray(calls)) {
      let copied: unknown[] | undefined;
      for (let j = 0; j < calls.length; j++) {
        const call = calls[j] as Message | null;
        const id = call?.id;
        if (typeof id !== "string" || format.accepts.test(id)) continue;
        copied ??= [...calls];
        copied[j] = { ...call, id: format.rewrite(id) };
      }
      if (copied) next = { ...next, tool_calls: copied };
    }
    const ref = m.tool_call_id;
    if (typeof ref === "string" && !format.accepts.test(ref)) next = { ...next, tool_call_id: format.rewrite(ref) };
    if (next !== m) {
      out ??= messages.slice();
      out[i] = next as M;
    }
  }
  return out ?? messages;
}
