import { errors } from "../../core/errors.ts";
import type { ResponseFormat } from "../../core/openai-types.ts";

// Converse has no JSON mode. `response_format` becomes a forced tool whose input is the answer (the
// reliable way, on models that accept a forced toolChoice) or, otherwise, a system instruction.

export const JSON_TOOL = "json_output";

export interface JsonMode { schema: Record<string, unknown>; description: string; instruction: string }

export function jsonModeOf(format: ResponseFormat | undefined): JsonMode | undefined {
  if (!format || format.type === "text") return undefined;
  if (format.type === "json_object") {
    return { schema: {}, description: "Respond with a JSON object.", instruction: "Respond only with a valid JSON object, without Markdown fences or other text." };
  }
  if (format.type === "json_schema") {
    const schema = format.json_schema?.schema ?? {};
    return {
      schema,
      description: format.json_schema?.description ?? "Respond with a JSON object that matches the schema.",
      instruction: `Respond only with valid JSON that matches this JSON schema, without Markdown fences or other text: ${JSON.stringify(schema)}`,
    };
  }
  throw errors.invalidRequest(`response_format type '${(format as { type: string }).type}' is not supported.`, "response_format.type");
}

/**
 * Bedrock accepts `toolChoice: {tool}` only from some model families (Anthropic Claude, Mistral
 * Large, Amazon Nova); others reject the request, so they get the instruction instead.
 */
export function forcedToolSupported(modelId: string): boolean {
  return /(^|[.:/])(anthropic\.claude|mistral\.mistral-large|amazon\.nova)/.test(modelId);
}
