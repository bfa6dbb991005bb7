import { newCompletionId, nowSeconds } from "../../../core/ids.ts";
import type { ChatCompletion, FinishReason, ToolCall, Usage } from "../../../core/openai-types.ts";
import { toolCallIdFor } from "./tool-call-id.ts";
import type { Candidate, GenerateContentResponse, Part, UsageMetadata } from "./wire.ts";

const CONTENT_FILTER = new Set([
  "SAFETY", "RECITATION", "LANGUAGE", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII",
  "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION",
]);

/** Gemini has no tool-call finish reason: STOP with a functionCall part means the model called tools. */
export function mapFinishReason(reason: string, sawFunctionCall: boolean): FinishReason {
  if (reason === "MAX_TOKENS") return "length";
  if (CONTENT_FILTER.has(reason)) return "content_filter";
  return sawFunctionCall ? "tool_calls" : "stop";
}

/**
 * usageMetadata → OpenAI usage (providers README §4.3). Proto3 JSON omits zero counts, so an absent
 * count inside a present usageMetadata means 0; a usageMetadata with no counts at all (Vertex's early
 * stream chunks carry only `trafficType`) is no usage.
 */
export function mapUsage(meta: UsageMetadata | undefined): Usage | undefined {
  if (!meta || (meta.promptTokenCount === undefined && meta.totalTokenCount === undefined && meta.candidatesTokenCount === undefined)) return undefined;
  const prompt = (meta.promptTokenCount ?? 0) + (meta.toolUsePromptTokenCount ?? 0);
  const completion = (meta.candidatesTokenCount ?? 0) + (meta.thoughtsTokenCount ?? 0);
  const usage: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: meta.totalTokenCount ?? prompt + completion };
  // Gemini counts cached tokens inside promptTokenCount, as OpenAI does: nothing to add back.
  if (meta.cachedContentTokenCount !== undefined) usage.prompt_tokens_details = { cached_tokens: meta.cachedContentTokenCount };
  if (meta.thoughtsTokenCount !== undefined) usage.completion_tokens_details = { reasoning_tokens: meta.thoughtsTokenCount };
  return usage;
}

export function completionId(response: GenerateContentResponse): string {
  return response.responseId ? `chatcmpl-${response.responseId}` : newCompletionId();
}

/** Vertex stamps `createTime`; the Gemini API gives no time, so it is now. */
export function createdOf(response: GenerateContentResponse): number {
  const t = response.createTime ? Date.parse(response.createTime) : NaN;
  return Number.isFinite(t) ? Math.floor(t / 1000) : nowSeconds();
}

export function toolCallOf(part: Part): ToolCall | undefined {
  if (!part.functionCall) return undefined;
  return {
    id: toolCallIdFor(part.thoughtSignature),
    type: "function",
    function: { name: part.functionCall.name, arguments: JSON.stringify(part.functionCall.args ?? {}) },
  };
}

/** Visible text of a part: reasoning (`thought: true`) parts are not part of the answer. */
export const textOf = (part: Part): string | undefined => (part.thought ? undefined : part.text);

function toChoice(candidate: Candidate, position: number): ChatCompletion["choices"][number] {
  let text: string | undefined;
  const toolCalls: ToolCall[] = [];
  for (const part of candidate.content?.parts ?? []) {
    const t = textOf(part);
    if (t !== undefined) text = (text ?? "") + t;
    const call = toolCallOf(part);
    if (call) toolCalls.push(call);
  }
  const message: ChatCompletion["choices"][number]["message"] = { role: "assistant", content: text ?? null, refusal: null };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return {
    index: candidate.index ?? position,
    message,
    logprobs: null,
    finish_reason: mapFinishReason(candidate.finishReason ?? "STOP", toolCalls.length > 0),
  };
}

export function toChatCompletion(response: GenerateContentResponse, model: string): ChatCompletion {
  const candidates = response.candidates ?? [];
  const choices = candidates.map(toChoice);
  // A blocked prompt has no candidates at all, only promptFeedback.blockReason.
  if (choices.length === 0) {
    choices.push({ index: 0, message: { role: "assistant", content: null, refusal: null }, logprobs: null, finish_reason: response.promptFeedback?.blockReason ? "content_filter" : "stop" });
  }
  const completion: ChatCompletion = {
    id: completionId(response),
    object: "chat.completion",
    created: createdOf(response),
    model: response.modelVersion ?? model,
    choices,
  };
  const usage = mapUsage(response.usageMetadata);
  if (usage) completion.usage = usage;
  return completion;
}
