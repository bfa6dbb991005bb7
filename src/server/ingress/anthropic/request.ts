// An Anthropic Messages request → the internal ChatCompletionRequest. Every field is checked here;
// what has no counterpart in the internal request is a 400 naming the field, never dropped.
// `cache_control` rides along on the OpenAI parts (and tools), which the Anthropic and Bedrock
// translations read back.
import { errors, type GatewayError } from "../../../core/errors.ts";
import { REASONING_FORMAT } from "./response.ts";
import type { ChatCompletionRequest, ChatMessage, ContentPart, FunctionTool, ToolCall, ToolChoice } from "../../../core/openai-types.ts";

type Obj = Record<string, unknown>;

/** reasoning_effort buckets and the thinking budget each one stands for. */
const EFFORTS: Array<[string, number]> = [["minimal", 1024], ["low", 2048], ["medium", 8192], ["high", 24576]];

// `context_management` (Anthropic's context editing, which Claude Code sends) only prunes what the server keeps of a
// long conversation; a translated target keeps the whole request, so it is accepted and has nothing to do.
const TOP_LEVEL = new Set(["model", "max_tokens", "messages", "system", "tools", "tool_choice", "stop_sequences", "temperature", "top_p", "top_k", "metadata", "thinking", "stream", "context_management", "output_config"]);

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const kind = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
const bad = (message: string, param: string): GatewayError => errors.invalidRequest(message, param);
const wrongType = (param: string, expected: string, v: unknown): GatewayError => bad(`${param}: expected ${expected}, but got ${kind(v)}.`, param);
const unsupported = (param: string, what = "This field"): GatewayError =>
  bad(`${param}: ${what} cannot be translated for the target provider.`, param);

function onlyKeys(o: Obj, allowed: readonly string[], at: string): void {
  for (const key in o) if (!allowed.includes(key)) throw unsupported(`${at}.${key}`);
}

function str(o: Obj, field: string, at: string): string {
  const v = o[field];
  if (typeof v !== "string") throw v === undefined ? bad(`${at}.${field}: Field required.`, `${at}.${field}`) : wrongType(`${at}.${field}`, "a string", v);
  return v;
}

function withCache<P extends Obj>(part: P, block: Obj, at: string): P {
  const cache = block.cache_control;
  if (cache === undefined || cache === null) return part;
  if (!isObj(cache) || typeof cache.type !== "string") throw bad(`${at}.cache_control: expected an object such as {"type": "ephemeral"}.`, `${at}.cache_control`);
  return { ...part, cache_control: cache };
}

function noCitations(block: Obj, at: string): void {
  const c = block.citations;
  if (c === undefined || c === null || (Array.isArray(c) && c.length === 0)) return;
  if (isObj(c) && c.enabled !== true) return;
  throw unsupported(`${at}.citations`, "Citations");
}

function textPart(block: Obj, at: string): ContentPart {
  onlyKeys(block, ["type", "text", "cache_control", "citations"], at);
  noCitations(block, at);
  return withCache({ type: "text", text: str(block, "text", at) }, block, at);
}

function imagePart(block: Obj, at: string): ContentPart {
  onlyKeys(block, ["type", "source", "cache_control"], at);
  const source = block.source;
  if (!isObj(source)) throw wrongType(`${at}.source`, "an object", source);
  let url: string;
  if (source.type === "base64") url = `data:${str(source, "media_type", `${at}.source`)};base64,${str(source, "data", `${at}.source`)}`;
  else if (source.type === "url") url = str(source, "url", `${at}.source`);
  else throw unsupported(`${at}.source.type`, `Image source type '${String(source.type)}'`);
  return withCache({ type: "image_url", image_url: { url } }, block, at);
}

function documentPart(block: Obj, at: string): ContentPart {
  onlyKeys(block, ["type", "source", "cache_control", "title", "citations"], at);
  noCitations(block, at);
  const source = block.source;
  if (!isObj(source)) throw wrongType(`${at}.source`, "an object", source);
  const file: Obj = {};
  if (typeof block.title === "string") file.filename = block.title;
  else if (block.title !== undefined && block.title !== null) throw wrongType(`${at}.title`, "a string", block.title);
  if (source.type === "base64") {
    file.file_data = `data:${str(source, "media_type", `${at}.source`)};base64,${str(source, "data", `${at}.source`)}`;
    return withCache({ type: "file", file }, block, at);
  }
  if (source.type === "text") {
    if (block.title !== undefined && block.title !== null) throw unsupported(`${at}.title`, "A title on a text document");
    return withCache({ type: "text", text: str(source, "data", `${at}.source`) }, block, at);
  }
  throw unsupported(`${at}.source.type`, `Document source type '${String(source.type)}'`);
}

/** Blocks a user turn or a tool result may hold. */
function userPart(block: Obj, at: string): ContentPart {
  switch (block.type) {
    case "text": return textPart(block, at);
    case "image": return imagePart(block, at);
    case "document": return documentPart(block, at);
    default: throw unsupported(`${at}.type`, `Content blocks of type '${String(block.type)}' in a user turn`);
  }
}

function blocksOf(content: unknown, at: string): Obj[] | string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) throw wrongType(at, "a string or an array of content blocks", content);
  return content.map((b, j) => {
    if (!isObj(b)) throw wrongType(`${at}[${j}]`, "an object", b);
    if (typeof b.type !== "string") throw wrongType(`${at}[${j}].type`, "a string", b.type);
    return b;
  });
}

/** Parts that are plain text without cache marks become one string (the common, compact form). */
function compact(parts: ContentPart[]): string | ContentPart[] {
  if (parts.every((p) => p.type === "text" && (p as Obj).cache_control === undefined)) return parts.map((p) => (p as { text: string }).text).join("");
  return parts;
}

function toolResult(block: Obj, at: string): ChatMessage {
  onlyKeys(block, ["type", "tool_use_id", "content", "is_error", "cache_control"], at);
  const id = str(block, "tool_use_id", at);
  let parts: ContentPart[];
  const content = block.content ?? "";
  const blocks = blocksOf(content, `${at}.content`);
  if (typeof blocks === "string") parts = [{ type: "text", text: blocks }];
  else parts = blocks.map((b, j) => {
    if (b.type !== "text" && b.type !== "image") throw unsupported(`${at}.content[${j}].type`, `Tool results holding '${String(b.type)}' blocks`);
    return userPart(b, `${at}.content[${j}]`);
  });
  if (block.is_error !== undefined && typeof block.is_error !== "boolean") throw wrongType(`${at}.is_error`, "a boolean", block.is_error);
  // OpenAI tool messages have no error flag: the result says so in its text.
  if (block.is_error === true) parts.unshift({ type: "text", text: "Error: " });
  if (block.cache_control !== undefined && block.cache_control !== null) {
    // The breakpoint goes on the result's last part.
    if (parts.length === 0) parts.push({ type: "text", text: "" });
    parts[parts.length - 1] = withCache(parts[parts.length - 1] as Obj, block, at) as ContentPart;
  }
  return { role: "tool", tool_call_id: id, content: compact(parts) };
}

function userTurn(content: unknown, at: string, out: ChatMessage[]): void {
  const blocks = blocksOf(content, at);
  if (typeof blocks === "string") {
    out.push({ role: "user", content: blocks });
    return;
  }
  let parts: ContentPart[] = [];
  const flush = () => {
    if (parts.length > 0) out.push({ role: "user", content: compact(parts) });
    parts = [];
  };
  blocks.forEach((b, j) => {
    if (b.type === "tool_result") {
      flush();
      out.push(toolResult(b, `${at}[${j}]`));
    } else {
      parts.push(userPart(b, `${at}[${j}]`));
    }
  });
  flush();
}

function assistantTurn(content: unknown, at: string, out: ChatMessage[]): void {
  const blocks = blocksOf(content, at);
  if (typeof blocks === "string") {
    out.push({ role: "assistant", content: blocks });
    return;
  }
  const parts: ContentPart[] = [];
  const calls: ToolCall[] = [];
  const details: Obj[] = [];
  let reasoning: string | undefined;
  blocks.forEach((b, j) => {
    const bat = `${at}[${j}]`;
    switch (b.type) {
      case "text":
        parts.push(textPart(b, bat));
        return;
      case "tool_use": {
        // cache_control on a tool_use block has no part to ride on: the breakpoint is a hint and is not kept.
        onlyKeys(b, ["type", "id", "name", "input", "cache_control"], bat);
        const input = b.input ?? {};
        if (!isObj(input)) throw wrongType(`${bat}.input`, "an object", input);
        calls.push({ id: str(b, "id", bat), type: "function", function: { name: str(b, "name", bat), arguments: JSON.stringify(input) } });
        return;
      }
      case "thinking": {
        onlyKeys(b, ["type", "thinking", "signature", "cache_control"], bat);
        const text = str(b, "thinking", bat);
        reasoning = (reasoning ?? "") + text;
        const detail: Obj = { type: "reasoning.text", text, format: REASONING_FORMAT };
        if (b.signature !== undefined && b.signature !== null) {
          if (typeof b.signature !== "string") throw wrongType(`${bat}.signature`, "a string", b.signature);
          if (b.signature !== "") detail.signature = b.signature;
        }
        details.push(detail);
        return;
      }
      case "redacted_thinking":
        onlyKeys(b, ["type", "data", "cache_control"], bat);
        details.push({ type: "reasoning.encrypted", data: str(b, "data", bat), format: REASONING_FORMAT });
        return;
      default:
        throw unsupported(`${bat}.type`, `Content blocks of type '${String(b.type)}' in an assistant turn`);
    }
  });
  const m: ChatMessage = { role: "assistant", content: parts.length === 0 ? (calls.length > 0 ? null : "") : compact(parts) };
  if (calls.length > 0) m.tool_calls = calls;
  if (reasoning !== undefined) m.reasoning_content = reasoning;
  if (details.length > 0) m.reasoning_details = details;
  out.push(m);
}

function systemMessage(system: unknown, at = "system"): ChatMessage | undefined {
  if (system === undefined || system === null) return undefined;
  const blocks = blocksOf(system, at);
  if (typeof blocks === "string") return blocks === "" ? undefined : { role: "system", content: blocks };
  const parts = blocks.map((b, j) => {
    if (b.type !== "text") throw bad(`${at}[${j}].type: system blocks must be text.`, `${at}[${j}].type`);
    return textPart(b, `${at}[${j}]`);
  });
  return parts.length === 0 ? undefined : { role: "system", content: compact(parts) };
}

function tools(value: unknown): FunctionTool[] {
  if (!Array.isArray(value)) throw wrongType("tools", "an array", value);
  return value.map((t, i) => {
    const at = `tools[${i}]`;
    if (!isObj(t)) throw wrongType(at, "an object", t);
    if (t.type !== undefined && t.type !== null && t.type !== "custom") throw unsupported(`${at}.type`, `Server tools ('${String(t.type)}')`);
    onlyKeys(t, ["type", "name", "description", "input_schema", "cache_control"], at);
    const schema = t.input_schema;
    if (!isObj(schema)) throw schema === undefined ? bad(`${at}.input_schema: Field required.`, `${at}.input_schema`) : wrongType(`${at}.input_schema`, "an object", schema);
    const fn: FunctionTool["function"] = { name: str(t, "name", at), parameters: schema };
    if (t.description !== undefined) fn.description = str(t, "description", at);
    return withCache({ type: "function", function: fn } as FunctionTool & Obj, t, at) as FunctionTool;
  });
}

function toolChoice(value: unknown, req: ChatCompletionRequest): void {
  if (!isObj(value)) throw wrongType("tool_choice", "an object", value);
  let choice: ToolChoice;
  switch (value.type) {
    case "auto": choice = "auto"; break;
    case "any": choice = "required"; break;
    case "none": choice = "none"; break;
    case "tool": choice = { type: "function", function: { name: str(value, "name", "tool_choice") } }; break;
    default: throw bad("tool_choice.type: expected one of auto, any, tool, none.", "tool_choice.type");
  }
  onlyKeys(value, ["type", "name", "disable_parallel_tool_use"], "tool_choice");
  const dp = value.disable_parallel_tool_use;
  if (dp !== undefined && typeof dp !== "boolean") throw wrongType("tool_choice.disable_parallel_tool_use", "a boolean", dp);
  if (dp === true && value.type !== "none") req.parallel_tool_calls = false;
  req.tool_choice = choice;
}

/** `thinking: {type: "enabled", budget_tokens}` → the reasoning_effort bucket nearest the budget. */
function thinking(value: unknown, req: ChatCompletionRequest): void {
  if (!isObj(value)) throw wrongType("thinking", "an object", value);
  if (value.type === "disabled") return;
  if (value.type === "adaptive") {
    // The model decides how much to think; how hard is `output_config.effort`'s to say.
    onlyKeys(value, ["type"], "thinking");
    return;
  }
  if (value.type !== "enabled") throw bad("thinking.type: expected 'enabled', 'adaptive' or 'disabled'.", "thinking.type");
  onlyKeys(value, ["type", "budget_tokens"], "thinking");
  const budget = value.budget_tokens;
  if (!Number.isInteger(budget) || (budget as number) < 1) throw wrongType("thinking.budget_tokens", "a positive integer", budget);
  let best = EFFORTS[0]!;
  for (const e of EFFORTS) if (Math.abs(e[1] - (budget as number)) < Math.abs(best[1] - (budget as number))) best = e;
  req.reasoning_effort = best[0];
}

/** `output_config: {effort}` (Claude Code sends it with adaptive thinking) → reasoning_effort, Anthropic's `max` being the highest there is. */
function outputConfig(value: unknown, req: ChatCompletionRequest): void {
  if (!isObj(value)) throw wrongType("output_config", "an object", value);
  onlyKeys(value, ["effort"], "output_config");
  const effort = value.effort;
  if (effort === undefined || effort === null) return;
  if (effort !== "low" && effort !== "medium" && effort !== "high" && effort !== "max") throw bad("output_config.effort: expected one of low, medium, high, max.", "output_config.effort");
  req.reasoning_effort = effort === "max" ? "high" : effort;
}

function num(body: Obj, field: string): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) throw wrongType(field, "a number", v);
  return v;
}

/**
 * `maxTokens: "optional"` is count_tokens' rule: the same request, with max_tokens checked only
 * when it is there.
 */
export function parseMessagesRequest(body: Obj, opts: { maxTokens?: "required" | "optional" } = {}): ChatCompletionRequest {
  for (const key in body) if (!TOP_LEVEL.has(key)) throw unsupported(key);
  if (typeof body.model !== "string" || body.model === "") throw body.model === undefined ? bad("model: Field required.", "model") : wrongType("model", "a non-empty string", body.model);
  const max = body.max_tokens;
  if (max === undefined) {
    if (opts.maxTokens !== "optional") throw bad("max_tokens: Field required.", "max_tokens");
  } else if (!Number.isInteger(max) || (max as number) < 1) throw wrongType("max_tokens", "a positive integer", max);
  if (!Array.isArray(body.messages)) throw body.messages === undefined ? bad("messages: Field required.", "messages") : wrongType("messages", "an array", body.messages);
  if (body.messages.length === 0) throw bad("messages: at least one message is required.", "messages");

  const messages: ChatMessage[] = [];
  const system = systemMessage(body.system);
  if (system) messages.push(system);
  body.messages.forEach((m: unknown, i: number) => {
    const at = `messages[${i}]`;
    if (!isObj(m)) throw wrongType(at, "an object", m);
    onlyKeys(m, ["role", "content"], at);
    if (m.content === undefined) throw bad(`${at}.content: Field required.`, `${at}.content`);
    if (m.role === "user") userTurn(m.content, `${at}.content`, messages);
    else if (m.role === "assistant") assistantTurn(m.content, `${at}.content`, messages);
    else if (m.role === "system") {
      // Mid-conversation system messages (Claude Code's `mid-conversation-system` beta) stay where they are.
      const sys = systemMessage(m.content, `${at}.content`);
      if (sys) messages.push(sys);
    } else throw bad(`${at}.role: expected 'user', 'assistant' or 'system'.`, `${at}.role`);
  });

  const req: ChatCompletionRequest = { model: body.model, messages };
  if (max !== undefined) req.max_tokens = max as number;
  if (body.tools !== undefined && body.tools !== null) {
    const list = tools(body.tools);
    if (list.length > 0) req.tools = list;
  }
  if (body.tool_choice !== undefined && body.tool_choice !== null) toolChoice(body.tool_choice, req);
  if (req.tool_choice !== undefined && req.tools === undefined) {
    // OpenAI refuses tool_choice without tools; with none offered only "none"/"auto" mean anything, and they change nothing.
    if (req.tool_choice !== "auto" && req.tool_choice !== "none") throw bad("tool_choice: a tool is required but `tools` is empty.", "tool_choice");
    delete req.tool_choice;
    delete req.parallel_tool_calls;
  }
  const stop = body.stop_sequences;
  if (stop !== undefined && stop !== null) {
    if (!Array.isArray(stop) || !stop.every((s) => typeof s === "string")) throw wrongType("stop_sequences", "an array of strings", stop);
    if (stop.length > 0) req.stop = stop as string[];
  }
  for (const field of ["temperature", "top_p", "top_k"] as const) {
    const v = num(body, field);
    if (v !== undefined) req[field] = v;
  }
  if (body.metadata !== undefined && body.metadata !== null) {
    if (!isObj(body.metadata)) throw wrongType("metadata", "an object", body.metadata);
    onlyKeys(body.metadata, ["user_id"], "metadata");
    const user = body.metadata.user_id;
    if (user !== undefined && user !== null) {
      if (typeof user !== "string") throw wrongType("metadata.user_id", "a string", user);
      if (user !== "") req.user = user;
    }
  }
  if (body.thinking !== undefined && body.thinking !== null) thinking(body.thinking, req);
  if (body.output_config !== undefined && body.output_config !== null) outputConfig(body.output_config, req);
  if (body.stream !== undefined && body.stream !== null) {
    if (typeof body.stream !== "boolean") throw wrongType("stream", "a boolean", body.stream);
    if (body.stream) {
      req.stream = true;
      // The whole usage goes into message_delta.
      req.stream_options = { include_usage: true };
    }
  }
  return req;
}
