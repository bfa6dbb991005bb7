import { errors } from "../../core/errors.ts";
import type { ChatMessage, ContentPart } from "../../core/openai-types.ts";

// OpenAI content parts → Converse content blocks (providers README §3.2): text, images and documents
// as base64 bytes, and prompt-cache breakpoints. A part marked `cache_control` (the Anthropic-style
// mark OpenAI clients send, `{"type":"ephemeral"}`) is followed by a `cachePoint` block, which is how
// Converse marks "cache everything up to here" in system, messages and tools.

export type Block = Record<string, unknown>;

/** Per request: document names in use (Converse wants them distinct), and whether any was mapped. */
export interface PartState { docNames: Set<string> | undefined }

const IMAGE_FORMATS: Record<string, string> = { "image/png": "png", "image/jpeg": "jpeg", "image/jpg": "jpeg", "image/gif": "gif", "image/webp": "webp" };

/** Media type → Converse DocumentFormat. */
const DOCUMENT_FORMATS: Record<string, string> = {
  "application/pdf": "pdf",
  "text/csv": "csv",
  "application/msword": "doc",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
  "application/vnd.ms-excel": "xls",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
  "text/html": "html",
  "text/plain": "txt",
  "text/markdown": "md",
  "text/x-markdown": "md",
};
/** Filename extensions Converse knows, for data URLs typed only `application/octet-stream`. */
const DOCUMENT_EXTENSIONS = new Set(["pdf", "csv", "doc", "docx", "xls", "xlsx", "html", "txt", "md"]);
const DOCUMENT_TYPES_TEXT = "pdf, csv, doc, docx, xls, xlsx, html, txt, md";

const DATA_URL = /^data:([^;,]+)((?:;[^;,]*)*),(.*)$/s;
const CACHE_TTLS = new Set(["5m", "1h"]);

/**
 * The `cachePoint` block for a part's `cache_control`, or undefined when the part has none.
 * `{"type":"ephemeral"}` is the only kind; its optional `ttl` ("5m" or "1h") is kept.
 */
export function cachePointOf(holder: object, param: string): Block | undefined {
  const control = (holder as { cache_control?: unknown }).cache_control;
  if (control === undefined || control === null) return undefined;
  const c = control as { type?: unknown; ttl?: unknown };
  if (typeof control !== "object" || Array.isArray(control) || c.type !== "ephemeral") {
    throw errors.invalidRequest("`cache_control` must be {\"type\": \"ephemeral\"} (with an optional `ttl` of \"5m\" or \"1h\").", `${param}.cache_control`);
  }
  if (c.ttl === undefined || c.ttl === null) return { cachePoint: { type: "default" } };
  if (typeof c.ttl !== "string" || !CACHE_TTLS.has(c.ttl)) throw errors.invalidRequest("`cache_control.ttl` must be \"5m\" or \"1h\".", `${param}.cache_control.ttl`);
  return { cachePoint: { type: "default", ttl: c.ttl } };
}

/** System and assistant messages: text parts (and their cache points) only; refusals are dropped. */
export function textBlocks(m: ChatMessage, i: number): Block[] {
  const content = m.content;
  if (content == null) return [];
  if (typeof content === "string") return blank(content) ? [] : [{ text: content }];
  const out: Block[] = [];
  for (let j = 0; j < content.length; j++) {
    const part = content[j]!;
    if (part.type === "text") pushText(out, part, `messages[${i}].content[${j}]`);
    else if (part.type !== "refusal") {
      throw errors.invalidRequest(`Content part type '${part.type}' is not supported in ${m.role} messages for Bedrock.`, `messages[${i}].content[${j}]`);
    }
  }
  return out;
}

export function userContent(content: ChatMessage["content"], param: string, state: PartState): Block[] {
  if (content == null) return [];
  if (typeof content === "string") return blank(content) ? [] : [{ text: content }];
  const out: Block[] = [];
  for (let j = 0; j < content.length; j++) partBlocks(out, content[j]!, `${param}[${j}]`, state);
  return out;
}

/**
 * A tool message's content. Converse has no cache point inside a tool result, so a marked part
 * puts one after the toolResult block (returned as `cache`).
 */
export function toolResultContent(content: ChatMessage["content"], param: string, state: PartState): { content: Block[]; cache: Block | undefined } {
  if (content == null || content === "") return { content: [{ text: "" }], cache: undefined };
  if (typeof content === "string") {
    // A JSON object result travels as a `json` block (the model sees structure, not a quoted string).
    const trimmed = content.trimStart();
    if (trimmed.startsWith("{")) {
      try {
        const value: unknown = JSON.parse(content);
        if (value !== null && typeof value === "object" && !Array.isArray(value)) return { content: [{ json: value }], cache: undefined };
      } catch {
        // Not JSON after all: plain text.
      }
    }
    return { content: [{ text: content }], cache: undefined };
  }
  const blocks: Block[] = [];
  for (let j = 0; j < content.length; j++) partBlocks(blocks, content[j]!, `${param}[${j}]`, state);
  let cache: Block | undefined;
  const kept = blocks.filter((b) => {
    if (b.cachePoint === undefined) return true;
    cache = b;
    return false;
  });
  return { content: kept.length > 0 ? kept : [{ text: "" }], cache };
}

/**
 * Converse rejects text blocks that are empty or only whitespace ("must contain non-whitespace
 * text"); such a part says nothing to the model, so it is left out rather than failing the request.
 */
const blank = (text: string): boolean => text === "" || !/\S/.test(text);

function pushText(out: Block[], part: ContentPart, param: string): void {
  const text = (part as { text: string }).text;
  const cache = cachePointOf(part, param);
  if (blank(text)) return;
  out.push({ text });
  if (cache) out.push(cache);
}

function partBlocks(out: Block[], part: ContentPart, param: string, state: PartState): void {
  switch (part.type) {
    case "text":
      pushText(out, part, param);
      return;
    case "image_url":
      out.push(imageBlock((part as { image_url: { url: string } }).image_url.url, param));
      break;
    case "file":
      out.push(documentBlock(part, param, state));
      break;
    default:
      throw errors.invalidRequest(`Content part type '${part.type}' is not supported by Bedrock Converse.`, param);
  }
  const cache = cachePointOf(part, param);
  if (cache) out.push(cache);
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

/**
 * `{"type":"file","file":{"file_data":"data:application/pdf;base64,...","filename":"..."}}` → a
 * Converse document. The format comes from the media type (or, for `application/octet-stream`, the
 * filename's extension); the name is the filename made acceptable to Converse. File ids (uploads to
 * OpenAI) cannot be resolved here.
 */
function documentBlock(part: ContentPart, param: string, state: PartState): Block {
  const file = (part as { file?: { file_data?: unknown; file_id?: unknown; filename?: unknown } }).file ?? {};
  const data = file.file_data;
  if (typeof data !== "string") {
    const why = typeof file.file_id === "string" ? "File ids cannot be sent to Bedrock; send" : "A file part needs";
    throw errors.invalidRequest(`${why} \`file.file_data\` as a base64 data URL (data:application/pdf;base64,...).`, `${param}.file.file_data`);
  }
  const m = DATA_URL.exec(data);
  if (!m || !m[2]!.toLowerCase().split(";").includes("base64")) {
    throw errors.invalidRequest("`file.file_data` must be a base64 data URL (data:application/pdf;base64,...).", `${param}.file.file_data`);
  }
  if (m[3] === "") throw errors.invalidRequest("`file.file_data` holds no data.", `${param}.file.file_data`);
  const filename = typeof file.filename === "string" ? file.filename : "";
  const mediaType = m[1]!.toLowerCase();
  let format = DOCUMENT_FORMATS[mediaType];
  if (format === undefined && mediaType === "application/octet-stream") {
    const ext = /\.([A-Za-z]{2,4})$/.exec(filename)?.[1]?.toLowerCase();
    if (ext !== undefined && DOCUMENT_EXTENSIONS.has(ext)) format = ext;
  }
  if (format === undefined) {
    throw errors.invalidRequest(`Document type '${m[1]}' is not supported by Bedrock Converse (${DOCUMENT_TYPES_TEXT}).`, `${param}.file.file_data`);
  }
  return { document: { format, name: documentName(filename, state), source: { bytes: m[3]! } } };
}

/**
 * Converse document names: 1–200 characters of letters, digits, single spaces, hyphens, parentheses
 * and square brackets, distinct within a request. The extension is dropped, accents are stripped,
 * other characters become hyphens, and a repeated name gets " (2)", " (3)"... A part with no usable name is "document".
 */
export function documentName(filename: string, state: PartState): string {
  const base = filename
    .replace(/\.[A-Za-z0-9]{1,5}$/, "")
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/\s+/g, " ")
    .replace(/[^A-Za-z0-9 ()[\]-]/g, "-")
    .trim()
    .slice(0, 190)
    .trim() || "document";
  const names = (state.docNames ??= new Set());
  let name = base;
  for (let n = 2; names.has(name); n++) name = `${base} (${n})`;
  names.add(name);
  return name;
}
