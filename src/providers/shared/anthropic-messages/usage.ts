import type { FinishReason, Usage } from "../../../core/openai-types.ts";
import type { AnthropicUsage } from "./wire-types.ts";

const FINISH: Record<string, FinishReason> = {
  end_turn: "stop",
  stop_sequence: "stop",
  pause_turn: "stop",
  max_tokens: "length",
  model_context_window_exceeded: "length",
  tool_use: "tool_calls",
  refusal: "content_filter",
};

/** Anthropic stop_reason → OpenAI finish_reason; an unknown reason is still a normal end. */
export function finishReason(stopReason: string | null | undefined): FinishReason | null {
  if (stopReason == null) return null;
  return FINISH[stopReason] ?? "stop";
}

const count = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/**
 * OpenAI counts cached prompt tokens inside prompt_tokens; Anthropic reports cache reads and writes
 * apart from input_tokens, so they are added back. Returns undefined when the counts the sum needs
 * are absent (a usage we cannot state is better left out than reported as zero).
 */
export function toOpenAIUsage(u: AnthropicUsage | undefined): Usage | undefined {
  if (!u) return undefined;
  const input = count(u.input_tokens);
  const output = count(u.output_tokens);
  if (input === undefined || output === undefined) return undefined;
  const read = count(u.cache_read_input_tokens);
  const write = count(u.cache_creation_input_tokens);
  // Absent cache fields mean the request used no cache: zero is the true value there.
  const prompt = input + (read ?? 0) + (write ?? 0);
  const details: NonNullable<Usage["prompt_tokens_details"]> = { cached_tokens: read ?? 0 };
  if (write !== undefined) details.cache_write_tokens = write;
  const writeLong = count(u.cache_creation?.ephemeral_1h_input_tokens);
  if (write !== undefined && writeLong !== undefined && writeLong > 0) details.cache_write_1h_tokens = Math.min(writeLong, write);
  return { prompt_tokens: prompt, completion_tokens: output, total_tokens: prompt + output, prompt_tokens_details: details };
}

/** Stream usage: message_start has input and cache counts, message_delta the cumulative output (and newer APIs repeat input). */
export function mergeUsage(into: AnthropicUsage, from: AnthropicUsage | undefined): void {
  if (!from) return;
  for (const key of ["input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"] as const) {
    const v = count(from[key]);
    if (v !== undefined) into[key] = v;
  }
  if (typeof from.cache_creation === "object" && from.cache_creation !== null) into.cache_creation = from.cache_creation;
}
