import { newToolCallId } from "../../../core/ids.ts";

// Newer Gemini models give a function call an `id`; older ones give none. Thinking models attach a
// `thoughtSignature` to a functionCall part that must come back on that same part in the next request
// (or the request is rejected / reasoning is lost). OpenAI clients rebuild the assistant turn from their
// own types and drop unknown fields, but every client echoes the tool-call id. So the id carries both:
//
//   <gemini id>                                       Gemini's own id, when it gave one (and it is id-safe)
//   call_<24 random alphanumerics>                    no id from Gemini: one is synthesised
//   <either of the above>__ts_<base64url signature>   with a signature
//
// base64url without padding keeps the id within [A-Za-z0-9_-], which Anthropic and Bedrock also accept, so a
// conversation can fail over to another provider. A tool call that carries Google's OpenAI-compatibility field
// `extra_content.google.thought_signature` is honoured too. On the way back, the part before `__ts_` goes to
// Gemini as `functionCall.id` / `functionResponse.id` unless it is one Butter synthesised (Gemini never saw it).

const MARKER = "__ts_";
const SAFE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const SYNTHESISED = /^call_[A-Za-z0-9]{24}$/;

export function toolCallIdFor(thoughtSignature: string | undefined, geminiId?: string): string {
  const id = geminiId !== undefined && SAFE_ID.test(geminiId) && !geminiId.includes(MARKER) ? geminiId : newToolCallId();
  if (!thoughtSignature) return id;
  return id + MARKER + thoughtSignature.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The thoughtSignature carried by a tool call (its id, or Google's extra_content field), in standard base64. */
export function thoughtSignatureOf(toolCall: { id?: unknown; extra_content?: unknown }): string | undefined {
  const extra = (toolCall.extra_content as { google?: { thought_signature?: unknown } } | undefined)?.google?.thought_signature;
  if (typeof extra === "string" && extra !== "") return extra;
  if (typeof toolCall.id !== "string") return undefined;
  const at = toolCall.id.indexOf(MARKER);
  if (at === -1) return undefined;
  const b64url = toolCall.id.slice(at + MARKER.length);
  if (b64url === "") return undefined;
  const b64 = b64url.replace(/-/g, "+").replace(/_/g, "/");
  return b64 + "=".repeat((4 - (b64.length % 4)) % 4);
}

/**
 * The id to send Gemini as `functionCall.id` / `functionResponse.id` for a tool-call id: the part before any
 * signature, unless Butter synthesised it. Ids from other providers (a failed-over conversation) go too:
 * the call and its response carry the same one, which is all Gemini matches on.
 */
export function geminiCallIdOf(toolCallId: unknown): string | undefined {
  if (typeof toolCallId !== "string") return undefined;
  const at = toolCallId.indexOf(MARKER);
  const id = at === -1 ? toolCallId : toolCallId.slice(0, at);
  return SAFE_ID.test(id) && !SYNTHESISED.test(id) ? id : undefined;
}
