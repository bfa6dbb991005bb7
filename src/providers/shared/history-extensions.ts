import type { ChatMessage } from "../../core/openai-types.ts";

/**
 * Fields other providers' answers add to an assistant message and that a client sends back in its
 * history: reasoning (`reasoning_content`, `reasoning_details`, `reasoning_signature`) and Google's
 * `extra_content`. OpenAI and most OpenAI-format providers refuse unknown message fields, so a
 * conversation begun elsewhere must not carry them there; a provider that understands some of them
 * says which (`keep`).
 */
const EXTENSIONS = ["reasoning_content", "reasoning_details", "reasoning_signature", "extra_content"] as const;

export type HistoryExtension = (typeof EXTENSIONS)[number];

/** The messages without the extension fields the provider does not take; the same array when none is there. */
export function withoutForeignExtensions(messages: readonly ChatMessage[], keep: ReadonlySet<HistoryExtension> | undefined): readonly ChatMessage[] {
  let out: ChatMessage[] | undefined;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as ChatMessage & Record<string, unknown>;
    if (m.role !== "assistant") continue;
    let copy: (ChatMessage & Record<string, unknown>) | undefined;
    for (const field of EXTENSIONS) {
      if (m[field] === undefined || keep?.has(field)) continue;
      copy ??= { ...m };
      delete copy[field];
    }
    if (copy === undefined) continue;
    out ??= messages.slice();
    out[i] = copy;
  }
  return out ?? messages;
}
