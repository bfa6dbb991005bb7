import { errors } from "../../../core/errors.ts";
import { JSON_TOOL, jsonModeOf } from "../json-mode.ts";
import type { ChatCompletionRequest, FunctionTool, ResponseFormat, ToolChoice } from "../../../core/openai-types.ts";
import { cacheControl, convertMessages } from "./messages.ts";
import { enableThinking, stripThinking, thinkingBudget, thinkingRuledOut } from "./thinking.ts";
import type { AnthropicRequest, AnthropicTextBlock, AnthropicTool, AnthropicToolChoice } from "./wire-types.ts";

/** Anthropic requires max_tokens; this is what a request without one gets. */
export const DEFAULT_MAX_TOKENS = 4096;
/** The forced tool that carries JSON-mode answers. */
export const JSON_TOOL_NAME = JSON_TOOL;

export interface AnthropicRequestOptions {
  /** max_tokens when the client sets neither max_tokens nor max_completion_tokens. Default 4096. */
  defaultMaxTokens?: number;
  /** Extra top-level body fields, e.g. `{ anthropic_version: "vertex-2023-10-16" }` for Anthropic on Vertex. */
  extra?: Record<string, unknown>;
}

/** A translated request plus what the answer's translation must know about it. */
export interface AnthropicCall {
  body: AnthropicRequest;
  /** Set when JSON mode rides on a forced tool: that tool's input becomes `message.content`. */
  jsonTool: string | undefined;
}

/**
 * OpenAI chat request → Anthropic Messages body. Pure: no URL, headers or config. `model` undefined
 * leaves `model` out of the body (Vertex puts it in the URL).
 */
export function toAnthropicRequest(req: ChatCompletionRequest, model: string | undefined, opts: AnthropicRequestOptions = {}): AnthropicCall {
  if (req.n != null && req.n !== 1) throw errors.invalidRequest("Anthropic models return one choice; `n` must be 1.", "n");
  const { system, messages, historyTools, thinking } = convertMessages(req.messages);
  const asked = req.max_completion_tokens ?? req.max_tokens;
  const fallbackMax = opts.defaultMaxTokens ?? DEFAULT_MAX_TOKENS;
  const body: AnthropicRequest = { max_tokens: asked ?? fallbackMax, messages };
  if (model !== undefined) body.model = model;

  let tools = req.tools ? req.tools.map((t, i) => toTool(t, `tools[${i}]`)) : legacyFunctions(req.functions).map((t, i) => toTool(t, `functions[${i}]`));
  let toolChoice: AnthropicToolChoice | undefined;
  const allowed = allowedTools(req.tool_choice);
  if (allowed) {
    tools = restrictTools(tools, allowed.names);
    if (tools.length === 0 && allowed.required) {
      throw errors.invalidRequest("`tool_choice.allowed_tools` requires a tool call but allows no tool.", "tool_choice.allowed_tools.tools");
    }
    if (tools.length > 0) toolChoice = withParallel({ type: allowed.required ? "any" : "auto" }, req.parallel_tool_calls);
  } else if (tools.length > 0) {
    toolChoice = mapToolChoice(req.tool_choice ?? legacyFunctionCall(req), req.parallel_tool_calls);
  }
  // Thinking cannot run with forced tool use (the client's forcing wins) or answer a tool result
  // whose assistant turn lost its thinking block.
  let budget = thinkingBudget(req.reasoning_effort);
  if (budget !== undefined && (toolChoice?.type === "any" || toolChoice?.type === "tool" || thinkingRuledOut(messages))) budget = undefined;
  let jsonTool: string | undefined;
  const json = jsonModeOf(req.response_format);
  if (json) {
    // With thinking on, JSON mode cannot force a tool: it falls back to the instruction.
    if (tools.length === 0 && budget === undefined && (json.schema.type === undefined || json.schema.type === "object")) {
      // A forced tool is the reliable JSON mode on the Messages API: its input is always a JSON object.
      tools = [{ name: JSON_TOOL_NAME, description: json.description, input_schema: { type: "object", ...json.schema } }];
      toolChoice = { type: "tool", name: JSON_TOOL_NAME };
      jsonTool = JSON_TOOL_NAME;
    } else {
      // The client's own tools must stay callable, so JSON mode falls back to an instruction.
      system.push({ type: "text", text: json.instruction });
    }
  }
  if (tools.length === 0 && historyTools.size > 0) {
    // Anthropic rejects tool_use/tool_result blocks unless tools are defined; declare the ones the
    // history used, and forbid new calls since the client offered none.
    tools = [...historyTools].map((name) => ({ name, input_schema: { type: "object", properties: {} } }));
    toolChoice = { type: "none" };
  }

  if (system.length > 0) body.system = systemField(system);
  if (tools.length > 0) body.tools = tools;
  if (toolChoice) body.tool_choice = toolChoice;
  const stop = typeof req.stop === "string" ? [req.stop] : req.stop;
  if (stop && stop.length > 0) body.stop_sequences = stop;
  // Ranges (Anthropic's temperature is 0–1) and exclusions are applied before this, by the
  // provider's parameter table (providers/shared/parameters.ts).
  if (typeof req.temperature === "number") body.temperature = req.temperature;
  if (typeof req.top_p === "number") body.top_p = req.top_p;
  if (typeof req.top_k === "number") body.top_k = req.top_k;
  if (typeof req.user === "string" && req.user !== "") body.metadata = { user_id: req.user };
  if (req.stream) body.stream = true;
  if (budget !== undefined) enableThinking(body, budget, asked, fallbackMax);
  else if (thinking) stripThinking(messages);
  if (opts.extra) Object.assign(body, opts.extra);
  return { body, jsonTool };
}

/** One plain system text stays a string (the common, readable form); anything else stays blocks. */
function systemField(blocks: AnthropicTextBlock[]): string | AnthropicTextBlock[] {
  return blocks.length === 1 && blocks[0]!.cache_control === undefined ? blocks[0]!.text : blocks;
}

function toTool(tool: FunctionTool, at: string): AnthropicTool {
  if (tool.type !== "function" || !tool.function?.name) throw errors.invalidRequest("Only function tools can be sent to Anthropic.", at);
  const params = tool.function.parameters;
  const schema = params && typeof params === "object" && Object.keys(params).length > 0 ? params : { properties: {} };
  const out: AnthropicTool = { name: tool.function.name, input_schema: { type: "object", ...schema } };
  if (tool.function.description) out.description = tool.function.description;
  // A cache breakpoint on a tool (Anthropic-aware clients put it beside `function`) caches the tool list up to it.
  const cache = (tool as { cache_control?: unknown }).cache_control;
  if (cache !== undefined && cache !== null) out.cache_control = cacheControl(cache, `${at}.cache_control`);
  return out;
}

/** Legacy `functions` (used when `tools` is absent) are function tools. */
function legacyFunctions(functions: unknown): FunctionTool[] {
  if (!Array.isArray(functions)) return [];
  return functions.map((f: FunctionTool["function"]) => ({ type: "function", function: f }));
}

/** Legacy `function_call` ("none" | "auto" | {name}) is the tool_choice of legacy `functions`. */
function legacyFunctionCall(req: ChatCompletionRequest): ToolChoice | undefined {
  const fc = req.function_call as string | { name?: unknown } | undefined;
  if (req.tools !== undefined || fc === undefined) return undefined;
  if (fc === "none" || fc === "auto") return fc;
  if (typeof fc === "object" && fc !== null && typeof fc.name === "string") return { type: "function", function: { name: fc.name } };
  throw errors.invalidRequest("`function_call` must be 'none', 'auto' or {\"name\": ...}.", "function_call");
}

interface Allowed { required: boolean; names: Array<{ name: string; param: string }> }

/**
 * `tool_choice: {type: "allowed_tools", allowed_tools: {mode, tools}}`: Anthropic has no allow-list,
 * so the request's tools are cut down to the allowed ones and the mode becomes auto / any.
 */
function allowedTools(choice: ToolChoice | undefined): Allowed | undefined {
  if (typeof choice !== "object" || choice === null || (choice as { type?: unknown }).type !== "allowed_tools") return undefined;
  const spec = (choice as { allowed_tools?: { mode?: unknown; tools?: unknown } }).allowed_tools;
  if (typeof spec !== "object" || spec === null) throw errors.invalidRequest("`tool_choice.allowed_tools` must be an object.", "tool_choice.allowed_tools");
  if (spec.mode !== "auto" && spec.mode !== "required") throw errors.invalidRequest("`tool_choice.allowed_tools.mode` must be 'auto' or 'required'.", "tool_choice.allowed_tools.mode");
  if (!Array.isArray(spec.tools)) throw errors.invalidRequest("`tool_choice.allowed_tools.tools` must be an array.", "tool_choice.allowed_tools.tools");
  const names = spec.tools.map((t: unknown, j: number) => {
    const param = `tool_choice.allowed_tools.tools[${j}]`;
    const tool = t as { type?: unknown; name?: unknown; function?: { name?: unknown } } | null;
    const name = tool?.function?.name ?? tool?.name;
    if (typeof tool !== "object" || tool === null || (tool.type !== undefined && tool.type !== "function") || typeof name !== "string") {
      throw errors.invalidRequest("Allowed tools must name function tools (`{type: \"function\", function: {name}}`).", param);
    }
    return { name, param };
  });
  return { required: spec.mode === "required", names };
}

function restrictTools(tools: AnthropicTool[], allowed: Allowed["names"]): AnthropicTool[] {
  const keep = new Set<string>();
  for (const a of allowed) {
    if (!tools.some((t) => t.name === a.name)) throw errors.invalidRequest(`The allowed tool '${a.name}' is not in \`tools\`.`, a.param);
    keep.add(a.name);
  }
  return tools.filter((t) => keep.has(t.name));
}

function withParallel(out: AnthropicToolChoice, parallel: boolean | undefined): AnthropicToolChoice {
  if (parallel === false && out.type !== "none") out.disable_parallel_tool_use = true;
  return out;
}

function mapToolChoice(choice: ToolChoice | undefined, parallel: boolean | undefined): AnthropicToolChoice | undefined {
  let out: AnthropicToolChoice | undefined;
  if (choice === undefined) out = parallel === false ? { type: "auto" } : undefined;
  else if (choice === "auto") out = { type: "auto" };
  else if (choice === "required") out = { type: "any" };
  else if (choice === "none") out = { type: "none" };
  else if (typeof choice === "object" && choice.function?.name) out = { type: "tool", name: choice.function.name };
  else throw errors.invalidRequest("Unsupported `tool_choice`.", "tool_choice");
  if (parallel === false && out && out.type !== "none") out.disable_parallel_tool_use = true;
  return out;
}

