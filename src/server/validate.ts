import { errors, type GatewayError } from "../core/errors.ts";
import type { ChatCompletionRequest, EmbeddingRequest } from "../core/openai-types.ts";

// The one check of a client's request shape, before any plugin, route or translator sees it: every
// field the gateway or a translator reads has the type OpenAI documents, so translators never meet
// `content: [null]` or `tool_calls: 5`. Wrong types are 400s whose `param` names the field the way
// OpenAI does (`messages[0].content[1].type`). Values are judged by the provider (ranges, model
// support); unknown fields pass through. Hand-written loops: this runs on every request.

type Obj = Record<string, unknown>;

const ROLES = new Set(["system", "developer", "user", "assistant", "tool", "function"]);
const NUMBERS = ["temperature", "top_p", "presence_penalty", "frequency_penalty", "top_k"] as const;
const INTEGERS = ["max_tokens", "max_completion_tokens", "seed", "top_logprobs"] as const;
const BOOLEANS = ["stream", "parallel_tool_calls", "logprobs", "store"] as const;
const STRINGS = ["user", "reasoning_effort", "service_tier", "verbosity"] as const;
const OBJECTS = ["metadata", "logit_bias", "prediction", "audio", "web_search_options"] as const;
/** Optional top-level fields where null means "not given" (as OpenAI treats it); removed so translators see only absent or typed values. */
const NULLABLE = [
  "stream_options", "tools", "tool_choice", "parallel_tool_calls", "stop", "response_format", "n",
  "functions", "function_call", "modalities", ...NUMBERS, ...INTEGERS, ...BOOLEANS, ...STRINGS, ...OBJECTS,
] as const;
const NULLABLE_FIELDS: ReadonlySet<string> = new Set(NULLABLE);

/** The top-level fields whose check is only their type, by name: one lookup per field the body has. */
const TYPED: Record<string, { ok(v: unknown): boolean; expected: string }> = Object.create(null);
for (const f of NUMBERS) TYPED[f] = { ok: (v) => typeof v === "number", expected: "a number" };
for (const f of INTEGERS) TYPED[f] = { ok: (v) => Number.isInteger(v), expected: "an integer" };
for (const f of BOOLEANS) TYPED[f] = { ok: (v) => typeof v === "boolean", expected: "a boolean" };
for (const f of STRINGS) TYPED[f] = { ok: (v) => typeof v === "string", expected: "a string" };
for (const f of OBJECTS) TYPED[f] = { ok: isObjectValue, expected: "an object" };

const TOOL_CHOICES = new Set(["none", "auto", "required"]);
const FORMATS = new Set(["text", "json_object", "json_schema"]);
const ENCODINGS = new Set(["float", "base64"]);

function kind(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
}

function isObjectValue(v: unknown): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
const isObject = isObjectValue as (v: unknown) => v is Obj;

function wrongType(param: string, expected: string, value: unknown): GatewayError {
  return errors.invalidRequest(`Invalid type for '${param}': expected ${expected}, but got ${kind(value)}.`, param);
}

function wrongValue(param: string, expected: string): GatewayError {
  return errors.invalidRequest(`Invalid value for '${param}': expected ${expected}.`, param);
}

function missing(param: string): GatewayError {
  return errors.invalidRequest(`Missing required parameter: '${param}'.`, param);
}

function requireModel(body: Obj): void {
  if (body.model === undefined) throw errors.invalidRequest("You must provide a model parameter.", "model");
  if (typeof body.model !== "string" || body.model === "") throw wrongType("model", "a non-empty string", body.model);
}

function dropNulls(body: Obj, fields: readonly string[]): void {
  for (const field of fields) if (body[field] === null) delete body[field];
}

function optionalString(o: Obj, field: string, at: string): void {
  const v = o[field];
  if (v !== undefined && v !== null && typeof v !== "string") throw wrongType(`${at}.${field}`, "a string", v);
}

function requireString(o: Obj, field: string, at: string): void {
  const v = o[field];
  if (v === undefined) throw missing(`${at}.${field}`);
  if (typeof v !== "string") throw wrongType(`${at}.${field}`, "a string", v);
}

function requireObject(o: Obj, field: string, at: string): Obj {
  const v = o[field];
  if (v === undefined) throw missing(`${at}.${field}`);
  if (!isObject(v)) throw wrongType(`${at}.${field}`, "an object", v);
  return v;
}

/** Validates a chat completion request in place (null optional fields are removed) and returns it typed. */
export function validateChat(body: Obj): ChatCompletionRequest {
  requireModel(body);
  const messages = body.messages;
  if (messages === undefined) throw missing("messages");
  if (!Array.isArray(messages)) throw wrongType("messages", "an array", messages);
  if (messages.length === 0) throw errors.invalidRequest("'messages' must contain at least one message.", "messages");
  for (let i = 0; i < messages.length; i++) message(messages[i], i);
  options(body);
  return body as ChatCompletionRequest;
}

function message(m: unknown, i: number): void {
  const at = `messages[${i}]`;
  if (!isObject(m)) throw wrongType(at, "an object", m);
  const role = m.role;
  if (typeof role !== "string" || !ROLES.has(role)) {
    if (role === undefined) throw missing(`${at}.role`);
    throw wrongValue(`${at}.role`, `one of ${[...ROLES].join(", ")}`);
  }
  const c = m.content;
  if (typeof c !== "string" && c !== undefined && c !== null) {
    if (!Array.isArray(c)) throw wrongType(`${at}.content`, "a string or an array of content parts", c);
    for (let j = 0; j < c.length; j++) part(c[j], `${at}.content[${j}]`);
  }
  optionalString(m, "name", at);
  if (role === "tool") requireString(m, "tool_call_id", at);
  else optionalString(m, "tool_call_id", at);
  const calls = m.tool_calls;
  if (calls !== undefined && calls !== null) {
    if (!Array.isArray(calls)) throw wrongType(`${at}.tool_calls`, "an array", calls);
    for (let j = 0; j < calls.length; j++) toolCall(calls[j], `${at}.tool_calls[${j}]`);
  }
  const legacy = m.function_call;
  if (legacy !== undefined && legacy !== null) {
    if (!isObject(legacy)) throw wrongType(`${at}.function_call`, "an object", legacy);
    requireString(legacy, "name", `${at}.function_call`);
    requireString(legacy, "arguments", `${at}.function_call`);
  }
}

function part(p: unknown, at: string): void {
  if (!isObject(p)) throw wrongType(at, "an object", p);
  const type = p.type;
  if (typeof type !== "string") throw type === undefined ? missing(`${at}.type`) : wrongType(`${at}.type`, "a string", type);
  switch (type) {
    case "text":
      requireString(p, "text", at);
      return;
    case "image_url": {
      const image = requireObject(p, "image_url", at);
      requireString(image, "url", `${at}.image_url`);
      optionalString(image, "detail", `${at}.image_url`);
      return;
    }
    case "input_audio": {
      const audio = requireObject(p, "input_audio", at);
      requireString(audio, "data", `${at}.input_audio`);
      requireString(audio, "format", `${at}.input_audio`);
      return;
    }
    case "file": {
      const file = requireObject(p, "file", at);
      optionalString(file, "file_data", `${at}.file`);
      optionalString(file, "file_id", `${at}.file`);
      optionalString(file, "filename", `${at}.file`);
      return;
    }
    case "refusal":
      requireString(p, "refusal", at);
      return;
    default:
      // Other part types are the provider's to accept or refuse (translators answer 400 by type).
      return;
  }
}

function toolCall(call: unknown, at: string): void {
  if (!isObject(call)) throw wrongType(at, "an object", call);
  requireString(call, "id", at);
  const type = call.type ?? "function";
  if (type === "function") {
    const fn = requireObject(call, "function", at);
    requireString(fn, "name", `${at}.function`);
    requireString(fn, "arguments", `${at}.function`);
  } else if (type === "custom") {
    const custom = requireObject(call, "custom", at);
    requireString(custom, "name", `${at}.custom`);
    requireString(custom, "input", `${at}.custom`);
  } else {
    throw typeof type === "string" ? wrongValue(`${at}.type`, "'function' or 'custom'") : wrongType(`${at}.type`, "a string", type);
  }
}

function tool(t: unknown, at: string): void {
  if (!isObject(t)) throw wrongType(at, "an object", t);
  const type = t.type;
  if (type === "function") {
    const fn = requireObject(t, "function", at);
    requireString(fn, "name", `${at}.function`);
    if (fn.name === "") throw wrongValue(`${at}.function.name`, "a non-empty string");
    optionalString(fn, "description", `${at}.function`);
    const params = fn.parameters;
    if (params !== undefined && params !== null && !isObject(params)) throw wrongType(`${at}.function.parameters`, "an object", params);
    const strict = fn.strict;
    if (strict !== undefined && strict !== null && typeof strict !== "boolean") throw wrongType(`${at}.function.strict`, "a boolean", strict);
  } else if (type === "custom") {
    const custom = requireObject(t, "custom", at);
    requireString(custom, "name", `${at}.custom`);
  } else if (type === undefined) {
    throw missing(`${at}.type`);
  } else {
    throw typeof type === "string" ? wrongValue(`${at}.type`, "'function' or 'custom'") : wrongType(`${at}.type`, "a string", type);
  }
}

function toolChoice(choice: unknown): void {
  if (typeof choice === "string") {
    if (!TOOL_CHOICES.has(choice)) throw wrongValue("tool_choice", "'none', 'auto', 'required' or an object naming a tool");
    return;
  }
  if (!isObject(choice)) throw wrongType("tool_choice", "a string or an object", choice);
  switch (choice.type) {
    case "function":
      requireString(requireObject(choice, "function", "tool_choice"), "name", "tool_choice.function");
      return;
    case "custom":
      requireString(requireObject(choice, "custom", "tool_choice"), "name", "tool_choice.custom");
      return;
    case "allowed_tools": {
      const allowed = requireObject(choice, "allowed_tools", "tool_choice");
      requireString(allowed, "mode", "tool_choice.allowed_tools");
      const tools = allowed.tools;
      if (!Array.isArray(tools)) throw wrongType("tool_choice.allowed_tools.tools", "an array", tools);
      for (let i = 0; i < tools.length; i++) {
        if (!isObject(tools[i])) throw wrongType(`tool_choice.allowed_tools.tools[${i}]`, "an object", tools[i]);
      }
      return;
    }
    default:
      throw wrongValue("tool_choice.type", "'function', 'custom' or 'allowed_tools'");
  }
}

function responseFormat(format: unknown): void {
  if (!isObject(format)) throw wrongType("response_format", "an object", format);
  const type = format.type;
  if (typeof type !== "string" || !FORMATS.has(type)) throw wrongValue("response_format.type", "'text', 'json_object' or 'json_schema'");
  if (type !== "json_schema") return;
  const schema = requireObject(format, "json_schema", "response_format");
  requireString(schema, "name", "response_format.json_schema");
  optionalString(schema, "description", "response_format.json_schema");
  if (schema.schema !== undefined && schema.schema !== null && !isObject(schema.schema)) {
    throw wrongType("response_format.json_schema.schema", "an object", schema.schema);
  }
  if (schema.strict !== undefined && schema.strict !== null && typeof schema.strict !== "boolean") {
    throw wrongType("response_format.json_schema.strict", "a boolean", schema.strict);
  }
}

/**
 * The optional top-level fields: a null where null means "not given" is removed, then each field the
 * body has is checked (one pass over the body's own keys: a typical body has a handful).
 */
function options(body: Obj): void {
  for (const field in body) {
    const v = body[field];
    if (v === null) {
      if (NULLABLE_FIELDS.has(field)) delete body[field];
      continue;
    }
    const typed = TYPED[field];
    if (typed !== undefined && !typed.ok(v)) throw wrongType(field, typed.expected, v);
  }
  if (body.n !== undefined && (!Number.isInteger(body.n) || (body.n as number) < 1)) throw wrongType("n", "an integer of at least 1", body.n);
  const streamOptions = body.stream_options;
  if (streamOptions !== undefined) {
    if (!isObject(streamOptions)) throw wrongType("stream_options", "an object", streamOptions);
    const usage = streamOptions.include_usage;
    if (usage !== undefined && usage !== null && typeof usage !== "boolean") throw wrongType("stream_options.include_usage", "a boolean", usage);
  }
  const stop = body.stop;
  if (stop !== undefined && typeof stop !== "string") {
    if (!Array.isArray(stop)) throw wrongType("stop", "a string or an array of strings", stop);
    for (let i = 0; i < stop.length; i++) if (typeof stop[i] !== "string") throw wrongType(`stop[${i}]`, "a string", stop[i]);
  }
  const tools = body.tools;
  if (tools !== undefined) {
    if (!Array.isArray(tools)) throw wrongType("tools", "an array", tools);
    for (let i = 0; i < tools.length; i++) tool(tools[i], `tools[${i}]`);
  }
  if (body.tool_choice !== undefined) toolChoice(body.tool_choice);
  if (body.response_format !== undefined) responseFormat(body.response_format);
  const functions = body.functions;
  if (functions !== undefined) {
    if (!Array.isArray(functions)) throw wrongType("functions", "an array", functions);
    for (let i = 0; i < functions.length; i++) {
      if (!isObject(functions[i])) throw wrongType(`functions[${i}]`, "an object", functions[i]);
      requireString(functions[i] as Obj, "name", `functions[${i}]`);
    }
  }
  const functionCall = body.function_call;
  if (functionCall !== undefined && typeof functionCall !== "string") {
    if (!isObject(functionCall)) throw wrongType("function_call", "a string or an object", functionCall);
    requireString(functionCall, "name", "function_call");
  }
  const modalities = body.modalities;
  if (modalities !== undefined) {
    if (!Array.isArray(modalities)) throw wrongType("modalities", "an array of strings", modalities);
    for (let i = 0; i < modalities.length; i++) if (typeof modalities[i] !== "string") throw wrongType(`modalities[${i}]`, "a string", modalities[i]);
  }
}

/** Validates an embeddings request in place and returns it typed. */
export function validateEmbeddings(body: Obj): EmbeddingRequest {
  requireModel(body);
  const input = body.input;
  if (input === undefined) throw missing("input");
  if (typeof input !== "string") embeddingInput(input);
  dropNulls(body, ["encoding_format", "dimensions", "user"]);
  const encoding = body.encoding_format;
  if (encoding !== undefined && (typeof encoding !== "string" || !ENCODINGS.has(encoding))) throw wrongValue("encoding_format", "'float' or 'base64'");
  const dims = body.dimensions;
  if (dims !== undefined && (!Number.isInteger(dims) || (dims as number) < 1)) throw wrongType("dimensions", "an integer of at least 1", dims);
  if (body.user !== undefined && typeof body.user !== "string") throw wrongType("user", "a string", body.user);
  return body as EmbeddingRequest;
}

const INPUT = "a string, or a non-empty array of strings, of token ids, or of arrays of token ids";

/** A string, or a non-empty array of strings, of integers, or of non-empty integer arrays (one kind throughout). */
function embeddingInput(input: unknown): void {
  if (!Array.isArray(input)) throw wrongType("input", INPUT, input);
  if (input.length === 0) throw wrongValue("input", INPUT);
  const first = input[0];
  const expected = typeof first === "string" ? "string" : Array.isArray(first) ? "array" : "integer";
  for (let i = 0; i < input.length; i++) {
    const item = input[i];
    if (expected === "string") {
      if (typeof item !== "string") throw wrongType(`input[${i}]`, "a string", item);
    } else if (expected === "integer") {
      if (!Number.isInteger(item)) throw wrongType(`input[${i}]`, "a string, an integer token id or an array of token ids", item);
    } else {
      if (!Array.isArray(item)) throw wrongType(`input[${i}]`, "an array of token ids", item);
      if (item.length === 0) throw wrongValue(`input[${i}]`, "a non-empty array of token ids");
      for (let j = 0; j < item.length; j++) if (!Number.isInteger(item[j])) throw wrongType(`input[${i}][${j}]`, "an integer token id", item[j]);
    }
  }
}
