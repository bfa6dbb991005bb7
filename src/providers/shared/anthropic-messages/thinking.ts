import { errors } from "../../../core/errors.ts";
import type { ChatMessage } from "../../../core/openai-types.ts";
import type { AnthropicBlock, AnthropicMessage, AnthropicRequest } from "./wire-types.ts";

// Extended thinking through an OpenAI-shaped conversation.
// - Request: `reasoning_effort` → `thinking: {type: "enabled", budget_tokens}`.
// - Answer: thinking text → `reasoning_content` (message and `delta.reasoning_content`); every
//   thinking block, with its signature, and every redacted block → `reasoning_details` items in
//   OpenRouter's shape, which clients already send back on assistant messages.
// - History: an assistant message's `reasoning_details` (or `reasoning_content` plus
//   `reasoning_signature`, for one block) goes back as thinking blocks before its text and tool_use.

/** The `format` of the reasoning_details items this codec writes (the name OpenRouter uses for Claude's). */
export const REASONING_FORMAT = "anthropic-claude-v1";

/** One reasoning_details item. */
export type ReasoningDetail =
  | { type: "reasoning.text"; text: string; signature?: string; format: string }
  | { type: "reasoning.encrypted"; data: string; format: string };

/** budget_tokens per reasoning_effort. 1024 is Anthropic's minimum; "none" asks for no thinking. */
const BUDGET: Record<string, number> = { minimal: 1024, low: 2048, medium: 8192, high: 24576 };

/** The thinking budget a request asks for, undefined for none; an unknown effort is a 400. */
export function thinkingBudget(effort: unknown): number | undefined {
  if (effort === undefined || effort === null || effort === "none") return undefined;
  const budget = typeof effort === "string" ? BUDGET[effort] : undefined;
  if (budget === undefined) throw errors.invalidRequest("`reasoning_effort` must be one of none, minimal, low, medium, high.", "reasoning_effort");
  return budget;
}

/**
 * Turns thinking on: the budget must stay below max_tokens, so a cap at or under the budget (or
 * none) gets the budget added, leaving the answer its room. Anthropic refuses temperature and
 * top_k with thinking, and top_p below 0.95: those are left out.
 */
export function enableThinking(body: AnthropicRequest, budget: number, asked: number | undefined, fallback: number): void {
  body.thinking = { type: "enabled", budget_tokens: budget };
  if (asked === undefined) body.max_tokens = budget + fallback;
  else if (asked <= budget) body.max_tokens = budget + asked;
  delete body.temperature;
  delete body.top_k;
  if (typeof body.top_p === "number" && body.top_p < 0.95) delete body.top_p;
}

/**
 * Whether the conversation rules thinking out. With thinking on, Anthropic requires the assistant
 * turn a tool result answers to start with its thinking block (a client that did not keep the
 * reasoning cannot give it back), and refuses a prefilled (final) assistant turn. Thinking stays
 * off for such a request rather than failing it.
 */
export function thinkingRuledOut(messages: readonly AnthropicMessage[]): boolean {
  const last = messages.at(-1);
  if (last?.role === "assistant") return true;
  const prev = messages.at(-2);
  if (!last || !prev || last.role !== "user" || prev.role !== "assistant" || typeof last.content === "string") return false;
  if (last.content[0]?.type !== "tool_result" || typeof prev.content === "string") return false;
  const first = prev.content[0]?.type;
  return first !== "thinking" && first !== "redacted_thinking";
}

/** Thinking off: history thinking blocks are left out (Anthropic allows omitting them). */
export function stripThinking(messages: AnthropicMessage[]): void {
  for (const m of messages) {
    if (m.role !== "assistant" || typeof m.content === "string") continue;
    if (m.content.some(isThinking)) m.content = m.content.filter((b) => !isThinking(b));
  }
}

const isThinking = (b: AnthropicBlock): boolean => b.type === "thinking" || b.type === "redacted_thinking";

const bad = (what: string, param: string) => errors.invalidRequest(`Invalid ${what}.`, param);

/** An assistant message's reasoning → thinking / redacted_thinking blocks (unsigned or foreign reasoning is left out). */
export function historyThinking(m: ChatMessage, at: string): AnthropicBlock[] {
  const details = m.reasoning_details;
  if (details !== undefined && details !== null) {
    if (!Array.isArray(details)) throw bad("`reasoning_details`: expected an array", `${at}.reasoning_details`);
    const out: AnthropicBlock[] = [];
    for (let j = 0; j < details.length; j++) {
      const param = `${at}.reasoning_details[${j}]`;
      const d = details[j] as Record<string, unknown>;
      if (typeof d !== "object" || d === null || Array.isArray(d)) throw bad("reasoning detail: expected an object", param);
      // Another provider's reasoning cannot be verified by Anthropic.
      if (d.format !== undefined && d.format !== null && d.format !== REASONING_FORMAT) continue;
      if (d.type === "reasoning.text") {
        const text = d.text ?? "";
        if (typeof text !== "string") throw bad("reasoning text: expected a string", `${param}.text`);
        if (d.signature === undefined || d.signature === null) continue;
        if (typeof d.signature !== "string") throw bad("reasoning signature: expected a string", `${param}.signature`);
        out.push({ type: "thinking", thinking: text, signature: d.signature });
      } else if (d.type === "reasoning.encrypted") {
        if (typeof d.data !== "string") throw bad("encrypted reasoning: `data` must be a string", `${param}.data`);
        out.push({ type: "redacted_thinking", data: d.data });
      }
    }
    return out;
  }
  const signature = m.reasoning_signature;
  if (signature === undefined || signature === null) return [];
  if (typeof signature !== "string") throw bad("`reasoning_signature`: expected a string", `${at}.reasoning_signature`);
  const text = m.reasoning_content ?? "";
  if (typeof text !== "string") throw bad("`reasoning_content`: expected a string", `${at}.reasoning_content`);
  return [{ type: "thinking", thinking: text, signature }];
}

/** A thinking text with its signature → a reasoning_details item. */
export function textDetail(text: string, signature: string | undefined): ReasoningDetail {
  const d: ReasoningDetail = { type: "reasoning.text", text, format: REASONING_FORMAT };
  if (signature !== undefined) d.signature = signature;
  return d;
}

export const encryptedDetail = (data: string): ReasoningDetail => ({ type: "reasoning.encrypted", data, format: REASONING_FORMAT });
