import { errors } from "../../core/errors.ts";
import type { ResponseFormat } from "../../core/openai-types.ts";

/**
 * For providers without a native JSON mode (Anthropic Messages, Bedrock Converse): what a forced
 * `json_output` tool needs (its schema and description), and the system instruction used where a
 * forced tool is not possible.
 */
export interface JsonMode { schema: Record<string, unknown>; description: string; instruction: string }

export const JSON_TOOL = "json_output";

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
