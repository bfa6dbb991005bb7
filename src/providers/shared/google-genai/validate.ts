import type { GenerateContentResponse } from "./wire.ts";

/** A generateContent answer: candidates, or a blocked prompt's promptFeedback with none. */
export function isGenerateContentResponse(json: unknown): json is GenerateContentResponse {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return false;
  const r = json as GenerateContentResponse;
  return Array.isArray(r.candidates) || (r.candidates === undefined && typeof r.promptFeedback === "object");
}
