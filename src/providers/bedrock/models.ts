import { errors } from "../../core/errors.ts";

// Model listing: the control-plane ListFoundationModels (`GET /foundation-models`), or this list.

export const STATIC_MODELS: readonly string[] = [
  "anthropic.claude-3-5-sonnet-20240620-v1:0",
  "anthropic.claude-3-5-haiku-20241022-v1:0",
  "anthropic.claude-3-haiku-20240307-v1:0",
  "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
  "amazon.nova-pro-v1:0",
  "amazon.nova-lite-v1:0",
  "amazon.nova-micro-v1:0",
  "meta.llama3-1-70b-instruct-v1:0",
  "mistral.mistral-large-2407-v1:0",
  "cohere.command-r-plus-v1:0",
  "amazon.titan-embed-text-v2:0",
  "cohere.embed-english-v3",
  "cohere.embed-multilingual-v3",
];

export function modelIds(provider: string, json: unknown): string[] {
  const list = (json as { modelSummaries?: unknown } | null)?.modelSummaries;
  if (!Array.isArray(list)) throw errors.upstreamBadResponse(provider, "the model list has no `modelSummaries` array");
  return list.map((m: { modelId?: unknown }) => m?.modelId).filter((id): id is string => typeof id === "string");
}
