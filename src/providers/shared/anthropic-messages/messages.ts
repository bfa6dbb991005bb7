import { errors } from "../../../core/errors.ts";
import type { ChatMessage, ContentPart } from "../../../core/openai-types.ts";
import type {
  AnthropicBlock, AnthropicImageBlock, AnthropicMessage, AnthropicTextBlock, AnthropicToolResultBlock, AnthropicToolUseBlock,
} from "./wire-types.ts";

export interface ConvertedMessages {
  /** Every system/developer message, in order: Anthropic takes them only at the top level. */
  system: AnthropicTextBlock[];
  messages: AnthropicMessage[];
  /** Names of the tools the history calls (Anthropic wants them defined whenever tool blocks appear). */
  historyTools: Set<string>;
}

/** OpenAI messages → Anthropic's alternating user/assistant turns. */
export function convertMessages(input: readonly ChatMessage[]): ConvertedMessages {
  const out: ConvertedMessages = { system: [], messages: [], historyTools: new Set() };
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
        push(out.messages, "assistant", assistantContent(m, at, out.historyTools));
        return;
      case "tool":
        push(out.messages, "user", [toolResult(m, at)]);
        return;
      default:
        throw errors.invalidRequest(`Messages with role '${m.role}' cannot be sent to Anthropic.`, `${at}.role`);
    }
  });
  return out;
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

function textBlock(text: string, part?: ContentPart): AnthropicTextBlock {
  const block: AnthropicTextBlock = { type: "text", text };
  // Clients that know Anthropic mark prompt-cache breakpoints on their parts; keep them.
  if (part && "cache_control" in part && part.cache_control !== undefined) block.cache_control = part.cache_control;
  return block;
}

function textOnly(content: ChatMessage["content"], param: string): AnthropicTextBlock[] {
  if (content == null || content === "") return [];
  if (typeof content === "string") return [textBlock(content)];
  return content.map((part, j) => {
    if (part.type !== "text" || typeof part.text !== "string") throw errors.invalidRequest("Only text parts are allowed here.", `${param}[${j}]`);
    return textBlock(part.text, part);
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
      return textBlock(part.text, part);
    case "image_url":
      return imageBlock(part, param);
    case "file":
      return documentBlock(part, param);
    default:
      throw errors.invalidRequest(`Content parts of type '${part.type}' cannot be sent to Anthropic.`, `${param}.type`);
  }
}

const DATA_URL = /^data:([^;,]+)((?:;[^;,]*)*),(.*)$/s;

/** A `data:<mime>;base64,<data>` URL, or undefined for anything else. */
function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  const m = DATA_URL.exec(url);
  if (!m || !m[2]!.split(";").includes("base64")) return undefined;
  return { mediaType: m[1]!.toLowerCase(), data: m[3]! };
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

function assistantContent(m: ChatMessage, at: string, historyTools: Set<string>): string | AnthropicBlock[] {
  const calls = m.tool_calls ?? [];
  if (calls.length === 0 && typeof m.content === "string") return m.content;
  const blocks: AnthropicBlock[] = typeof m.content === "string"
    ? (m.content === "" ? [] : [textBlock(m.content)])
    : (m.content ?? []).filter((p) => p.type !== "refusal").map((p, j) => contentBlock(p, `${at}.content[${j}]`));
  calls.forEach((call, j) => {
    if (call.type !== undefined && call.type !== "function") {
      throw errors.invalidRequest("Only function tool calls can be sent to Anthropic.", `${at}.tool_calls[${j}].type`);
    }
    historyTools.add(call.function.name);
    blocks.push(toolUse(call.id, call.function.name, call.function.arguments, `${at}.tool_calls[${j}].function.arguments`));
  });
  return blocks.filter((b) => b.type !== "text" || (b as AnthropicTextBlock).text !== "");
}

function toolUse(id: string, name: string, args: string | undefined, param: string): AnthropicToolUseBlock {
  let input: unknown = {};
  if (args && args.trim() !== "") {
    try {
      input = JSON.parse(args);
    } catch {
      throw errors.invalidRequest("Tool call arguments must be a JSON object.", param);
    }
  }
  if (input === null || typeof input !== "object" || Array.isArray(input)) throw errors.invalidRequest("Tool call arguments must be a JSON object.", param);
  return { type: "tool_use", id, name, input };
}

function toolResult(m: ChatMessage, at: string): AnthropicToolResultBlock {
  if (typeof m.tool_call_id !== "string" || m.tool_call_id === "") throw errors.invalidRequest("A tool message needs `tool_call_id`.", `${at}.tool_call_id`);
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
  return { type: "tool_result", tool_use_id: m.tool_call_id, content };
}
