// A stream the client cancelled before the provider reported usage still cost something: priced
// from an estimate (marked as one in the log) rather than 0, so spend is not under-counted.
import type { Usage } from "../core/openai-types.ts";

/** About four bytes of JSON text per token (English prose and chat framing). */
const BYTES_PER_TOKEN = 4;

/**
 * Input: the request body's size at ~4 bytes a token (messages, system prompt and tools are all
 * input), read without a tokenizer and without keeping the request for the stream's life; output:
 * one token per streamed chunk, which is how providers stream text.
 */
export function estimateUsage(bodyBytes: number, chunks: number): Usage {
  const prompt = Math.ceil(Math.max(0, bodyBytes) / BYTES_PER_TOKEN);
  const completion = Math.max(0, Math.floor(chunks));
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}
