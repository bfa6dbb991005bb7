import type { ErrorBody } from "../core/openai-types.ts";
import type { PluginResponse } from "./types.ts";

/** A plugin's error answer in OpenAI's envelope, so the SDKs raise their typed errors. */
export function errorEnvelope(message: string, type: string, code: string | null = null, param: string | null = null): ErrorBody {
  return { error: { message, type, param, code } };
}

export function errorAnswer(status: number, message: string, type: string, code: string | null, kind: string, headers?: Record<string, string>): PluginResponse {
  return { status, headers, body: errorEnvelope(message, type, code), kind };
}
