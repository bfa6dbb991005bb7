import { errors } from "../../../core/errors.ts";
import type { ChatCompletionRequest, ChatMessage, ContentPart, FunctionTool } from "../../../core/openai-types.ts";
import { cleanFunctionParameters } from "./schema.ts";
import { GEMINI_REASONING_FORMAT } from "./response.ts";
import { thinkingConfig, geminiGeneration } from "./thinking.ts";
import { geminiCallIdOf, thoughtSignatureOf } from "./tool-call-id.ts";
import type { Content, FunctionCall, FunctionCallingMode, FunctionResponse, GenerateContentBody, GenerationConfig, Part } from "./wire.ts";

/**
 * OpenAI chat request → Gemini generateContent body (the same for the Gemini API and Vertex). `model` is the
 * upstream model id: thinking settings and history signatures depend on its generation.
 */
export function toGenerateContent(request: ChatCompletionRequest, model: string = request.model): GenerateContentBody {
  const body: GenerateContentBody = { contents: toContents(request.messages, geminiGeneration(model) >= 3) };
  const system = systemParts(request.messages);
  if (body.contents.length === 0) {
    // Gemini rejects `contents: []`. A request of system messages only (a prompt given as instructions)
    // is answered as OpenAI answers it: the instructions become the one user turn, sent once.
    if (system.length === 0) throw errors.invalidRequest("messages: there is nothing to send (every message is empty).", "messages");
    body.contents.push({ role: "user", parts: system });
  } else if (system.length > 0) body.systemInstruction = { parts: system };
  const declarations = (request.tools ?? []).filter((t): t is FunctionTool => t?.type === "function").map(toDeclaration);
  if (declarations.length > 0) {
    body.tools = [{ functionDeclarations: declarations }];
    const config = toolConfig(request.tool_choice);
    if (config) body.toolConfig = config;
  }
  const generation = generationConfig(request, model);
  if (generation) body.generationConfig = generation;
  return body;
}

function systemParts(messages: readonly ChatMessage[]): Part[] {
  const parts: Part[] = [];
  messages.forEach((m, i) => {
    if (m.role === "system" || m.role === "developer") parts.push(...textParts(m.content, i));
  });
  return parts;
}

/**
 * Gemini 3 rejects a history whose function calls have no thoughtSignature (the first call of each model
 * turn must carry one). A history written by another provider, or by a client that lost the id, gets the
 * placeholder Google documents for exactly that case.
 */
export const PLACEHOLDER_SIGNATURE = "skip_thought_signature_validator";

function toContents(messages: readonly ChatMessage[], signaturesRequired: boolean): Content[] {
  const contents: Content[] = [];
  // tool_call_id → function name: an OpenAI tool message names only the call, Gemini needs the function.
  const names = new Map<string, string>();
  const push = (role: "user" | "model", parts: Part[]) => {
    if (parts.length === 0) return;
    const last = contents.at(-1);
    // Consecutive turns of one role are merged: parallel function responses must share one turn.
    if (last?.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };
  messages.forEach((m, i) => {
    switch (m.role) {
      case "system":
      case "developer":
        return;
      case "user":
        return push("user", userParts(m.content, i));
      case "assistant": {
        const parts = textParts(m.content, i);
        // A text part's signature travels in the message's extra_content or reasoning_details (what Butter answered with).
        const textSignature = textSignatureOf(m);
        if (textSignature !== undefined && parts.length > 0) parts[parts.length - 1]!.thoughtSignature = textSignature;
        let firstCall = true;
        (m.tool_calls ?? []).forEach((call, j) => {
          if (call?.type !== undefined && call.type !== "function") return;
          names.set(call.id, call.function.name);
          const functionCall: FunctionCall = { name: call.function.name, args: parseArguments(call.function.arguments, `messages[${i}].tool_calls[${j}].function.arguments`) };
          const id = geminiCallIdOf(call.id);
          if (id) functionCall.id = id;
          const part: Part = { functionCall };
          const signature = thoughtSignatureOf(call as { id: string; extra_content?: unknown });
          if (signature) part.thoughtSignature = signature;
          else if (firstCall && signaturesRequired) part.thoughtSignature = PLACEHOLDER_SIGNATURE;
          firstCall = false;
          parts.push(part);
        });
        return push("model", parts);
      }
      case "tool":
      case "function": {
        const id = m.tool_call_id;
        const name = (id !== undefined ? names.get(id) : undefined) ?? (typeof m.name === "string" ? m.name : undefined);
        if (!name) {
          throw errors.invalidRequest(
            `messages[${i}]: no earlier assistant tool call has the id '${id ?? ""}', so its function name is unknown (Gemini needs it).`,
            `messages[${i}].tool_call_id`,
          );
        }
        const functionResponse: FunctionResponse = { name, response: toolResponse(flatText(m.content)) };
        const callId = geminiCallIdOf(id);
        if (callId) functionResponse.id = callId;
        return push("user", [{ functionResponse }]);
      }
      default:
        throw errors.invalidRequest(`messages[${i}].role: unsupported role '${String(m.role)}'.`, `messages[${i}].role`);
    }
  });
  return contents;
}

/**
 * The signature of an assistant message's text: Google's `extra_content.google.thought_signature`, else a
 * Gemini-format `reasoning.encrypted` item of `reasoning_details`. Anything else there (another provider's
 * reasoning, odd shapes) is not Gemini's to judge and is left out.
 */
function textSignatureOf(m: ChatMessage): string | undefined {
  const extra = (m.extra_content as { google?: { thought_signature?: unknown } } | null | undefined)?.google?.thought_signature;
  if (typeof extra === "string" && extra !== "") return extra;
  const details = m.reasoning_details;
  if (!Array.isArray(details)) return undefined;
  for (const d of details as Array<{ type?: unknown; data?: unknown; format?: unknown } | null>) {
    if (d?.type === "reasoning.encrypted" && d.format === GEMINI_REASONING_FORMAT && typeof d.data === "string" && d.data !== "") return d.data;
  }
  return undefined;
}

/** Gemini wants an object; a JSON object result is sent as it is, anything else under `output`. */
function toolResponse(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Plain text result.
  }
  return { output: text };
}

function parseArguments(text: string, param: string): Record<string, unknown> {
  if (text === undefined || text === null || text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw errors.invalidRequest(`${param}: tool-call arguments must be a JSON object.`, param);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw errors.invalidRequest(`${param}: tool-call arguments must be a JSON object.`, param);
  return value as Record<string, unknown>;
}

function flatText(content: ChatMessage["content"]): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((p) => (p.type === "text" && typeof p.text === "string" ? p.text : "")).join("");
}

/** Text-only content (system, assistant); empty text is skipped because Gemini rejects empty parts. */
function textParts(content: ChatMessage["content"], i: number): Part[] {
  if (content == null) return [];
  if (typeof content === "string") return content === "" ? [] : [{ text: content }];
  return content.flatMap((p, j): Part[] => {
    if (p.type === "text") return typeof p.text === "string" && p.text !== "" ? [{ text: p.text }] : [];
    if (p.type === "refusal") return [];
    throw errors.invalidRequest(`messages[${i}].content[${j}]: only text parts are allowed here.`, `messages[${i}].content[${j}]`);
  });
}

function userParts(content: ChatMessage["content"], i: number): Part[] {
  if (content == null || typeof content === "string") return textParts(content, i);
  return content.flatMap((p, j) => userPart(p, `messages[${i}].content[${j}]`));
}

function userPart(p: ContentPart, param: string): Part[] {
  switch (p.type) {
    case "text":
      return typeof p.text === "string" && p.text !== "" ? [{ text: p.text }] : [];
    case "image_url": {
      const url = (p as { image_url?: { url?: unknown } }).image_url?.url;
      if (typeof url !== "string") throw errors.invalidRequest(`${param}.image_url.url must be a string.`, param);
      return [mediaPart(url, param, guessImageMime)];
    }
    case "input_audio": {
      const audio = (p as { input_audio?: { data?: unknown; format?: unknown } }).input_audio;
      if (typeof audio?.data !== "string") throw errors.invalidRequest(`${param}.input_audio.data must be a base64 string.`, param);
      const format = typeof audio.format === "string" ? audio.format : "wav";
      return [{ inlineData: { mimeType: format === "mp3" ? "audio/mpeg" : `audio/${format}`, data: audio.data } }];
    }
    case "file": {
      const file = (p as { file?: { file_data?: unknown; file_id?: unknown } }).file;
      if (typeof file?.file_data === "string") return [mediaPart(file.file_data, param, () => "application/pdf")];
      if (typeof file?.file_id === "string") return [{ fileData: { fileUri: file.file_id } }];
      throw errors.invalidRequest(`${param}.file needs file_data or file_id.`, param);
    }
    default:
      throw errors.invalidRequest(`${param}: content part type '${p.type}' is not supported by this provider.`, param);
  }
}

const DATA_URL = /^data:([^;,]+)((?:;[^;,]*)*);base64,(.*)$/s;

/** data: URLs travel inline; other URLs go as fileData (Files API, gs:// and YouTube URIs, or a public URL). */
function mediaPart(url: string, param: string, guess: (url: string) => string): Part {
  if (url.startsWith("data:")) {
    const m = DATA_URL.exec(url);
    if (!m) throw errors.invalidRequest(`${param}: a data URL must be base64 encoded (data:<mime>;base64,<data>).`, param);
    return { inlineData: { mimeType: m[1]!, data: m[3]! } };
  }
  return { fileData: { mimeType: guess(url), fileUri: url } };
}

const IMAGE_TYPES: Record<string, string> = {
  png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", webp: "image/webp", gif: "image/gif", heic: "image/heic", heif: "image/heif",
  pdf: "application/pdf",
};

/** From the URL's extension; a URL without a known one (Files API URIs) is declared image/jpeg. */
export function guessImageMime(url: string): string {
  let path = url;
  try {
    path = new URL(url).pathname;
  } catch {
    // gs:// and other non-standard URIs: use the text as it is.
  }
  const ext = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  return (ext && IMAGE_TYPES[ext]) || "image/jpeg";
}

function toDeclaration(tool: FunctionTool): { name: string; description?: string; parameters?: Record<string, unknown> } {
  const out: { name: string; description?: string; parameters?: Record<string, unknown> } = { name: tool.function.name };
  if (tool.function.description) out.description = tool.function.description;
  const parameters = cleanFunctionParameters(tool.function.parameters);
  if (parameters) out.parameters = parameters;
  return out;
}

function toolConfig(choice: unknown): GenerateContentBody["toolConfig"] {
  const config = (mode: FunctionCallingMode, allowedFunctionNames?: string[]) => ({
    functionCallingConfig: allowedFunctionNames ? { mode, allowedFunctionNames } : { mode },
  });
  if (choice === undefined || choice === null) return undefined;
  if (choice === "auto") return config("AUTO");
  if (choice === "required") return config("ANY");
  if (choice === "none") return config("NONE");
  const c = choice as { type?: string; function?: { name?: string }; allowed_tools?: { mode?: string; tools?: Array<{ function?: { name?: string } }> } };
  if (c.type === "function" && typeof c.function?.name === "string") return config("ANY", [c.function.name]);
  if (c.type === "allowed_tools" && c.allowed_tools) {
    if (c.allowed_tools.mode !== "required") return config("AUTO");
    const names = (c.allowed_tools.tools ?? []).map((t) => t.function?.name).filter((n): n is string => typeof n === "string");
    return config("ANY", names.length > 0 ? names : undefined);
  }
  throw errors.invalidRequest("tool_choice: expected \"none\", \"auto\", \"required\" or a function.", "tool_choice");
}

/** OpenAI allows 0–20 top logprobs; Gemini's `logprobs` takes the same range. */
const MAX_TOP_LOGPROBS = 20;

function generationConfig(r: ChatCompletionRequest, model: string): GenerationConfig | undefined {
  const g: GenerationConfig = {};
  if (typeof r.temperature === "number") g.temperature = r.temperature;
  if (typeof r.top_p === "number") g.topP = r.top_p;
  if (typeof r.top_k === "number") g.topK = r.top_k;
  const max = r.max_completion_tokens ?? r.max_tokens;
  if (typeof max === "number") g.maxOutputTokens = max;
  if (typeof r.stop === "string") g.stopSequences = [r.stop];
  else if (Array.isArray(r.stop) && r.stop.length > 0) g.stopSequences = r.stop;
  if (typeof r.n === "number") g.candidateCount = r.n;
  if (typeof r.seed === "number") g.seed = r.seed;
  if (typeof r.presence_penalty === "number") g.presencePenalty = r.presence_penalty;
  if (typeof r.frequency_penalty === "number") g.frequencyPenalty = r.frequency_penalty;
  const format = r.response_format;
  if (format?.type === "json_object") g.responseMimeType = "application/json";
  else if (format?.type === "json_schema") {
    g.responseMimeType = "application/json";
    // responseJsonSchema takes JSON Schema as it is (a recorded js-genai call sent $schema and
    // additionalProperties there), so strict-mode schemas keep their meaning; no cleaning here.
    const schema = format.json_schema?.schema;
    if (schema && typeof schema === "object") g.responseJsonSchema = schema;
  }
  const thinking = thinkingConfig(r.reasoning_effort, model);
  if (thinking) g.thinkingConfig = thinking;
  if (r.logprobs === true) {
    g.responseLogprobs = true;
    const top = r.top_logprobs;
    if (top !== undefined) {
      if (typeof top !== "number" || !Number.isInteger(top) || top < 0 || top > MAX_TOP_LOGPROBS) {
        throw errors.invalidRequest(`top_logprobs: expected an integer from 0 to ${MAX_TOP_LOGPROBS}.`, "top_logprobs");
      }
      if (top > 0) g.logprobs = top;
    }
  }
  return Object.keys(g).length > 0 ? g : undefined;
}
