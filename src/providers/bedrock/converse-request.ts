import { errors } from "../../core/errors.ts";
import type { ChatCompletionRequest, ChatMessage, ContentPart, FunctionTool, ToolChoice } from "../../core/openai-types.ts";
import { forcedToolSupported, JSON_TOOL, jsonModeOf } from "./json-mode.ts";

// OpenAI chat request → Bedrock ConverseRequest body (providers README §3.2).

type Block = Record<string, unknown>;
interface ConverseMessage { role: "user" | "assistant"; content: Block[] }
interface ToolSpec { toolSpec: { name: string; description?: string; inputSchema: { json: Record<string, unknown> } } }

export interface ConverseBody {
  messages: ConverseMessage[];
  system?: Array<{ text: string }>;
  inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] };
  toolConfig?: { tools: ToolSpec[]; toolChoice?: Block };
  additionalModelRequestFields?: Record<string, unknown>;
}

const IMAGE_FORMATS: Record<string, string> = { "image/png": "png", "image/jpeg": "jpeg", "image/jpg": "jpeg", "image/gif": "gif", "image/webp": "webp" };
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
  const system: Array<{ text: string }> = [];
  const messages: ConverseMessage[] = [];
  /** Tool names by call id, so a tool result can name its tool when specs must be synthesised. */
  const historyTools = new Set<string>();
  let historyHasToolBlocks = false;
  /** Where the last non-empty system/developer message's blocks begin in `system`. */
  let lastSystemAt = -1;

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
        const said = texts(m, i);
        if (said.length > 0) lastSystemAt = system.length;
        for (const text of said) system.push({ text });
        break;
      }
      case "user":
        push("user", userContent(m.content, `messages[${i}].content`));
        break;
      case "assistant": {
        const content: Block[] = texts(m, i).map((text) => ({ text }));
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
      case "function":
        historyHasToolBlocks = true;
        push("user", [{ toolResult: { toolUseId: toolUseId(m.tool_call_id ?? m.name ?? ""), content: toolResultContent(m.content, `messages[${i}].content`), status: "success" } }]);
        break;
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

  let toolConfig = buildToolConfig(request.tools, request.tool_choice, historyHasToolBlocks, historyTools);
  let jsonTool = false;
  const json = jsonModeOf(request.response_format);
  if (json) {
    const objectSchema = json.schema.type === undefined || json.schema.type === "object";
    if (!toolConfig && objectSchema && forcedToolSupported(modelId)) {
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
  return { body, jsonTool };
}

function texts(m: ChatMessage, i: number): string[] {
  const content = m.content;
  if (content == null) return [];
  if (typeof content === "string") return content === "" ? [] : [content];
  return content.flatMap((part, j) => {
    if (part.type === "text") return (part as { text: string }).text === "" ? [] : [(part as { text: string }).text];
    if (part.type === "refusal") return [];
    throw errors.invalidRequest(`Content part type '${part.type}' is not supported in ${m.role} messages for Bedrock.`, `messages[${i}].content[${j}]`);
  });
}

function userContent(content: ChatMessage["content"], param: string): Block[] {
  if (content == null) return [];
  // Bedrock rejects blank text blocks; an empty string has nothing to say anyway.
  if (typeof content === "string") return content === "" ? [] : [{ text: content }];
  return content.flatMap((part, j) => partBlock(part, `${param}[${j}]`));
}

function partBlock(part: ContentPart, param: string): Block[] {
  if (part.type === "text") {
    const text = (part as { text: string }).text;
    return text === "" ? [] : [{ text }];
  }
  if (part.type === "image_url") return [imageBlock((part as { image_url: { url: string } }).image_url.url, param)];
  throw errors.invalidRequest(`Content part type '${part.type}' is not supported by Bedrock Converse.`, param);
}

/**
 * Converse takes image bytes only. Remote URLs are refused with a clear 400 rather than fetched:
 * fetching arbitrary client-supplied URLs from the gateway would be a server-side request forgery hole.
 */
function imageBlock(url: string, param: string): Block {
  const m = /^data:([^;,]+)(;[^,]*)?,(.*)$/s.exec(url);
  if (!m) {
    throw errors.invalidRequest("Bedrock accepts images only as base64 data URLs (data:image/png;base64,...); remote image URLs are not fetched by the gateway.", `${param}.image_url.url`);
  }
  const format = IMAGE_FORMATS[m[1]!.toLowerCase()];
  if (!format) throw errors.invalidRequest(`Image type '${m[1]}' is not supported by Bedrock (png, jpeg, gif, webp).`, `${param}.image_url.url`);
  if (!/;base64/i.test(m[2] ?? "")) throw errors.invalidRequest("Image data URLs must be base64-encoded.", `${param}.image_url.url`);
  return { image: { format, source: { bytes: m[3]! } } };
}

function toolResultContent(content: ChatMessage["content"], param: string): Block[] {
  if (content == null || content === "") return [{ text: "" }];
  if (typeof content === "string") {
    // A JSON object result travels as a `json` block (the model sees structure, not a quoted string).
    const trimmed = content.trimStart();
    if (trimmed.startsWith("{")) {
      try {
        const value: unknown = JSON.parse(content);
        if (value !== null && typeof value === "object" && !Array.isArray(value)) return [{ json: value }];
      } catch {
        // Not JSON after all: plain text.
      }
    }
    return [{ text: content }];
  }
  const blocks = content.flatMap((part, j) => partBlock(part, `${param}[${j}]`));
  return blocks.length > 0 ? blocks : [{ text: "" }];
}

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
  const specs: ToolSpec[] = (tools ?? []).map((t, i) => {
    if (t.type !== "function") throw errors.invalidRequest("Only function tools can be sent to Bedrock.", `tools[${i}].type`);
    const spec: ToolSpec["toolSpec"] = { name: t.function.name, inputSchema: { json: t.function.parameters ?? EMPTY_SCHEMA } };
    if (t.function.description) spec.description = t.function.description;
    return { toolSpec: spec };
  });
  if (choice === "none" && !historyNeedsTools) return undefined;
  if (historyNeedsTools) {
    const declared = new Set(specs.map((s) => s.toolSpec.name));
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
