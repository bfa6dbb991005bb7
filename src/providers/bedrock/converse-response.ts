import type { ChatCompletion, FinishReason, ToolCall, Usage } from "../../core/openai-types.ts";
import { JSON_TOOL } from "./json-mode.ts";
import { encryptedDetail, textDetail, type ReasoningDetail } from "./reasoning.ts";

// Bedrock ConverseResponse → OpenAI chat.completion (providers README §3.3). Shared by the stream mapper.

const STOP_REASONS: Record<string, FinishReason> = {
  end_turn: "stop",
  stop_sequence: "stop",
  max_tokens: "length",
  model_context_window_exceeded: "length",
  tool_use: "tool_calls",
  guardrail_intervened: "content_filter",
  content_filtered: "content_filter",
};

export function mapStopReason(reason: unknown): FinishReason {
  return (typeof reason === "string" ? STOP_REASONS[reason] : undefined) ?? "stop";
}

/** In JSON mode the forced tool call is the answer, not a call for the client to make. */
export function finishReason(reason: unknown, jsonTool: boolean): FinishReason {
  return jsonTool && reason === "tool_use" ? "stop" : mapStopReason(reason);
}

export interface TokenUsage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/**
 * Bedrock's inputTokens excludes cache reads and writes; OpenAI's prompt_tokens includes them.
 * `prompt_tokens_details.cached_tokens` is the cache reads, as OpenAI and the Anthropic path report
 * it: always present, 0 when Bedrock reports no cache fields (a request that used no cache read
 * none). `cache_write_tokens` appears only when Bedrock reported writes.
 */
export function mapUsage(u: TokenUsage | undefined): Usage | undefined {
  if (!u || typeof u !== "object") return undefined;
  const input = num(u.inputTokens);
  const output = num(u.outputTokens);
  if (input === undefined && output === undefined) return undefined;
  const cacheRead = num(u.cacheReadInputTokens);
  const cacheWrite = num(u.cacheWriteInputTokens);
  const prompt = (input ?? 0) + (cacheRead ?? 0) + (cacheWrite ?? 0);
  const completion = output ?? 0;
  const usage: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: num(u.totalTokens) ?? prompt + completion };
  usage.prompt_tokens_details = cacheWrite === undefined ? { cached_tokens: cacheRead ?? 0 } : { cached_tokens: cacheRead ?? 0, cache_write_tokens: cacheWrite };
  return usage;
}

interface ContentBlock {
  text?: string;
  toolUse?: { toolUseId?: string; name?: string; input?: unknown };
  reasoningContent?: { reasoningText?: { text?: string; signature?: string }; redactedContent?: string };
}

export interface ConverseResponse {
  output?: { message?: { role?: string; content?: ContentBlock[] } };
  stopReason?: string;
  usage?: TokenUsage;
}

export function isConverseResponse(json: unknown): json is ConverseResponse {
  const j = json as ConverseResponse | null;
  if (!j || typeof j !== "object" || typeof j.output !== "object" || j.output === null) return false;
  const message = j.output.message;
  return typeof message === "object" && message !== null && Array.isArray(message.content)
    && message.content.every((b) => typeof b === "object" && b !== null);
}

export function fromConverse(json: ConverseResponse, meta: { id: string; created: number; model: string; jsonTool: boolean }): ChatCompletion {
  let text: string | null = null;
  let reasoning: string | undefined;
  let details: ReasoningDetail[] | undefined;
  const toolCalls: ToolCall[] = [];
  for (const block of json.output!.message!.content!) {
    if (typeof block.text === "string") text = (text ?? "") + block.text;
    else if (block.toolUse && meta.jsonTool && block.toolUse.name === JSON_TOOL) {
      // JSON mode: the forced tool's input is the answer.
      text = (text ?? "") + JSON.stringify(block.toolUse.input ?? {});
    } else if (block.toolUse) {
      toolCalls.push({
        id: block.toolUse.toolUseId ?? "",
        type: "function",
        function: { name: block.toolUse.name ?? "", arguments: JSON.stringify(block.toolUse.input ?? {}) },
      });
    } else if (block.reasoningContent) {
      const r = block.reasoningContent;
      if (typeof r.reasoningText?.text === "string") {
        reasoning = (reasoning ?? "") + r.reasoningText.text;
        (details ??= []).push(textDetail(r.reasoningText.text, typeof r.reasoningText.signature === "string" ? r.reasoningText.signature : undefined));
      } else if (typeof r.redactedContent === "string") {
        (details ??= []).push(encryptedDetail(r.redactedContent));
      }
    }
  }
  const message: ChatCompletion["choices"][number]["message"] = { role: "assistant", content: text, refusal: null };
  if (reasoning !== undefined) message.reasoning_content = reasoning;
  // Every block with its signature, in order: what a client sends back to continue the conversation.
  if (details !== undefined) message.reasoning_details = details;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  const completion: ChatCompletion = {
    id: meta.id,
    object: "chat.completion",
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason(json.stopReason, meta.jsonTool) }],
  };
  const usage = mapUsage(json.usage);
  if (usage) completion.usage = usage;
  return completion;
}
