// An OpenAI Responses request → the internal ChatCompletionRequest for this turn, the turn's input
// as items (what the store keeps) and the settings the Response object repeats. Every field the
// translation reads is type-checked (a 400 naming it); fields only a native Responses target can
// honour (hosted tools, item references, prompt templates, background runs) are 400s here, never
// dropped. Unknown top-level fields are ignored: OpenAI adds new ones often.
import { errors, type GatewayError } from "../../../core/errors.ts";
import type { ChatCompletionRequest, ChatMessage, ContentPart, FunctionTool, ResponseFormat, ToolCall } from "../../../core/openai-types.ts";
import { decodeReasoningDetails } from "./reasoning.ts";
import { chatToolName } from "./tool-names.ts";
import type {
  FunctionCallItem, FunctionCallOutputItem, InputPart, MessageItem, OutputPart, ReasoningItem, ResponseEcho, ResponseItem,
  ResponsesFunctionTool, ResponsesNamespaceTool, ResponsesTool, ResponsesToolChoice, TextFormat,
} from "./types.ts";

export interface ParsedResponses {
  /** The internal chat request for THIS turn: instructions (a system message, first) and this turn's input only. */
  chat: ChatCompletionRequest;
  /** This turn's input as Responses items (a string input is one user message item), for storing. */
  input: ResponseItem[];
  instructions: string | undefined;
  store: boolean;
  previousResponseId: string | undefined;
  echo: ResponseEcho;
  /**
   * Hosted tools (web_search, file_search, code_interpreter...) a translated target cannot run, left
   * out of the chat request; the answer says which (x-butter-dropped-tools). Agent clients such as
   * Codex always offer some, and a model that cannot call them answers without them.
   */
  dropped: string[];
}

type Obj = Record<string, unknown>;

const EFFORTS = ["none", "minimal", "low", "medium", "high", "xhigh"];
const SUMMARIES = ["auto", "concise", "detailed"];
const ROLES = ["user", "assistant", "system", "developer"];

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const given = (v: unknown): boolean => v !== undefined && v !== null;
const kind = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
const bad = (message: string, param: string): GatewayError => errors.invalidRequest(message, param);
const wrongType = (param: string, expected: string, v: unknown): GatewayError => bad(`${param}: expected ${expected}, but got ${kind(v)}.`, param);
const notSupported = (param: string, what: string): GatewayError =>
  bad(`${param}: ${what} is not supported by the gateway's translation of the Responses API for this model.`, param);

function str(o: Obj, field: string, at: string): string {
  const v = o[field];
  if (typeof v !== "string") throw v === undefined ? bad(`${at}.${field}: Field required.`, `${at}.${field}`) : wrongType(`${at}.${field}`, "a string", v);
  return v;
}

function optStr(o: Obj, field: string, at: string): string | undefined {
  const v = o[field];
  if (!given(v)) return undefined;
  if (typeof v !== "string") throw wrongType(at === "" ? field : `${at}.${field}`, "a string", v);
  return v;
}

function optBool(o: Obj, field: string): boolean | undefined {
  const v = o[field];
  if (!given(v)) return undefined;
  if (typeof v !== "boolean") throw wrongType(field, "a boolean", v);
  return v;
}

function optNum(o: Obj, field: string): number | undefined {
  const v = o[field];
  if (!given(v)) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) throw wrongType(field, "a number", v);
  return v;
}

function obj(v: unknown, at: string): Obj {
  if (!isObj(v)) throw wrongType(at, "an object", v);
  return v;
}

// ---- input items ---------------------------------------------------------------------------

function inputPart(p: Obj, at: string): InputPart {
  switch (p.type) {
    case "input_text":
      return { type: "input_text", text: str(p, "text", at) };
    case "input_image": {
      if (given(p.file_id)) throw notSupported(`${at}.file_id`, "An image by file_id (file_id not supported; send image_url)");
      const url = str(p, "image_url", at);
      if (!/^(data:|https?:\/\/)/i.test(url)) throw bad(`${at}.image_url: expected a data: URL or an http(s) URL.`, `${at}.image_url`);
      const part: InputPart = { type: "input_image", image_url: url };
      const detail = optStr(p, "detail", at);
      if (detail !== undefined) {
        if (!["low", "high", "auto", "original"].includes(detail)) throw bad(`${at}.detail: expected one of low, high, auto, original.`, `${at}.detail`);
        part.detail = detail as "low";
      }
      return part;
    }
    case "input_file": {
      if (given(p.file_id)) throw notSupported(`${at}.file_id`, "A file by file_id (file_id not supported; send file_data)");
      if (given(p.file_url)) throw notSupported(`${at}.file_url`, "A file by URL (send file_data)");
      const data = str(p, "file_data", at);
      if (!data.startsWith("data:")) throw bad(`${at}.file_data: expected a data: URL (data:<media type>;base64,...).`, `${at}.file_data`);
      const part: InputPart = { type: "input_file", file_data: data };
      const name = optStr(p, "filename", at);
      if (name !== undefined) part.filename = name;
      return part;
    }
    default:
      throw bad(`${at}.type: content parts of type '${String(p.type)}' cannot be used here.`, `${at}.type`);
  }
}

function outputPart(p: Obj, at: string): OutputPart {
  if (p.type === "output_text") return { type: "output_text", text: str(p, "text", at), annotations: [] };
  if (p.type === "refusal") return { type: "refusal", refusal: str(p, "refusal", at) };
  throw bad(`${at}.type: content parts of type '${String(p.type)}' cannot be used here.`, `${at}.type`);
}

function parts(v: unknown, at: string, read: (p: Obj, at: string) => InputPart | OutputPart): Array<InputPart | OutputPart> {
  if (!Array.isArray(v)) throw wrongType(at, "a string or an array of content parts", v);
  return v.map((p, j) => read(obj(p, `${at}[${j}]`), `${at}[${j}]`));
}

function messageItem(it: Obj, at: string): MessageItem {
  const role = it.role;
  if (typeof role !== "string" || !ROLES.includes(role)) {
    throw role === undefined ? bad(`${at}.role: Field required.`, `${at}.role`) : bad(`${at}.role: expected one of ${ROLES.join(", ")}.`, `${at}.role`);
  }
  const content = it.content;
  if (content === undefined) throw bad(`${at}.content: Field required.`, `${at}.content`);
  const item: MessageItem = { type: "message", role: role as MessageItem["role"], content: "" };
  if (typeof content === "string") item.content = content;
  else if (role === "assistant") {
    // Assistant history may hold what the API wrote (output_text, refusal) or what a client typed (input_text).
    item.content = parts(content, `${at}.content`, (p, pat) => (p.type === "input_text" ? { type: "input_text", text: str(p, "text", pat) } : outputPart(p, pat)));
  } else {
    item.content = parts(content, `${at}.content`, inputPart);
    if (role !== "user" && item.content.some((p) => p.type !== "input_text")) {
      throw bad(`${at}.content: ${role} messages hold text only.`, `${at}.content`);
    }
  }
  const id = optStr(it, "id", at);
  if (id !== undefined) item.id = id;
  return item;
}

function functionCall(it: Obj, at: string): FunctionCallItem {
  const item: FunctionCallItem = { type: "function_call", call_id: str(it, "call_id", at), name: str(it, "name", at), arguments: str(it, "arguments", at) };
  const namespace = optStr(it, "namespace", at);
  if (namespace !== undefined) item.namespace = namespace;
  const id = optStr(it, "id", at);
  if (id !== undefined) item.id = id;
  return item;
}

function functionCallOutput(it: Obj, at: string): FunctionCallOutputItem {
  const output = it.output;
  let out: FunctionCallOutputItem["output"];
  if (typeof output === "string") out = output;
  else if (output === undefined) throw bad(`${at}.output: Field required.`, `${at}.output`);
  else out = parts(output, `${at}.output`, inputPart) as InputPart[];
  const item: FunctionCallOutputItem = { type: "function_call_output", call_id: str(it, "call_id", at), output: out };
  const id = optStr(it, "id", at);
  if (id !== undefined) item.id = id;
  return item;
}

function texts(v: unknown, at: string, type: "summary_text" | "reasoning_text"): Array<{ type: typeof type; text: string }> {
  if (!Array.isArray(v)) throw wrongType(at, "an array", v);
  return v.map((p, j) => {
    const part = obj(p, `${at}[${j}]`);
    if (part.type !== type) throw bad(`${at}[${j}].type: expected '${type}'.`, `${at}[${j}].type`);
    return { type, text: str(part, "text", `${at}[${j}]`) };
  });
}

function reasoningItem(it: Obj, at: string): ReasoningItem {
  const item: ReasoningItem = { type: "reasoning", id: optStr(it, "id", at) ?? "", summary: given(it.summary) ? (texts(it.summary, `${at}.summary`, "summary_text") as ReasoningItem["summary"]) : [] };
  if (given(it.content)) item.content = texts(it.content, `${at}.content`, "reasoning_text") as ReasoningItem["content"];
  const encrypted = optStr(it, "encrypted_content", at);
  if (encrypted !== undefined) item.encrypted_content = encrypted;
  return item;
}

function inputItems(input: unknown): ResponseItem[] {
  if (typeof input === "string") return [{ type: "message", role: "user", content: [{ type: "input_text", text: input }] }];
  if (!Array.isArray(input)) throw wrongType("input", "a string or an array of input items", input);
  return input.map((raw, i) => {
    const at = `input[${i}]`;
    const it = obj(raw, at);
    const type = it.type ?? (it.role !== undefined ? "message" : undefined);
    switch (type) {
      case "message": return messageItem(it, at);
      case "function_call": return functionCall(it, at);
      case "function_call_output": return functionCallOutput(it, at);
      case "reasoning": return reasoningItem(it, at);
      case undefined: throw bad(`${at}.type: Field required.`, `${at}.type`);
      default:
        if (typeof type !== "string") throw wrongType(`${at}.type`, "a string", type);
        throw notSupported(`${at}.type`, `Input items of type '${type}'`);
    }
  });
}

// ---- items → chat messages -----------------------------------------------------------------

function chatPart(p: InputPart | OutputPart): ContentPart {
  switch (p.type) {
    case "input_text": return { type: "text", text: p.text };
    case "output_text": return { type: "text", text: p.text };
    case "refusal": return { type: "text", text: p.refusal };
    case "input_image": {
      const image: { url: string; detail?: "auto" | "low" | "high" } = { url: p.image_url ?? "" };
      // Chat has no "original"; leaving detail out lets the provider choose.
      if (p.detail !== undefined && p.detail !== "original") image.detail = p.detail;
      return { type: "image_url", image_url: image };
    }
    case "input_file": {
      const file: Obj = { file_data: p.file_data };
      if (p.filename !== undefined) file.filename = p.filename;
      return { type: "file", file };
    }
  }
}

/** Parts that are all text become one string (the compact form every provider takes). */
function compact(list: readonly ContentPart[]): string | ContentPart[] {
  if (list.every((p) => p.type === "text")) return list.map((p) => (p as { text: string }).text).join("");
  return list.slice();
}

const contentOf = (c: MessageItem["content"]): string | ContentPart[] => (typeof c === "string" ? c : compact(c.map(chatPart)));
const textOf = (c: MessageItem["content"]): string => {
  const v = contentOf(c);
  return typeof v === "string" ? v : v.map((p) => (p.type === "text" ? (p as { text: string }).text : "")).join("");
};

interface AssistantTurn { reasoning: string[]; details: Obj[]; texts: string[]; calls: ToolCall[] }

function assistantMessage(t: AssistantTurn): ChatMessage {
  const text = t.texts.join("\n\n");
  const m: ChatMessage = { role: "assistant", content: t.texts.length === 0 && t.calls.length > 0 ? null : text };
  if (t.calls.length > 0) m.tool_calls = t.calls;
  const reasoning = t.reasoning.join("\n\n");
  if (reasoning !== "") m.reasoning_content = reasoning;
  if (t.details.length > 0) m.reasoning_details = t.details;
  return m;
}

/**
 * Input items and stored output items → chat messages. A run of assistant items (reasoning,
 * assistant messages, function calls) is one assistant message: its reasoning first, then its
 * text, then its tool calls in order. A reasoning item after the text belongs to the same turn
 * (the stream writes late signatures last), so it joins it rather than starting another.
 */
export function itemsToMessages(items: readonly ResponseItem[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  let turn: AssistantTurn | undefined;
  const flush = () => {
    if (turn) out.push(assistantMessage(turn));
    turn = undefined;
  };
  const open = (): AssistantTurn => (turn ??= { reasoning: [], details: [], texts: [], calls: [] });
  for (const item of items) {
    switch (item.type) {
      case "reasoning": {
        const t = open();
        const text = (item.content && item.content.length > 0 ? item.content : item.summary).map((p) => p.text).join("\n\n");
        if (text !== "") t.reasoning.push(text);
        const details = decodeReasoningDetails(item.encrypted_content);
        if (details) t.details.push(...details);
        break;
      }
      case "function_call":
        open().calls.push({ id: item.call_id, type: "function", function: { name: chatToolName(item.name, item.namespace), arguments: item.arguments } });
        break;
      case "function_call_output":
        flush();
        out.push({ role: "tool", tool_call_id: item.call_id, content: typeof item.output === "string" ? item.output : compact(item.output.map(chatPart)) });
        break;
      case "message":
        if (item.role === "assistant") {
          const text = textOf(item.content);
          if (text !== "" || typeof item.content === "string") open().texts.push(text);
          break;
        }
        flush();
        if (item.role === "user") out.push({ role: "user", content: contentOf(item.content) });
        else out.push({ role: "system", content: textOf(item.content) });
        break;
    }
  }
  flush();
  return out;
}

// ---- settings ------------------------------------------------------------------------------

/** Tools the client declares: function and namespace tools are kept, hosted tools' types collected in `dropped`. */
function tools(v: unknown, dropped: string[]): ResponsesTool[] {
  if (!Array.isArray(v)) throw wrongType("tools", "an array", v);
  const out: ResponsesTool[] = [];
  v.forEach((raw, i) => {
    const at = `tools[${i}]`;
    const t = obj(raw, at);
    if (t.type === "function") out.push(functionTool(t, at));
    else if (t.type === "namespace") out.push(namespaceTool(t, at));
    else if (typeof t.type !== "string") throw t.type === undefined ? bad(`${at}.type: Field required.`, `${at}.type`) : wrongType(`${at}.type`, "a string", t.type);
    // A custom (free-form) tool is the client's own: dropping it would take a capability away unseen.
    else if (t.type === "custom") throw notSupported(`${at}.type`, `The '${t.type}' tool`);
    else if (!dropped.includes(t.type)) dropped.push(t.type);
  });
  return out;
}

function functionTool(t: Obj, at: string): ResponsesFunctionTool {
  if (t.type !== "function") throw notSupported(`${at}.type`, `The '${String(t.type)}' tool`);
  const name = str(t, "name", at);
  if (name === "") throw bad(`${at}.name: must not be empty.`, `${at}.name`);
  const parameters = t.parameters;
  if (given(parameters) && !isObj(parameters)) throw wrongType(`${at}.parameters`, "an object", parameters);
  const strict = t.strict;
  if (given(strict) && typeof strict !== "boolean") throw wrongType(`${at}.strict`, "a boolean", strict);
  return { type: "function", name, description: optStr(t, "description", at) ?? null, parameters: (parameters as Obj | undefined) ?? null, strict: (strict as boolean | undefined) ?? null };
}

function namespaceTool(t: Obj, at: string): ResponsesNamespaceTool {
  const name = str(t, "name", at);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw bad(`${at}.name: expected letters, digits, '_' or '-'.`, `${at}.name`);
  if (!Array.isArray(t.tools)) throw wrongType(`${at}.tools`, "an array", t.tools);
  const inner = t.tools.map((raw, j) => functionTool(obj(raw, `${at}.tools[${j}]`), `${at}.tools[${j}]`));
  return { type: "namespace", name, description: optStr(t, "description", at) ?? null, tools: inner };
}

/** The chat functions for the declared tools: a namespace's functions each under `<namespace>__<name>`. */
function chatTools(list: readonly ResponsesTool[]): FunctionTool[] {
  const out: FunctionTool[] = [];
  for (const t of list) {
    if (t.type === "function") out.push(chatTool(t, undefined));
    else for (const inner of t.tools) out.push(chatTool(inner, t.name));
  }
  return out;
}

function chatTool(t: ResponsesFunctionTool, namespace: string | undefined): FunctionTool {
  const fn: FunctionTool["function"] = { name: chatToolName(t.name, namespace) };
  if (t.description !== null) fn.description = t.description;
  if (t.parameters !== null) fn.parameters = t.parameters;
  if (t.strict !== null) fn.strict = t.strict;
  return { type: "function", function: fn };
}

function toolChoice(v: unknown): ResponsesToolChoice {
  if (v === "auto" || v === "none" || v === "required") return v;
  if (typeof v === "string") throw bad("tool_choice: expected one of auto, none, required, or an object.", "tool_choice");
  const o = obj(v, "tool_choice");
  if (o.type === "function") {
    const name = str(o, "name", "tool_choice");
    const namespace = optStr(o, "namespace", "tool_choice");
    return { type: "function", name: chatToolName(name, namespace) };
  }
  if (typeof o.type !== "string") throw wrongType("tool_choice.type", "a string", o.type);
  throw notSupported("tool_choice.type", `tool_choice of type '${o.type}'`);
}

function textFormat(v: unknown): ResponseEcho["text"] {
  const text = obj(v, "text");
  const out: ResponseEcho["text"] = { format: { type: "text" } };
  const verbosity = optStr(text, "verbosity", "text");
  if (verbosity !== undefined) out.verbosity = verbosity;
  if (!given(text.format)) return out;
  const f = obj(text.format, "text.format");
  switch (f.type) {
    case "text":
    case "json_object":
      out.format = { type: f.type };
      return out;
    case "json_schema": {
      const schema = f.schema;
      if (!isObj(schema)) throw schema === undefined ? bad("text.format.schema: Field required.", "text.format.schema") : wrongType("text.format.schema", "an object", schema);
      const format: TextFormat & { type: "json_schema" } = { type: "json_schema", name: str(f, "name", "text.format"), schema };
      const description = optStr(f, "description", "text.format");
      if (description !== undefined) format.description = description;
      if (given(f.strict)) {
        if (typeof f.strict !== "boolean") throw wrongType("text.format.strict", "a boolean", f.strict);
        format.strict = f.strict;
      }
      out.format = format;
      return out;
    }
    default:
      throw bad("text.format.type: expected one of text, json_object, json_schema.", "text.format.type");
  }
}

function responseFormat(f: TextFormat): ResponseFormat | undefined {
  if (f.type === "text") return undefined;
  if (f.type === "json_object") return { type: "json_object" };
  const js: Extract<ResponseFormat, { type: "json_schema" }>["json_schema"] = { name: f.name, schema: f.schema };
  if (f.strict !== undefined && f.strict !== null) js.strict = f.strict;
  if (f.description !== undefined) js.description = f.description;
  return { type: "json_schema", json_schema: js };
}

function reasoning(v: unknown): ResponseEcho["reasoning"] {
  const r = obj(v, "reasoning");
  const effort = optStr(r, "effort", "reasoning");
  if (effort !== undefined && !EFFORTS.includes(effort)) throw bad(`reasoning.effort: expected one of ${EFFORTS.join(", ")}.`, "reasoning.effort");
  // generate_summary is the deprecated name of summary.
  const summary = optStr(r, "summary", "reasoning") ?? optStr(r, "generate_summary", "reasoning");
  if (summary !== undefined && !SUMMARIES.includes(summary)) throw bad(`reasoning.summary: expected one of ${SUMMARIES.join(", ")}.`, "reasoning.summary");
  return { effort: effort ?? null, summary: summary ?? null };
}

function metadata(v: unknown): Record<string, string> {
  const m = obj(v, "metadata");
  const out: Record<string, string> = {};
  for (const key of Object.keys(m)) {
    if (typeof m[key] !== "string") throw wrongType(`metadata.${key}`, "a string", m[key]);
    out[key] = m[key];
  }
  return out;
}

export function parseResponsesRequest(body: Record<string, unknown>): ParsedResponses {
  if (!isObj(body)) throw wrongType("body", "a JSON object", body);
  const model = body.model;
  if (typeof model !== "string" || model === "") {
    throw model === undefined ? bad("model: Field required.", "model") : typeof model === "string" ? bad("model: must not be empty.", "model") : wrongType("model", "a string", model);
  }
  if (body.background === true) throw notSupported("background", "Background mode");
  if (given(body.background) && typeof body.background !== "boolean") throw wrongType("background", "a boolean", body.background);
  if (given(body.conversation)) throw notSupported("conversation", "A conversation object (use previous_response_id)");
  if (given(body.prompt)) throw notSupported("prompt", "A prompt template");

  const previousResponseId = optStr(body, "previous_response_id", "");
  const input = given(body.input) ? inputItems(body.input) : [];
  if (input.length === 0 && previousResponseId === undefined) throw bad("input: Field required (a string or a non-empty array of input items).", "input");
  const instructions = optStr(body, "instructions", "");

  const dropped: string[] = [];
  const echo: ResponseEcho = {
    tools: given(body.tools) ? tools(body.tools, dropped) : [],
    tool_choice: given(body.tool_choice) ? toolChoice(body.tool_choice) : "auto",
    text: given(body.text) ? textFormat(body.text) : { format: { type: "text" } },
    reasoning: given(body.reasoning) ? reasoning(body.reasoning) : { effort: null, summary: null },
    temperature: optNum(body, "temperature") ?? 1,
    top_p: optNum(body, "top_p") ?? 1,
    max_output_tokens: null,
    parallel_tool_calls: optBool(body, "parallel_tool_calls") ?? true,
    metadata: given(body.metadata) ? metadata(body.metadata) : {},
    user: optStr(body, "user", "") ?? null,
    truncation: "disabled",
    safety_identifier: optStr(body, "safety_identifier", "") ?? null,
    prompt_cache_key: optStr(body, "prompt_cache_key", "") ?? null,
    service_tier: optStr(body, "service_tier", "") ?? "auto",
  };
  const max = body.max_output_tokens;
  if (given(max)) {
    if (!Number.isInteger(max) || (max as number) < 1) throw bad("max_output_tokens: expected a positive integer.", "max_output_tokens");
    echo.max_output_tokens = max as number;
  }
  const truncation = optStr(body, "truncation", "");
  if (truncation !== undefined) {
    if (truncation !== "auto" && truncation !== "disabled") throw bad("truncation: expected 'auto' or 'disabled'.", "truncation");
    echo.truncation = truncation;
  }
  const include = body.include;
  if (given(include) && (!Array.isArray(include) || !include.every((s) => typeof s === "string"))) throw wrongType("include", "an array of strings", include);
  const store = optBool(body, "store") ?? true;
  const stream = optBool(body, "stream") ?? false;

  const messages: ChatMessage[] = [];
  if (instructions !== undefined && instructions !== "") messages.push({ role: "system", content: instructions });
  messages.push(...itemsToMessages(input));
  const chat: ChatCompletionRequest = { model, messages };
  if (echo.tools.length > 0) {
    chat.tools = chatTools(echo.tools);
    chat.tool_choice = typeof echo.tool_choice === "string" ? echo.tool_choice : { type: "function", function: { name: echo.tool_choice.name } };
    if (given(body.parallel_tool_calls)) chat.parallel_tool_calls = echo.parallel_tool_calls;
  } else if (echo.tool_choice !== "auto" && echo.tool_choice !== "none") {
    throw bad("tool_choice: a tool is required but `tools` is empty.", "tool_choice");
  }
  const format = responseFormat(echo.text.format);
  if (format) chat.response_format = format;
  if (echo.reasoning.effort !== null) chat.reasoning_effort = echo.reasoning.effort;
  if (echo.max_output_tokens !== null) chat.max_completion_tokens = echo.max_output_tokens;
  if (given(body.temperature)) chat.temperature = echo.temperature;
  if (given(body.top_p)) chat.top_p = echo.top_p;
  if (echo.user !== null && echo.user !== "") chat.user = echo.user;
  if (stream) {
    chat.stream = true;
    // The usage goes into response.completed.
    chat.stream_options = { include_usage: true };
  }
  return { chat, input, instructions, store, previousResponseId, echo, dropped };
}

/**
 * This turn's chat request continuing earlier turns (`previous_response_id`): their messages go
 * after this turn's instructions and before its input. Earlier instructions are not among them:
 * as at OpenAI, instructions hold for the turn that gives them.
 */
export function withHistory(parsed: ParsedResponses, history: readonly ChatMessage[]): ChatCompletionRequest {
  const messages = parsed.chat.messages;
  const lead = parsed.instructions !== undefined && parsed.instructions !== "" ? 1 : 0;
  return { ...parsed.chat, messages: [...messages.slice(0, lead), ...history, ...messages.slice(lead)] };
}
