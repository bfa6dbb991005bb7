// OpenAI usage ⇄ Anthropic usage and finish reasons, for answers the gateway writes in Anthropic's shape.
import type { Usage } from "../../../core/openai-types.ts";

export interface MessageUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
  cache_creation?: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

const STOP: Record<string, string> = {
  stop: "end_turn",
  length: "max_tokens",
  tool_calls: "tool_use",
  function_call: "tool_use",
  content_filter: "refusal",
};

/** OpenAI finish_reason → Anthropic stop_reason (an unknown or missing one is a normal end). */
export const stopReason = (finish: string | null | undefined): string => (finish != null ? STOP[finish] : undefined) ?? "end_turn";

const count = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) && v > 0 ? v : 0);

/**
 * OpenAI counts cached prompt tokens inside prompt_tokens; Anthropic reports cache reads and writes
 * beside input_tokens, so they are taken out of it.
 */
export function toMessageUsage(u: Usage | null | undefined): MessageUsage | undefined {
  if (!u || typeof u !== "object") return undefined;
  const read = count(u.prompt_tokens_details?.cached_tokens);
  const write = count(u.prompt_tokens_details?.cache_write_tokens);
  const out: MessageUsage = { input_tokens: Math.max(0, count(u.prompt_tokens) - read - write), output_tokens: count(u.completion_tokens) };
  out.cache_creation_input_tokens = write;
  out.cache_read_input_tokens = read;
  const long = Math.min(count(u.prompt_tokens_details?.cache_write_1h_tokens), write);
  if (long > 0) out.cache_creation = { ephemeral_5m_input_tokens: write - long, ephemeral_1h_input_tokens: long };
  return out;
}
