// A stream the client cancelled before the provider reported usage still cost something: priced
// from an estimate (marked as one in the log) rather than 0, so spend is not under-counted.
import type { Usage } from "../core/openai-types.ts";

/** About four bytes of JSON text per token (English prose and chat framing). */
const BYTES_PER_TOKEN = 4;

/**
 * Input: the request's messages (or the whole request when it has none) at ~4 bytes a token, read
 * cheaply without a tokenizer; output: one token per streamed chunk, which is how providers stream text.
 */
export function estimateUsage(request: object, chunks: number): Usage {
  const messages = (request as { messages?: unknown }).messages;
  const text = JSON.stringify(messages ?? request) ?? "";
  const prompt = Math.ceil(Buffer.byteLength(text) / BYTES_PER_TOKEN);
  const completion = Math.max(0, Math.floor(chunks));
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}
