import { errors } from "../../core/errors.ts";
import type { ChatCompletionRequest, FunctionTool, ToolChoice } from "../../core/openai-types.ts";
import { cachePointOf, textBlocks, toolResultContent, userContent, type Block, type PartState } from "./converse-content.ts";
import { forcedToolSupported, JSON_TOOL, jsonModeOf } from "./json-mode.ts";
import { enableThinking, historyReasoning, isClaude, stripReasoning, thinkingBudget, toolLoopLacksThinking } from "./reasoning.ts";

// OpenAI chat request → Bedrock ConverseRequest body (providers README §3.2).

interface ConverseMessage { role: "user" | "assistant"; content: Block[] }
interface ToolSpec { toolSpec: { name: string; description?: string; inputSchema: { json: Record<string, unknown> } } }
/** A toolConfig.tools entry: a tool, or the cache point after one. */
type ToolEntry = ToolSpec | Block;

export interface ConverseBody {
  messages: ConverseMessage[];
  /** Text blocks, and the cachePoint blocks marked after them. */
  system?: Block[];
  inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] };
  toolConfig?: { tools: ToolEntry[]; toolChoice?: Block };
  additionalModelRequestFields?: Record<string, unknown>;
}

const EMPTY_SCHEMA = { type: "object", properties: {} };

export interface ConverseCall {
  body: ConverseBody;
  /** JSON mode through the forced `json_output` tool: its input is the answer's content. */
  jsonTool: boolean;
}

export function toConverse(request: ChatCompletionRequest, modelId: string): ConverseCall {
  // Converse answers one message per call. As on the Anthropic path, more than one choice is refused
  // rather than silently answered with one (n calls would bill n prompts behind the client's back).
  if (request.n != null && request.n !== 1) throw errors.invalidRequest("Bedrock Converse returns one choice; `n` must be 1.", "n");
  const system: Block[] = [];
  const messages: ConverseMessage[] = [];
  /** Tool names by call id, so a tool result can name its tool when specs must be synthesised. */
  const historyTools = new Set<string>();
  let historyHasToolBlocks = false;
  /** Where the last non-empty system/developer message's blocks begin in `system`. */
  let lastSystemAt = -1;
  const parts: PartState = { docNames: undefined };
  /** Some assistant turn of the history carries reasoning blocks (Claude only). */
  let historyReasons = false;

  const push = (role: "user" | "assistant", content: Block[]) => {
    if (content.length === 0) return;
    const last = messages.at(-1);
    // Converse needs strict user/assistant alternation: consecutive same-role turns merge.
    if (last && last.role === role) last.content.push(...content);
    else messages.push({ role, content });
  };

  request.messages.forEach((m, i) => {
    switch (m.role) {
      case "system":
      case "developer": {
        const said = textBlocks(m, i);
        if (said.length > 0) lastSystemAt = system.length;
        system.push(...said);
        break;
      }
      case "user":
        push("user", userContent(m.content, `messages[${i}].content`, parts));
        break;
      case "assistant": {
        // Reasoning blocks open the turn, before its text and toolUse blocks.
        let content: Block[] = textBlocks(m, i);
        if ((m.reasoning_details != null || m.reasoning_signature != null) && isClaude(modelId)) {
          const reasons = historyReasoning(m, `messages[${i}]`);
          if (reasons.length > 0) {
            historyReasons = true;
            content = [...reasons, ...content];
          }
        }
        for (const [j, call] of (m.tool_calls ?? []).entries()) {
          if (call.type !== undefined && call.type !== "function") {
            throw errors.invalidRequest("Only function tool calls can be sent to Bedrock.", `messages[${i}].tool_calls[${j}].type`);
          }
          historyHasToolBlocks = true;
          historyTools.add(call.function.name);
          content.push({ toolUse: { toolUseId: toolUseId(call.id), name: call.function.name, input: parseArguments(call.function.arguments, i) } });
        }
        push("assistant", content);
        break;
      }
      case "tool":
      case "function": {
        historyHasToolBlocks = true;
        const result = toolResultContent(m.content, `messages[${i}].content`, parts);
        const block: Block = { toolResult: { toolUseId: toolUseId(m.tool_call_id ?? m.name ?? ""), content: result.content, status: "success" } };
        push("user", result.cache ? [block, result.cache] : [block]);
        break;
      }
      default:
        throw errors.invalidRequest(`Unsupported message role '${String(m.role)}'.`, `messages[${i}].role`);
    }
  });

  if (messages.length === 0) {
    // Converse needs at least one turn. A request of system text alone (a prompt sent as "system")
    // keeps its meaning best as that text asked by the user: the last system message becomes the
    // user turn, the ones before it stay instructions.
    const asked = lastSystemAt >= 0 ? system.splice(lastSystemAt) : [];
    if (asked.length === 0) throw errors.invalidRequest("Bedrock needs at least one message with non-empty content.", "messages");
    messages.push({ role: "user", content: asked });
  }
  if (parts.docNames !== undefined) textWithDocuments(messages);

  let toolConfig = buildToolConfig(request.tools, request.tool_choice, historyHasToolBlocks, historyTools);
  // Claude thinking cannot run with a forced tool (the client's forcing wins) or answer a tool
  // result whose assistant turn lost its reasoning block. Other models take no thinking field.
  let budget = thinkingBudget(request.reasoning_effort);
  if (budget !== undefined && (!isClaude(modelId) || toolConfig?.toolChoice?.any !== undefined || toolConfig?.toolChoice?.tool !== undefined || toolLoopLacksThinking(messages))) budget = undefined;
  let jsonTool = false;
  const json = jsonModeOf(request.response_format);
  if (json) {
    const objectSchema = json.schema.type === undefined || json.schema.type === "object";
    // With thinking on, JSON mode cannot force a tool either: it is asked in words.
    if (!toolConfig && objectSchema && budget === undefined && forcedToolSupported(modelId)) {
      const schema = { type: "object", ...json.schema };
      toolConfig = { tools: [{ toolSpec: { name: JSON_TOOL, description: json.description, inputSchema: { json: schema } } }], toolChoice: { tool: { name: JSON_TOOL } } };
      jsonTool = true;
    } else {
      // The client's own tools must stay callable (or the model cannot be forced): ask in words.
      system.push({ text: json.instruction });
    }
  }

  const body: ConverseBody = { messages };
  if (system.length > 0) body.system = system;
  const inference = inferenceConfig(request);
  if (inference) body.inferenceConfig = inference;
  if (toolConfig) body.toolConfig = toolConfig;
  if (typeof request.top_k === "number") body.additionalModelRequestFields = { top_k: request.top_k };
  if (budget !== undefined) enableThinking(body, budget, request.max_completion_tokens ?? request.max_tokens);
  else if (historyReasons) stripReasoning(messages);
  return { body, jsonTool };
}

/**
 * Converse refuses a message holding a document without a text block ("A text block must be
 * included when using documents"). Clients do send a file alone ("here it is"); as other gateways
 * do, such a turn gets a minimal text block after its last document, so the document still reaches
 * the model instead of the request failing.
 */
function textWithDocuments(messages: ConverseMessage[]): void {
  for (const m of messages) {
    if (m.role !== "user") continue;
    let lastDocument = -1;
    let hasText = false;
    for (let k = 0; k < m.content.length; k++) {
      const block = m.content[k]!;
      if (block.document !== undefined) lastDocument = k;
      else if (block.text !== undefined) hasText = true;
    }
    if (lastDocument >= 0 && !hasText) m.content.splice(lastDocument + 1, 0, { text: DOCUMENT_PLACEHOLDER });
  }
}

/** The text of a turn that holds only documents (see textWithDocuments). */
export const DOCUMENT_PLACEHOLDER = "(document attached)";

/**
 * Bedrock ids must match `[a-zA-Z0-9_-]{1,64}`. Ids minted by another provider (a conversation that
 * failed over) may not; the same rewrite on both sides keeps each call paired with its result.
 */
export function toolUseId(id: string): string {
  if (/^[a-zA-Z0-9_-]{1,64}$/.test(id)) return id;
  const cleaned = id.replace(/[^a-zA-Z0-9_-]/g, "_").slice(0, 64);
  return cleaned === "" ? "tool_call" : cleaned;
}

function parseArguments(args: string | undefined, i: number): unknown {
  if (args === undefined || args.trim() === "") return {};
  try {
    return JSON.parse(args);
  } catch {
    throw errors.invalidRequest("Tool call arguments must be a JSON string.", `messages[${i}].tool_calls`);
  }
}

function inferenceConfig(r: ChatCompletionRequest): ConverseBody["inferenceConfig"] {
  const out: NonNullable<ConverseBody["inferenceConfig"]> = {};
  const maxTokens = r.max_completion_tokens ?? r.max_tokens;
  if (typeof maxTokens === "number") out.maxTokens = maxTokens;
  if (typeof r.temperature === "number") out.temperature = r.temperature;
  if (typeof r.top_p === "number") out.topP = r.top_p;
  if (r.stop != null) {
    const stops = typeof r.stop === "string" ? [r.stop] : r.stop;
    if (stops.length > 0) out.stopSequences = stops;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Bedrock rules: toolConfig must be present whenever the history holds toolUse/toolResult blocks,
 * and there is no "none" choice. So `none` drops toolChoice (and the tools too unless history needs
 * them), and a history with tool blocks but no declared tools gets minimal specs synthesised for the
 * names it uses (as LiteLLM and Portkey do); the model sees no new capability, only what it used.
 */
function buildToolConfig(tools: FunctionTool[] | undefined, choice: ToolChoice | undefined, historyNeedsTools: boolean, historyTools: Set<string>): ConverseBody["toolConfig"] {
  if ((tools === undefined || tools.length === 0) && !historyNeedsTools) return undefined;
  // A tool marked `cache_control` is followed by a cachePoint: the tool list up to it is cached.
  const specs: ToolEntry[] = [];
  const declared = new Set<string>();
  (tools ?? []).forEach((t, i) => {
    if (t.type !== "function") throw errors.invalidRequest("Only function tools can be sent to Bedrock.", `tools[${i}].type`);
    const spec: ToolSpec["toolSpec"] = { name: t.function.name, inputSchema: { json: t.function.parameters ?? EMPTY_SCHEMA } };
    if (t.function.description) spec.description = t.function.description;
    specs.push({ toolSpec: spec });
    declared.add(spec.name);
    const cache = cachePointOf(t, `tools[${i}]`);
    if (cache) specs.push(cache);
  });
  if (choice === "none" && !historyNeedsTools) return undefined;
  if (historyNeedsTools) {
    for (const name of historyTools) {
      if (!declared.has(name)) specs.push({ toolSpec: { name, inputSchema: { json: EMPTY_SCHEMA } } });
    }
  }
  if (specs.length === 0) return undefined;
  const toolChoice = mapChoice(choice);
  return toolChoice ? { tools: specs, toolChoice } : { tools: specs };
}

function mapChoice(choice: ToolChoice | undefined): Block | undefined {
  if (choice === undefined || choice === "none") return undefined;
  if (choice === "auto") return { auto: {} };
  if (choice === "required") return { any: {} };
  if (typeof choice === "object" && choice.function?.name) return { tool: { name: choice.function.name } };
  return undefined;
}
