
// Converse has no JSON mode. `response_format` becomes a forced tool whose input is the answer (the
// reliable way, on models that accept a forced toolChoice) or, otherwise, a system instruction.

export { JSON_TOOL, jsonModeOf, type JsonMode } from "../shared/json-mode.ts";

/**
 * Bedrock accepts `toolChoice: {tool}` only from some model families (Anthropic Claude, Mistral
 * Large, Amazon Nova); others reject the request, so they get the instruction instead.
 */
export function forcedToolSupported(modelId: string): boolean {
  return /(^|[.:/])(anthropic\.claude|mistral\.mistral-large|amazon\.nova)/.test(modelId);
}
