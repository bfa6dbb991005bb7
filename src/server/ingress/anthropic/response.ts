// A chat.completion → an Anthropic Messages answer: thinking blocks (with their signatures, from
// reasoning_details), text, tool_use blocks with parsed input; stop_reason; usage with cache counts.
import { newCompletionId } from "../../../core/ids.ts";
import type { ChatCompletion } from "../../../core/openai-types.ts";
import { stopReason, toMessageUsage } from "./usage.ts";

type Block = Record<string, unknown>;

/** A completion id → a message id that still leads back to it (`chatcmpl-abc` → `msg_abc`). */
export function messageId(id: string | undefined): string {
  const raw = typeof id === "string" && id !== "" ? id : newCompletionId();
  return raw.startsWith("msg_") ? raw : "msg_" + raw.replace(/^chatcmpl-/, "");
}

/** Tool arguments → tool_use input: a JSON object, or the raw text kept as `{"_raw": ...}` when it is not one. */
export function toolInput(args: unknown): Record<string, unknown> {
  if (typeof args !== "string" || args.trim() === "") return {};
  try {
    const v: unknown = JSON.parse(args);
    if (v !== null && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // kept raw below
  }
  return { _raw: args };
}

/** The reasoning_details format of Anthropic's signed thinking (OpenRouter's name, which the gateway's translations write). */
export const REASONING_FORMAT = "anthropic-claude-v1";

/**
 * A reasoning_details item that is Anthropic thinking (or carries no format). Another provider's
 * items (Gemini's thought signatures) cannot be Anthropic blocks: they are not written as such.
 */
export function anthropicDetail(d: unknown): d is Record<string, unknown> {
  if (typeof d !== "object" || d === null) return false;
  const format = (d as { format?: unknown }).format;
  return format === undefined || format === null || format === REASONING_FORMAT;
}

function thinkingBlocks(message: Record<string, unknown>): Block[] {
  const out: Block[] = [];
  const details = message.reasoning_details;
  if (Array.isArray(details) && details.length > 0) {
    for (const d of details) {
      if (!anthropicDetail(d)) continue;
      if (d.type === "reasoning.text" && typeof d.text === "string") {
        out.push({ type: "thinking", thinking: d.text, signature: typeof d.signature === "string" ? d.signature : "" });
      } else if (d.type === "reasoning.encrypted" && typeof d.data === "string") {
        out.push({ type: "redacted_thinking", data: d.data });
      }
    }
    if (out.length > 0) return out;
  }
  const text = message.reasoning_content;
  // Reasoning from a provider that signs nothing: a thinking block with an empty signature.
  if (typeof text === "string" && text !== "") out.push({ type: "thinking", thinking: text, signature: typeof message.reasoning_signature === "string" ? message.reasoning_signature : "" });
  return out;
}

export function toAnthropicMessage(completion: ChatCompletion, requestModel: string): Record<string, unknown> {
  const choice = completion.choices?.[0];
  const message = (choice?.message ?? { role: "assistant", content: null }) as ChatCompletion["choices"][number]["message"];
  const content: Block[] = thinkingBlocks(message);
  if (typeof message.content === "string" && message.content !== "") content.push({ type: "text", text: message.content });
  else if (typeof message.refusal === "string" && message.refusal !== "") content.push({ type: "text", text: message.refusal });
  for (const call of message.tool_calls ?? []) {
    content.push({ type: "tool_use", id: call.id, name: call.function?.name ?? "", input: toolInput(call.function?.arguments) });
  }
  const usage = toMessageUsage(completion.usage) ?? { input_tokens: 0, output_tokens: 0 };
  return {
    id: messageId(completion.id), type: "message", role: "assistant", model: completion.model || requestModel, content,
    stop_reason: stopReason(choice?.finish_reason), stop_sequence: null, usage,
  };
}
