import { newToolCallId } from "../../../core/ids.ts";

// Gemini gives function calls no id, and thinking models attach a `thoughtSignature` to a functionCall part
// that must come back on that same part in the next request (or the request is rejected / reasoning is lost).
// OpenAI clients rebuild the assistant turn from their own types and drop unknown fields, but every client
// echoes the tool-call id. So the signature travels inside the id we synthesise:
//
//   call_<24 random alphanumerics>                      no signature
//   call_<24 random alphanumerics>__ts_<base64url sig>  with a signature
//
// base64url without padding keeps the id within [A-Za-z0-9_-], which Anthropic and Bedrock also accept, so a
// conversation can fail over to another provider. A tool call that carries Google's OpenAI-compatibility field
// `extra_content.google.thought_signature` is honoured too.

const MARKER = "__ts_";

export function toolCallIdFor(thoughtSignature: string | undefined): string {
  const id = newToolCallId();
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
