// A chat.completion → a Response object: a reasoning item (its summary the reasoning text, its
// encrypted_content the reasoning_details), the message item, then one function_call item per tool
// call; status and incomplete_details from the finish reason; usage in the Responses shape.
import type { ChatCompletion, FinishReason, Usage } from "../../../core/openai-types.ts";
import { encodeReasoningDetails } from "./reasoning.ts";
import type { ItemStatus, OutputItem, OutputPart, ReasoningItem, ResponseEcho, ResponseObject, ResponsesUsage } from "./types.ts";
import { responsesToolName } from "./tool-names.ts";

export interface ResponseContext {
  id: string;
  /** Unix seconds. */
  createdAt: number;
  /** The model the client asked for. */
  model: string;
  echo: ResponseEcho;
  previousResponseId: string | undefined;
  store: boolean;
  instructions: string | undefined;
}

function hex(bytes: number): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  let out = "";
  for (let i = 0; i < b.length; i++) out += b[i]!.toString(16).padStart(2, "0");
  return out;
}

export const responseId = (): string => "resp_" + hex(24);
/** An output item's id: its kind's prefix (rs_, msg_, fc_) and random hex, as OpenAI's look. */
export const itemId = (prefix: "rs" | "msg" | "fc"): string => `${prefix}_${hex(24)}`;

const count = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) && v > 0 ? v : 0);

/** One response's own usage (the Responses API never adds earlier turns'). Cached tokens stay inside input_tokens, as in OpenAI's counts. */
export function toResponsesUsage(usage: Usage | null | undefined): ResponsesUsage | undefined {
  if (!usage || typeof usage !== "object") return undefined;
  const input = count(usage.prompt_tokens);
  const output = count(usage.completion_tokens);
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: count(usage.prompt_tokens_details?.cached_tokens) },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: count(usage.completion_tokens_details?.reasoning_tokens) },
    total_tokens: count(usage.total_tokens) || input + output,
  };
}

export type Ending = Pick<ResponseObject, "status" | "incomplete_details">;

/** A finish reason → the Response's status: a cut-off answer is "incomplete", with why. */
export function ending(finish: FinishReason | string | null | undefined): Ending {
  if (finish === "length") return { status: "incomplete", incomplete_details: { reason: "max_output_tokens" } };
  if (finish === "content_filter") return { status: "incomplete", incomplete_details: { reason: "content_filter" } };
  return { status: "completed", incomplete_details: null };
}

/** Items end "incomplete" when the answer was cut off, "completed" otherwise. */
export const itemStatus = (e: Ending): ItemStatus => (e.status === "completed" ? "completed" : "incomplete");

export function reasoningItem(id: string, text: string, details: readonly unknown[]): ReasoningItem {
  const item: ReasoningItem = { id, type: "reasoning", summary: text === "" ? [] : [{ type: "summary_text", text }] };
  const encrypted = encodeReasoningDetails(details);
  if (encrypted !== undefined) item.encrypted_content = encrypted;
  return item;
}

export const outputText = (text: string): OutputPart => ({ type: "output_text", text, annotations: [], logprobs: [] });

/** The Response object around its output: the request's settings echoed, usage, status. */
export function responseObject(ctx: ResponseContext, output: OutputItem[], end: Pick<ResponseObject, "status" | "incomplete_details" | "error">, usage: ResponsesUsage | undefined): ResponseObject {
  const e = ctx.echo;
  return {
    id: ctx.id, object: "response", created_at: ctx.createdAt, status: end.status, background: false, error: end.error,
    incomplete_details: end.incomplete_details, instructions: ctx.instructions ?? null, max_output_tokens: e.max_output_tokens,
    model: ctx.model, output, parallel_tool_calls: e.parallel_tool_calls, previous_response_id: ctx.previousResponseId ?? null,
    reasoning: e.reasoning, safety_identifier: e.safety_identifier, prompt_cache_key: e.prompt_cache_key, service_tier: e.service_tier,
    store: ctx.store, temperature: e.temperature, text: e.text, tool_choice: e.tool_choice, tools: e.tools, top_p: e.top_p,
    truncation: e.truncation, usage: usage ?? null, user: e.user, metadata: e.metadata,
  };
}

export function toResponse(completion: ChatCompletion, ctx: ResponseContext): ResponseObject {
  const choice = completion.choices?.[0];
  const message = (choice?.message ?? { role: "assistant", content: null }) as ChatCompletion["choices"][number]["message"];
  const end = ending(choice?.finish_reason);
  const status = itemStatus(end);
  const output: OutputItem[] = [];
  const reasoning = typeof message.reasoning_content === "string" ? message.reasoning_content : "";
  const details = Array.isArray(message.reasoning_details) ? message.reasoning_details : [];
  if (reasoning !== "" || encodeReasoningDetails(details) !== undefined) output.push(reasoningItem(itemId("rs"), reasoning, details));
  const content: OutputPart[] = [];
  if (typeof message.content === "string" && message.content !== "") content.push(outputText(message.content));
  if (typeof message.refusal === "string" && message.refusal !== "") content.push({ type: "refusal", refusal: message.refusal });
  if (content.length > 0) output.push({ type: "message", id: itemId("msg"), status, role: "assistant", content });
  for (const call of message.tool_calls ?? []) {
    output.push({ type: "function_call", id: itemId("fc"), call_id: call.id, ...responsesToolName(call.function?.name ?? "", ctx.echo.tools), arguments: call.function?.arguments ?? "", status });
  }
  return responseObject(ctx, output, { ...end, error: null }, toResponsesUsage(completion.usage));
}
