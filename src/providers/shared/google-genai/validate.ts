import type { GenerateContentResponse } from "./wire.ts";

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A generateContent answer: candidates, or a blocked prompt's promptFeedback with none. */
export function isGenerateContentResponse(json: unknown): json is GenerateContentResponse {
  if (!isObject(json)) return false;
  const r = json as GenerateContentResponse;
  if (r.candidates === undefined) return typeof r.promptFeedback === "object";
  return hasWellFormedCandidates(r);
}

/**
 * `candidates` (absent on a usage-only stream chunk) is an array of objects whose `content.parts`,
 * when present, is an array of objects: what the mappers index without further checks.
 */
export function hasWellFormedCandidates(r: GenerateContentResponse): boolean {
  const candidates: unknown = r.candidates;
  if (candidates === undefined) return true;
  if (!Array.isArray(candidates)) return false;
  for (const c of candidates) {
    if (!isObject(c)) return false;
    const content = c.content;
    if (content === undefined) continue;
    if (!isObject(content)) return false;
    const parts = content.parts;
    if (parts !== undefined && !(Array.isArray(parts) && parts.every(isObject))) return false;
  }
  return true;
}
