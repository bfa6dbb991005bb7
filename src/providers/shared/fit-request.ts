import type { ChatCompletionRequest, ChatMessage } from "../../core/openai-types.ts";
import type { ProviderAdapter } from "../types.ts";
import { OPENAI_PARAMETERS } from "./parameters.ts";
import { rewriteToolCallIds } from "./tool-call-ids.ts";

/**
 * The chat request as one target can take it, from the target's declarations: parameter ranges and
 * exclusions (parameters.ts), then tool-call ids (tool-call-ids.ts). The engine calls this before every
 * chat attempt; no adapter repeats it. The client's request is never changed: what differs is a copy.
 */
export function fitChatRequest(adapter: Pick<ProviderAdapter, "name" | "parameters" | "toolCallIds">, request: ChatCompletionRequest, model: string): ChatCompletionRequest {
  let out = (adapter.parameters ?? OPENAI_PARAMETERS).fit(request, model, adapter.name);
  const ids = adapter.toolCallIds;
  if (ids !== undefined && Array.isArray(out.messages)) {
    const messages = rewriteToolCallIds(out.messages, ids);
    if (messages !== out.messages) out = { ...out, messages: messages as ChatMessage[] };
  }
  return out;
}
