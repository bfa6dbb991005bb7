import { newCompletionId, nowSeconds } from "../../../core/ids.ts";
import type { ChatCompletion, FinishReason, ToolCall, Usage } from "../../../core/openai-types.ts";
import { toolCallIdFor } from "./tool-call-id.ts";
import type { Candidate, GenerateContentResponse, LogprobsResult, Part, UsageMetadata } from "./wire.ts";

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
  // Gemini counts cached tokens inside promptTokenCount, as OpenAI does: nothing to add back. Always
  // reported (an absent count is 0), as OpenAI and the gateway's Anthropic and Bedrock paths report it.
  usage.prompt_tokens_details = { cached_tokens: meta.cachedContentTokenCount ?? 0 };
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
  // Upstream fields are not trusted to have their documented types: a wrong one is ignored, never a crash.
  const signature = typeof part.thoughtSignature === "string" ? part.thoughtSignature : undefined;
  const id = typeof part.functionCall.id === "string" ? part.functionCall.id : undefined;
  return {
    id: toolCallIdFor(signature, id),
    type: "function",
    function: { name: part.functionCall.name, arguments: JSON.stringify(part.functionCall.args ?? {}) },
  };
}

/** What one candidate's parts (a whole answer, or one stream event's worth) say, OpenAI-side. */
export interface PartsRead {
  /** Visible text, when any text part was there. */
  text?: string;
  /** Thought summaries (`thought: true` parts): reasoning, not content. */
  reasoning?: string;
  /** The last signature on a non-function-call part (Gemini 3 signs text too): sent back on the text. */
  signature?: string;
  calls: ToolCall[];
}

export function readParts(parts: readonly Part[] | undefined): PartsRead {
  const out: PartsRead = { calls: [] };
  if (!parts) return out;
  for (const part of parts) {
    const call = toolCallOf(part);
    if (call) {
      out.calls.push(call);
      continue;
    }
    if (typeof part.thoughtSignature === "string" && part.thoughtSignature !== "") out.signature = part.thoughtSignature;
    if (typeof part.text !== "string") continue;
    if (part.thought === true) out.reasoning = (out.reasoning ?? "") + part.text;
    else out.text = (out.text ?? "") + part.text;
  }
  return out;
}

/** Google's OpenAI-compatibility field for a thought signature, on the message (or delta) it belongs to. */
export const signatureField = (signature: string) => ({ google: { thought_signature: signature } });

/**
 * The `format` of the reasoning_details items written for Gemini (OpenRouter's name for Gemini's). The
 * gateway's Anthropic and Bedrock paths write their signed reasoning in OpenRouter's reasoning_details shape
 * too, and skip items of another format, so a conversation that moves between providers stays valid.
 */
export const GEMINI_REASONING_FORMAT = "google-gemini-v1";

/** A text part's signature, as the two fields a client may keep: Google's extra_content and reasoning_details. */
export function signatureFields(signature: string): { extra_content: ReturnType<typeof signatureField>; reasoning_details: Array<{ type: "reasoning.encrypted"; data: string; format: string }> } {
  return { extra_content: signatureField(signature), reasoning_details: [{ type: "reasoning.encrypted", data: signature, format: GEMINI_REASONING_FORMAT }] };
}

export interface TokenLogprob { token: string; logprob: number; bytes: number[] | null }
export interface ChoiceLogprobs { content: Array<TokenLogprob & { top_logprobs: TokenLogprob[] }>; refusal: null }

const utf8 = new TextEncoder();
const tokenLogprob = (c: { token?: string; logProbability?: number } | undefined): TokenLogprob => {
  const token = typeof c?.token === "string" ? c.token : "";
  return { token, logprob: typeof c?.logProbability === "number" ? c.logProbability : 0, bytes: Array.from(utf8.encode(token)) };
};

/** `logprobsResult` → OpenAI `logprobs.content` (chosen token per position, its top alternatives beside it). */
export function mapLogprobs(result: LogprobsResult | undefined): ChoiceLogprobs | null {
  const chosen = result?.chosenCandidates;
  if (!Array.isArray(chosen)) return null;
  const top = Array.isArray(result!.topCandidates) ? result!.topCandidates : [];
  return {
    content: chosen.map((c, i) => {
      const alternatives = top[i]?.candidates;
      return { ...tokenLogprob(c), top_logprobs: Array.isArray(alternatives) ? alternatives.map(tokenLogprob) : [] };
    }),
    refusal: null,
  };
}

function toChoice(candidate: Candidate, position: number): ChatCompletion["choices"][number] {
  const read = readParts(candidate.content?.parts);
  const message: ChatCompletion["choices"][number]["message"] = { role: "assistant", content: read.text ?? null, refusal: null };
  if (read.reasoning !== undefined) message.reasoning_content = read.reasoning;
  if (read.calls.length > 0) message.tool_calls = read.calls;
  if (read.signature !== undefined) Object.assign(message, signatureFields(read.signature));
  return {
    index: candidate.index ?? position,
    message,
    logprobs: mapLogprobs(candidate.logprobsResult),
    finish_reason: mapFinishReason(candidate.finishReason ?? "STOP", read.calls.length > 0),
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
