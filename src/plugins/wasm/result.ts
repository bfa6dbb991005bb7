// A WASM hook's output, checked: the built-in HookResult plus the WASM-only `log`. Anything else is a
// plugin failure, so a guest's garbage never reaches the pipeline (a bad header name would throw in
// `new Response`, a `modify` without its body would lose the request).
import type { HookName, HookResult, PluginResponse } from "../types.ts";

export interface GuestLog {
  level: "info" | "warn" | "error";
  message: string;
  fields: Record<string, string | number | boolean>;
}

export interface Decoded {
  result: HookResult<unknown> | undefined;
  log: GuestLog | undefined;
}

export class OutputError extends Error {
  constructor(what: string) {
    super(`plugin output: ${what}`);
  }
}

const KEYS = new Set(["modify", "respond", "headers", "drop", "log"]);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Header values: visible ASCII, spaces and tabs, and obs-text; never CR, LF or NUL.
const VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const MAX_LOG = 4096;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

function headers(v: unknown, at: string): Record<string, string> {
  if (!isObject(v)) throw new OutputError(`${at} must be an object of strings`);
  for (const [k, s] of Object.entries(v)) {
    if (!TOKEN.test(k) || typeof s !== "string" || !VALUE.test(s)) throw new OutputError(`${at} has an invalid header ${JSON.stringify(k).slice(0, 80)}`);
  }
  return v as Record<string, string>;
}

function respond(v: unknown): PluginResponse {
  if (!isObject(v)) throw new OutputError("respond must be an object");
  const { status, error, kind } = v;
  if (typeof status !== "number" || !Number.isInteger(status) || status < 200 || status > 599) throw new OutputError("respond.status must be an integer from 200 to 599");
  if (v.headers !== undefined) headers(v.headers, "respond.headers");
  if (error !== undefined) {
    if (!isObject(error) || typeof error.message !== "string") throw new OutputError("respond.error must be {message, type?, code?}");
    if (error.type !== undefined && typeof error.type !== "string") throw new OutputError("respond.error.type must be a string");
    if (error.code !== undefined && error.code !== null && typeof error.code !== "string") throw new OutputError("respond.error.code must be a string");
  }
  if (kind !== undefined && typeof kind !== "string") throw new OutputError("respond.kind must be a string");
  return v as unknown as PluginResponse;
}

/** `modify` merged over the payload it answers, with the fields the pipeline reads checked. */
function modify(hook: HookName, v: unknown, payload: object): unknown {
  if (!isObject(v)) throw new OutputError("modify must be an object");
  const out = { ...payload, ...v } as Record<string, unknown>;
  switch (hook) {
    case "preHttp":
      headers(out.headers, "modify.headers");
      break;
    case "preLlm":
      if (!isObject(out.body) || typeof out.body.model !== "string") throw new OutputError("modify.body must be a request with a model");
      break;
    case "postLlm":
      if (out.body !== undefined && !isObject(out.body)) throw new OutputError("modify.body must be an object");
      break;
    case "postHttp":
      if (typeof out.status !== "number" || !Number.isInteger(out.status) || out.status < 200 || out.status > 599) throw new OutputError("modify.status must be an integer from 200 to 599");
      headers(out.headers, "modify.headers");
      break;
    case "onStreamChunk":
      if (!isObject(out.chunk) || !Array.isArray(out.chunk.choices)) throw new OutputError("modify.chunk must be a chunk with choices");
      break;
  }
  delete out.api;
  return out;
}

function guestLog(v: unknown): GuestLog {
  if (!isObject(v) || (v.level !== "info" && v.level !== "warn" && v.level !== "error") || typeof v.message !== "string") {
    throw new OutputError('log must be {level: "info"|"warn"|"error", message, fields?}');
  }
  const fields: Record<string, string | number | boolean> = {};
  if (v.fields !== undefined) {
    if (!isObject(v.fields)) throw new OutputError("log.fields must be an object");
    for (const [k, f] of Object.entries(v.fields)) {
      if (typeof f !== "string" && typeof f !== "number" && typeof f !== "boolean") throw new OutputError(`log.fields.${k.slice(0, 40)} must be a string, number or boolean`);
      fields[k.slice(0, 64)] = typeof f === "string" ? f.slice(0, MAX_LOG) : f;
    }
  }
  return { level: v.level, message: v.message.slice(0, MAX_LOG), fields };
}

const decoder = new TextDecoder("utf-8", { fatal: true });

export function decodeOutput(hook: HookName, bytes: Uint8Array, payload: object): Decoded {
  if (bytes.length === 0) return { result: undefined, log: undefined };
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch {
    throw new OutputError("not valid UTF-8 JSON");
  }
  if (!isObject(value)) throw new OutputError("must be a JSON object");
  for (const k of Object.keys(value)) if (!KEYS.has(k)) throw new OutputError(`unknown field ${JSON.stringify(k).slice(0, 80)}`);
  const result: HookResult<unknown> = {};
  let any = false;
  if (value.modify !== undefined) {
    result.modify = modify(hook, value.modify, payload);
    any = true;
  }
  if (value.respond !== undefined) {
    if (hook === "onStreamChunk") throw new OutputError("respond is not possible on a stream chunk");
    result.respond = respond(value.respond);
    any = true;
  }
  if (value.headers !== undefined) {
    result.headers = headers(value.headers, "headers");
    any = true;
  }
  if (value.drop !== undefined) {
    if (typeof value.drop !== "boolean") throw new OutputError("drop must be a boolean");
    if (value.drop && hook !== "onStreamChunk") throw new OutputError("drop is for stream chunks only");
    result.drop = value.drop;
    any = true;
  }
  return { result: any ? result : undefined, log: value.log === undefined ? undefined : guestLog(value.log) };
}
