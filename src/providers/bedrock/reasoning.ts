import type { ChatMessage } from "../../core/openai-types.ts";
import { historyThinking } from "../shared/anthropic-messages/thinking.ts";
import type { Block } from "./converse-content.ts";

export { encryptedDetail, textDetail, thinkingBudget, type ReasoningDetail } from "../shared/anthropic-messages/thinking.ts";

// Claude extended thinking through Converse, in the same OpenAI shapes as the Anthropic path:
// - Request: `reasoning_effort` → `additionalModelRequestFields.thinking: {type: "enabled", budget_tokens}`
//   with the Anthropic codec's budgets (Claude models only; other Converse models take no such field
//   and the effort is not sent).
// - Answer: `reasoningContent.reasoningText` → `reasoning_content`, and every reasoning block with its
//   signature (or redacted bytes) → `reasoning_details` items (OpenRouter's shape, format
//   "anthropic-claude-v1"), which clients send back on assistant messages.
// - History: an assistant message's `reasoning_details` (or `reasoning_content` + `reasoning_signature`)
//   goes back as `reasoningContent` blocks opening its turn.

/** Room left for the answer when the client set no max_tokens (Converse needs maxTokens above the budget). */
const ANSWER_TOKENS = 4096;

/** Claude on Bedrock: base ids, inference profiles (`us.`, `global.`) and foundation-model ARNs. */
export function isClaude(modelId: string): boolean {
  return /(^|[.:/])anthropic\.claude/.test(modelId);
}

export interface ThinkingTarget {
  inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] };
  additionalModelRequestFields?: Record<string, unknown>;
}

/**
 * Thinking on: the budget must stay below maxTokens, so a cap at or under it (or none) gets the
 * budget added. Claude refuses temperature and top_k with thinking, and top_p below 0.95: left out.
 */
export function enableThinking(body: ThinkingTarget, budget: number, asked: number | undefined): void {
  const fields = (body.additionalModelRequestFields ??= {});
  fields.thinking = { type: "enabled", budget_tokens: budget };
  delete fields.top_k;
  const inference = (body.inferenceConfig ??= {});
  if (asked === undefined) inference.maxTokens = budget + ANSWER_TOKENS;
  else if (asked <= budget) inference.maxTokens = budget + asked;
  delete inference.temperature;
  if (typeof inference.topP === "number" && inference.topP < 0.95) delete inference.topP;
}

/**
 * With thinking on, Claude requires the assistant turn a tool result answers to open with its
 * reasoning block. A client that did not keep the reasoning cannot give it back: thinking stays off
 * for that request rather than failing it.
 */
export function toolLoopLacksThinking(messages: ReadonlyArray<{ role: string; content: Block[] }>): boolean {
  const last = messages.at(-1);
  const prev = messages.at(-2);
  if (!last || !prev || last.role !== "user" || prev.role !== "assistant") return false;
  if (last.content[0]?.toolResult === undefined) return false;
  return prev.content[0]?.reasoningContent === undefined;
}

/** Thinking off: reasoning blocks of the history are left out. */
export function stripReasoning(messages: Array<{ role: string; content: Block[] }>): void {
  for (const m of messages) {
    if (m.role === "assistant" && m.content.some((b) => b.reasoningContent !== undefined)) m.content = m.content.filter((b) => b.reasoningContent === undefined);
  }
}

/**
 * An assistant message's reasoning → reasoningContent blocks. The reading (and its 400s) is the
 * Anthropic codec's: unsigned or foreign reasoning is left out; only the block shape differs.
 */
export function historyReasoning(m: ChatMessage, at: string): Block[] {
  return historyThinking(m, at).map((block) => {
    const b = block as { type: string; thinking?: string; signature?: string; data?: string };
    return b.type === "thinking"
      ? { reasoningContent: { reasoningText: { text: b.thinking ?? "", signature: b.signature } } }
      : { reasoningContent: { redactedContent: b.data ?? "" } };
  });
}
