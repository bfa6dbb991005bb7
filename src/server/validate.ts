import { errors } from "../core/errors.ts";
import type { ChatCompletionRequest, EmbeddingRequest } from "../core/openai-types.ts";

const ROLES = new Set(["system", "developer", "user", "assistant", "tool", "function"]);
const NUMERIC = ["temperature", "top_p", "max_tokens", "max_completion_tokens", "n", "presence_penalty", "frequency_penalty", "seed"] as const;

function kind(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
}

function requireModel(body: Record<string, unknown>): void {
  if (body.model === undefined) throw errors.invalidRequest("You must provide a model parameter.", "model");
  if (typeof body.model !== "string" || body.model === "") {
    throw errors.invalidRequest(`Invalid type for 'model': expected a non-empty string, but got ${kind(body.model)}.`, "model");
  }
}

/** Checks what the gateway relies on; providers judge the rest themselves. */
export function validateChat(body: Record<string, unknown>): ChatCompletionRequest {
  requireModel(body);
  const messages = body.messages;
  if (messages === undefined) throw errors.invalidRequest("Missing required parameter: 'messages'.", "messages");
  if (!Array.isArray(messages)) throw errors.invalidRequest(`Invalid type for 'messages': expected an array, but got ${kind(messages)}.`, "messages");
  if (messages.length === 0) throw errors.invalidRequest("'messages' must contain at least one message.", "messages");
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as Record<string, unknown> | null;
    if (m === null || typeof m !== "object" || Array.isArray(m)) {
      throw errors.invalidRequest(`Invalid type for 'messages[${i}]': expected an object, but got ${kind(m)}.`, `messages[${i}]`);
    }
    if (typeof m.role !== "string" || !ROLES.has(m.role)) {
      throw errors.invalidRequest(`Invalid value for 'messages[${i}].role': expected one of ${[...ROLES].join(", ")}.`, `messages[${i}].role`);
    }
    const c = m.content;
    if (c !== undefined && c !== null && typeof c !== "string" && !Array.isArray(c)) {
      throw errors.invalidRequest(`Invalid type for 'messages[${i}].content': expected a string or an array of parts, but got ${kind(c)}.`, `messages[${i}].content`);
    }
  }
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== "boolean") {
    throw errors.invalidRequest(`Invalid type for 'stream': expected a boolean, but got ${kind(body.stream)}.`, "stream");
  }
  if (body.tools !== undefined && !Array.isArray(body.tools)) {
    throw errors.invalidRequest(`Invalid type for 'tools': expected an array, but got ${kind(body.tools)}.`, "tools");
  }
  for (const field of NUMERIC) {
    const v = body[field];
    if (v !== undefined && v !== null && typeof v !== "number") {
      throw errors.invalidRequest(`Invalid type for '${field}': expected a number, but got ${kind(v)}.`, field);
    }
  }
  return body as ChatCompletionRequest;
}

export function validateEmbeddings(body: Record<string, unknown>): EmbeddingRequest {
  requireModel(body);
  const input = body.input;
  if (input === undefined) throw errors.invalidRequest("Missing required parameter: 'input'.", "input");
  const ok = typeof input === "string" || (Array.isArray(input) && input.length > 0);
  if (!ok) throw errors.invalidRequest("'input' must be a string or a non-empty array of strings or token ids.", "input");
  return body as EmbeddingRequest;
}
