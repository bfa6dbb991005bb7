// count_tokens for a target whose provider cannot count: a local estimate with OpenAI's o200k_base
// tokenizer (gpt-tokenizer). Its tables (~2 MB of JS) load on the first call, never at startup.
import type { ChatCompletionRequest, ContentPart } from "../../core/openai-types.ts";

type Counter = (text: string) => number;
let counter: Promise<Counter> | undefined;

/** The tokenizer, imported once on first use; a failed import is retried on the next call. */
function loadCounter(): Promise<Counter> {
  counter ??= import("gpt-tokenizer/encoding/o200k_base").then(
    (m) => (text: string) => (text === "" ? 0 : m.countTokens(text)),
    (err: unknown) => {
      counter = undefined;
      throw err;
    },
  );
  return counter;
}

/** Framing per message (role, separators), as in OpenAI's chat accounting. */
export const PER_MESSAGE = 3;
/** The priming of the answer's turn, once per request. */
export const PER_REQUEST = 3;
/** Framing per tool call in the history (its id and the block around name and input). */
export const PER_TOOL_CALL = 20;
/** Framing per tool definition, on top of its name, description and schema. */
export const PER_TOOL = 8;
/**
 * Once per request that offers tools: the tool-use system prompt Claude adds (Anthropic documents
 * 346 tokens for tool_choice auto/none on Claude 4 models). Other providers add less; an estimate on
 * the high side is the safe one for a context-window check.
 */
export const TOOLS_PREAMBLE = 346;
/** An image or document part: a flat guess (providers count them by pixels or pages, which are not read here). */
export const PER_ATTACHMENT = 1000;

/**
 * An estimate of the request's input tokens: the text of the system and messages (text parts,
 * tool-call names and argument JSON, tool results), each tool's name, description and JSON schema,
 * plus fixed framing per message, tool call, tool and attachment, and a tool-use preamble when tools
 * are offered. Thinking from earlier turns is not counted (providers drop it from the input).
 * test/fixtures/count-tokens/ holds recorded Anthropic counts this is checked against.
 */
export async function estimateInputTokens(request: ChatCompletionRequest): Promise<number> {
  const count = await loadCounter();
  let total = PER_REQUEST;
  for (const message of request.messages) {
    total += PER_MESSAGE + content(message.content, count);
    for (const call of message.tool_calls ?? []) total += PER_TOOL_CALL + count(call.function.name) + count(call.function.arguments);
  }
  if (request.tools !== undefined && request.tools.length > 0) total += TOOLS_PREAMBLE;
  for (const tool of request.tools ?? []) {
    const fn = tool.function;
    total += PER_TOOL + count(fn.name) + count(fn.description ?? "");
    if (fn.parameters !== undefined) total += count(JSON.stringify(fn.parameters));
  }
  return total;
}

function content(value: string | ContentPart[] | null | undefined, count: Counter): number {
  if (typeof value === "string") return count(value);
  if (!Array.isArray(value)) return 0;
  let n = 0;
  for (const part of value) {
    if (part.type === "text" && typeof part.text === "string") n += count(part.text);
    else if (part.type === "image_url" || part.type === "file") n += PER_ATTACHMENT;
  }
  return n;
}
