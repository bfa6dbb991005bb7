import { errors } from "../../../core/errors.ts";
import { newCompletionId, nowSeconds } from "../../../core/ids.ts";
import type { ChatCompletion, FinishReason, ToolCall } from "../../../core/openai-types.ts";
import { encryptedDetail, textDetail, type ReasoningDetail } from "./thinking.ts";
import { finishReason, toOpenAIUsage } from "./usage.ts";
import type { AnthropicResponse, AnthropicToolUseBlock } from "./wire-types.ts";

export interface AnthropicResponseOptions {
  /** The provider block name, for error messages. */
  provider: string;
  /** The model asked for; used when the answer does not name one. */
  model?: string;
  /** From AnthropicCall.jsonTool: the forced JSON-mode tool whose input is the content. */
  jsonTool?: string;
  /** Clock for `created` (Anthropic gives none). */
  now?: () => number;
}

/** Anthropic message ids become OpenAI-looking ids that still lead back to the upstream request. */
export const completionId = (messageId: string): string => "chatcmpl-" + messageId.replace(/^msg_/, "");

/** Anthropic Messages response → OpenAI chat.completion. Throws a 502 for a body of the wrong shape. */
export function fromAnthropicResponse(json: unknown, opts: AnthropicResponseOptions): ChatCompletion {
  const msg = json as AnthropicResponse;
  if (!msg || typeof msg !== "object" || !Array.isArray(msg.content)) {
    throw errors.upstreamBadResponse(opts.provider, "the message has no `content` array");
  }
  if (!msg.content.every((b) => typeof b === "object" && b !== null)) {
    throw errors.upstreamBadResponse(opts.provider, "the message's `content` holds something other than blocks");
  }
  let text = "";
  let hasText = false;
  let reasoning: string | undefined;
  let details: ReasoningDetail[] | undefined;
  let jsonContent: string | undefined;
  const toolCalls: ToolCall[] = [];
  for (const block of msg.content) {
    if (block.type === "text" && typeof block.text === "string") {
      text += block.text;
      hasText = true;
    } else if (block.type === "tool_use") {
      const use = block as AnthropicToolUseBlock;
      const args = JSON.stringify(use.input ?? {});
      if (opts.jsonTool !== undefined && use.name === opts.jsonTool) jsonContent = args;
      else toolCalls.push({ id: use.id, type: "function", function: { name: use.name, arguments: args } });
    } else if (block.type === "thinking" && typeof block.thinking === "string") {
      reasoning = (reasoning ?? "") + block.thinking;
      (details ??= []).push(textDetail(block.thinking, typeof block.signature === "string" ? block.signature : undefined));
    } else if (block.type === "redacted_thinking" && typeof block.data === "string") {
      (details ??= []).push(encryptedDetail(block.data));
    }
  }
  let finish: FinishReason | null = finishReason(msg.stop_reason);
  // In JSON mode the forced tool's input is the answer; any preamble text would make it invalid JSON.
  const content = jsonContent ?? (hasText ? text : null);
  if (jsonContent !== undefined && toolCalls.length === 0 && finish === "tool_calls") finish = "stop";
  const message: ChatCompletion["choices"][number]["message"] = { role: "assistant", content, refusal: null };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (reasoning !== undefined) message.reasoning_content = reasoning;
  // Every block with its signature, in order: what a client sends back to continue the conversation.
  if (details !== undefined) message.reasoning_details = details;
  const out: ChatCompletion = {
    id: typeof msg.id === "string" ? completionId(msg.id) : newCompletionId(),
    object: "chat.completion",
    created: (opts.now ?? nowSeconds)(),
    model: typeof msg.model === "string" ? msg.model : opts.model ?? "",
    choices: [{ index: 0, message, logprobs: null, finish_reason: finish }],
  };
  const usage = toOpenAIUsage(msg.usage);
  if (usage) out.usage = usage;
  return out;
}
