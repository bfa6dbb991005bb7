import * as v from "valibot";
import { strictObject } from "../../config/schema-kit.ts";
import { OPERATION_PATH, openAICompatible, type Endpoint, type Operation, type StreamUsage } from "../shared/openai-compatible.ts";
import { urlUnder } from "../shared/upstream-url.ts";

/** The GA api-version used when the block sets none. */
export const DEFAULT_API_VERSION = "2024-10-21";

/** An azure block's own fields. */
const azureSettings = strictObject({
  api_version: v.optional(v.string(`expected a string such as "${DEFAULT_API_VERSION}" or "v1"`), DEFAULT_API_VERSION),
});
type AzureSettings = v.InferOutput<typeof azureSettings>;

/**
 * `api_version: v1` selects the newer `/openai/v1/...` API (model = deployment name in the body, no
 * api-version); any other value the classic deployment URLs with `?api-version=`.
 */
function azureEndpoint(base: string, operation: Operation, model: string, settings: AzureSettings): Endpoint {
  // base_url is the resource root; tolerate one given with the /openai or /openai/v1 suffix.
  const url = urlUnder(base.replace(/\/openai(?:\/v1)?$/, ""));
  const version = settings.api_version;
  const op = OPERATION_PATH[operation];
  if (version === "v1") return { url: url`/openai/v1/${op}`, modelInBody: true };
  // The Responses API has no per-deployment URL: the deployment goes in the body.
  if (operation === "responses") return { url: url`/openai/responses?api-version=${version}`, modelInBody: true };
  if (operation === "models") return { url: url`/openai/models?api-version=${version}`, modelInBody: false };
  return { url: url`/openai/deployments/${model}/${op}?api-version=${version}`, modelInBody: false };
}

/** The first dated api-version that takes `stream_options` (earlier ones answer 400 to it). */
export const STREAM_OPTIONS_SINCE = "2024-10-21";

/**
 * Whether streamed usage can be asked for: `v1` (and any undated version) and dated versions from
 * 2024-10-21 on, previews included (`2025-01-01-preview`). Earlier versions get no stream_options,
 * the client's included, and send no usage in streams.
 */
export function azureStreamUsage(settings: AzureSettings): StreamUsage {
  const date = /^(\d{4}-\d{2}-\d{2})/.exec(settings.api_version)?.[1];
  return date === undefined || date >= STREAM_OPTIONS_SINCE ? "request" : "none";
}

/** The first preview api-version with the Responses API (the `v1` API has it too; GA dated versions do not). */
export const RESPONSES_SINCE = "2025-03-01";

export function azureResponses(settings: AzureSettings): boolean {
  if (settings.api_version === "v1") return true;
  const preview = /^(\d{4}-\d{2}-\d{2})-preview$/.exec(settings.api_version)?.[1];
  return preview !== undefined && preview >= RESPONSES_SINCE;
}

/** A deployment name is one path segment on the classic API; the v1 API takes it in the body. */
function deploymentProblem(model: string, settings: AzureSettings): string | undefined {
  if (settings.api_version === "v1" || !model.includes("/")) return undefined;
  return "an Azure deployment name has no `/`";
}

export const azure = openAICompatible({
  kind: "azure",
  settings: azureSettings,
  // No default: every Azure resource has its own host.
  defaultBaseUrl: "",
  baseUrlRequired: "the resource endpoint, e.g. https://my-resource.openai.azure.com",
  embeddings: true,
  // Azure lists base models, not the deployment names clients must use: the static list (`models:`) is the truth.
  modelsEndpoint: false,
  staticModels: [],
  streamUsage: azureStreamUsage,
  responses: azureResponses,
  endpoint: azureEndpoint,
  modelProblem: deploymentProblem,
  authHeaders: (key) => ({ "api-key": key }),
  // Azure puts the HTTP status or its own names in `code`; clients expect OpenAI's codes.
  errorCodes: { "401": "invalid_api_key", "429": "rate_limit_exceeded", DeploymentNotFound: "model_not_found" },
  adjustChunk: (chunk) => {
    // Asynchronous content filtering sends choices with only filter results and no delta; clients
    // index `delta`, so such choices are dropped (a chunk left with none is skipped downstream).
    if (chunk.choices.some((c) => c.delta == null)) chunk.choices = chunk.choices.filter((c) => c.delta != null);
  },
});
