import { errors } from "../../../core/errors.ts";
import type { ChatMessage, ContentPart } from "../../../core/openai-types.ts";
import { historyThinking } from "./thinking.ts";
import type {
  AnthropicBlock, AnthropicImageBlock, AnthropicMessage, AnthropicTextBlock, AnthropicToolResultBlock, AnthropicToolUseBlock,
} from "./wire-types.ts";

export interface ConvertedMessages {
  /** Every system/developer message, in order: Anthropic takes them only at the top level. */
  system: AnthropicTextBlock[];
  messages: AnthropicMessage[];
  /** Names of the tools the history calls (Anthropic wants them defined whenever tool blocks appear). */
  historyTools: Set<string>;
  /** Some assistant turn carries thinking blocks (from its reasoning_details / reasoning_signature). */
  thinking: boolean;
}

/** OpenAI messages → Anthropic's alternating user/assistant turns. */
export function convertMessages(input: readonly ChatMessage[]): ConvertedMessages {
  const out: ConvertedMessages = { system: [], messages: [], historyTools: new Set(), thinking: false };
  /** The last assistant message and the call ids legacy function results have answered since (a rare path: built lazily). */
  let lastAssistant: { m: ChatMessage; i: number; used?: Set<string> } | undefined;
  input.forEach((m, i) => {
    const at = `messages[${i}]`;
    switch (m.role) {
      case "system":
      case "developer":
        out.system.push(...textOnly(m.content, `${at}.content`));
        return;
      case "user":
        push(out.messages, "user", userContent(m.content, `${at}.content`));
        return;
      case "assistant":
        lastAssistant = { m, i };
        push(out.messages, "assistant", assistantContent(m, i, out));
        return;
      case "tool":
        push(out.messages, "user", [toolResult(m, m.tool_call_id, at)]);
        return;
      case "function": {
        // Legacy function result: it answers the previous assistant turn's call of the same name.
        let id = typeof m.tool_call_id === "string" && m.tool_call_id !== "" ? m.tool_call_id : undefined;
        if (id === undefined) {
          if (typeof m.name !== "string" || m.name === "") throw errors.invalidRequest("A function message needs `name`.", `${at}.name`);
          id = lastAssistant && callFor(lastAssistant, m.name);
          if (id === undefined) {
            throw errors.invalidRequest(`No earlier assistant turn calls the function '${m.name}' that this function message answers.`, `${at}.name`);
          }
        }
        push(out.messages, "user", [toolResult(m, id, at)]);
        return;
      }
      default:
        throw errors.invalidRequest(`Messages with role '${m.role}' cannot be sent to Anthropic.`, `${at}.role`);
    }
  });
  if (out.messages.length === 0) systemOnly(out);
  return out;
}

/** The id of the assistant's first call of `name` not yet answered by a legacy function message. */
function callFor(last: { m: ChatMessage; i: number; used?: Set<string> }, name: string): string | undefined {
  const used = (last.used ??= new Set());
  const ids = (last.m.tool_calls ?? []).filter((c) => c.function?.name === name).map((c) => c.id);
  const legacy = last.m.function_call as { name?: unknown } | undefined | null;
  if (legacy && legacy.name === name) ids.push(legacyCallId(last.i));
  const id = ids.find((x) => !used.has(x));
  if (id !== undefined) used.add(id);
  return id;
}

/** Legacy function_call has no id: one is made from the message's position. */
const legacyCallId = (i: number): string => `call_fn_${i}`;

/**
 * A conversation of system messages only: OpenAI answers it, Anthropic rejects `messages: []`. The
 * last system text becomes the user turn (sent once, not repeated in `system`); earlier ones stay
 * in `system`. Nothing at all to send is a 400.
 */
function systemOnly(out: ConvertedMessages): void {
  const last = out.system.pop();
  if (!last) throw errors.invalidRequest("The messages hold no content Anthropic can answer (every message is empty).", "messages");
  out.messages.push({ role: "user", content: last.cache_control === undefined ? last.text : [last] });
}

/**
 * Anthropic requires alternating roles: a message with the same role as the previous one is merged
 * into it (several tool results become one user turn). Empty messages are skipped (Anthropic
 * rejects empty content).
 */
function push(messages: AnthropicMessage[], role: "user" | "assistant", content: string | AnthropicBlock[]): void {
  if (content.length === 0) return;
  const last = messages.at(-1);
  if (!last || last.role !== role) {
    messages.push({ role, content });
    return;
  }
  const merged = [...asBlocks(last.content), ...asBlocks(content)];
  // tool_result blocks must open their user turn.
  last.content = role === "user" ? [...merged.filter(isToolResult), ...merged.filter((b) => !isToolResult(b))] : merged;
}

const isToolResult = (b: AnthropicBlock): boolean => b.type === "tool_result";
const asBlocks = (c: string | AnthropicBlock[]): AnthropicBlock[] => (typeof c === "string" ? [{ type: "text", text: c }] : c);

function textBlock(text: string, part?: ContentPart, param?: string): AnthropicTextBlock {
  const block: AnthropicTextBlock = { type: "text", text };
  // Clients that know Anthropic mark prompt-cache breakpoints on their parts; keep them.
  return part ? withCache(block, part, param) : block;
}

/** A prompt-cache breakpoint set on an OpenAI part is kept on the block made from it. */
function withCache<B extends AnthropicBlock>(block: B, part: ContentPart, param = "messages"): B {
  const cache = (part as { cache_control?: unknown }).cache_control;
  if (cache !== undefined && cache !== null) (block as { cache_control?: unknown }).cache_control = cacheControl(cache, `${param}.cache_control`);
  return block;
}

/** `cache_control` must be Anthropic's object (`{type: "ephemeral", ttl?}`): anything else is a 400 here, not upstream. */
export function cacheControl(value: unknown, param: string): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value) || typeof (value as { type?: unknown }).type !== "string") {
    throw errors.invalidRequest("`cache_control` must be an object such as {\"type\": \"ephemeral\"}.", param);
  }
  return value;
}

function textOnly(content: ChatMessage["content"], param: string): AnthropicTextBlock[] {
  if (content == null || content === "") return [];
  if (typeof content === "string") return [textBlock(content)];
  return content.map((part, j) => {
    if (part.type !== "text" || typeof part.text !== "string") throw errors.invalidRequest("Only text parts are allowed here.", `${param}[${j}]`);
    return textBlock(part.text, part, `${param}[${j}]`);
  }).filter((b) => b.text !== "");
}

function userContent(content: ChatMessage["content"], param: string): string | AnthropicBlock[] {
  if (content == null) return "";
  if (typeof content === "string") return content;
  return content.map((part, j) => contentBlock(part, `${param}[${j}]`)).filter((b) => b.type !== "text" || (b as AnthropicTextBlock).text !== "");
}

function contentBlock(part: ContentPart, param: string): AnthropicBlock {
  switch (part.type) {
    case "text":
      if (typeof part.text !== "string") throw errors.invalidRequest("A text part needs a `text` string.", param);
      return textBlock(part.text, part, param);
    case "image_url":
      return withCache(imageBlock(part, param), part, param);
    case "file":
      return withCache(documentBlock(part, param), part, param);
    default:
      throw errors.invalidRequest(`Content parts of type '${part.type}' cannot be sent to Anthropic.`, `${param}.type`);
  }
}

const DATA_URL = /^data:([^;,]+)((?:;[^;,]*)*),(.*)$/s;

/** A `data:<mime>;base64,<data>` URL, or undefined for anything else. */
function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  const m = DATA_URL.exec(url);
  if (!m || !m[2]!.split(";").includes("base64")) return undefined;
  const mediaType = m[1]!.toLowerCase();
  // image/jpg is common in clients and accepted elsewhere; Anthropic knows only image/jpeg.
  return { mediaType: mediaType === "image/jpg" ? "image/jpeg" : mediaType, data: m[3]! };
}

function imageBlock(part: ContentPart, param: string): AnthropicImageBlock {
  const url = (part as { image_url?: { url?: unknown } }).image_url?.url;
  if (typeof url !== "string") throw errors.invalidRequest("An image_url part needs `image_url.url`.", `${param}.image_url.url`);
  if (url.startsWith("data:")) {
    const parsed = parseDataUrl(url);
    if (!parsed) throw errors.invalidRequest("Image data URLs must be base64 encoded (data:<type>;base64,...).", `${param}.image_url.url`);
    return { type: "image", source: { type: "base64", media_type: parsed.mediaType, data: parsed.data } };
  }
  if (/^https?:\/\//i.test(url)) return { type: "image", source: { type: "url", url } };
  throw errors.invalidRequest("Image URLs must be http(s) or base64 data URLs.", `${param}.image_url.url`);
}

function documentBlock(part: ContentPart, param: string): AnthropicBlock {
  const data = (part as { file?: { file_data?: unknown } }).file?.file_data;
  const parsed = typeof data === "string" ? parseDataUrl(data) : undefined;
  if (!parsed) throw errors.invalidRequest("File parts need `file.file_data` as a base64 data URL (file ids cannot be sent to Anthropic).", `${param}.file`);
  return { type: "document", source: { type: "base64", media_type: parsed.mediaType, data: parsed.data } };
}

function assistantContent(m: ChatMessage, i: number, out: ConvertedMessages): string | AnthropicBlock[] {
  const at = `messages[${i}]`;
  const historyTools = out.historyTools;
  const calls = m.tool_calls ?? [];
  const legacy = m.function_call as { name: string; arguments: string } | undefined | null;
  const reasoned = m.reasoning_details != null || m.reasoning_signature != null;
  if (calls.length === 0 && !legacy && !reasoned && typeof m.content === "string") return m.content;
  // Thinking blocks open the turn, before its text and tool_use blocks.
  const blocks: AnthropicBlock[] = reasoned ? historyThinking(m, at) : [];
  if (blocks.length > 0) out.thinking = true;
  if (typeof m.content === "string") {
    if (m.content !== "") blocks.push(textBlock(m.content));
  } else {
    (m.content ?? []).forEach((p, j) => {
      if (p.type !== "refusal") blocks.push(contentBlock(p, `${at}.content[${j}]`));
    });
  }
  calls.forEach((call, j) => {
    if (call.type !== undefined && call.type !== "function") {
      throw errors.invalidRequest("Only function tool calls can be sent to Anthropic.", `${at}.tool_calls[${j}].type`);
    }
    historyTools.add(call.function.name);
    blocks.push(toolUse(call.id, call.function.name, call.function.arguments));
  });
  if (legacy) {
    // The function message after it is matched by name.
    const id = legacyCallId(i);
    historyTools.add(legacy.name);
    blocks.push(toolUse(id, legacy.name, legacy.arguments));
  }
  return blocks.filter((b) => b.type !== "text" || (b as AnthropicTextBlock).text !== "");
}

/**
 * Replayed arguments → tool_use `input`. OpenAI keeps whatever string the model produced (a truncated
 * or non-object answer included); Anthropic needs an object, so anything that is not a JSON object
 * goes as `{"_raw": "<the arguments string>"}` and the model still sees what it said.
 */
function toolUse(id: string, name: string, args: string | undefined): AnthropicToolUseBlock {
  if (!args || args.trim() === "") return { type: "tool_use", id, name, input: {} };
  let input: unknown;
  try {
    input = JSON.parse(args);
  } catch {
    input = undefined;
  }
  if (input === null || typeof input !== "object" || Array.isArray(input)) input = { _raw: args };
  return { type: "tool_use", id, name, input };
}

function toolResult(m: ChatMessage, id: string | undefined, at: string): AnthropicToolResultBlock {
  if (typeof id !== "string" || id === "") throw errors.invalidRequest("A tool message needs `tool_call_id`.", `${at}.tool_call_id`);
  let content: AnthropicToolResultBlock["content"];
  if (m.content == null) content = "";
  else if (typeof m.content === "string") content = m.content;
  else {
    content = m.content.map((part, j) => {
      const block = contentBlock(part, `${at}.content[${j}]`);
      if (block.type !== "text" && block.type !== "image") throw errors.invalidRequest("Tool results may hold text and images only.", `${at}.content[${j}]`);
      return block as AnthropicTextBlock | AnthropicImageBlock;
    });
  }
  return { type: "tool_result", tool_use_id: id, content };
}
