import { errors } from "../../core/errors.ts";
import type { ChatCompletionRequest, EmbeddingRequest, EmbeddingResponse } from "../../core/openai-types.ts";
import type { Auth, CallContext, ChatResult, ProviderAdapter, ProviderBlock, ProviderFactory } from "../types.ts";
import { readJson, sendChecked } from "../shared/http.ts";
import { toGenerateContent } from "../shared/google-genai/request.ts";
import { toChatCompletion } from "../shared/google-genai/response.ts";
import { toChunkStream } from "../shared/google-genai/stream.ts";
import { googleError } from "../shared/google-genai/errors.ts";
import { embeddingTexts, fromGeminiEmbedding, toEmbeddingResponse, toGeminiBatch, toGeminiEmbedContent } from "../shared/google-genai/embeddings.ts";
import { embedInBatches } from "../shared/embedding-batches.ts";
import { isGenerateContentResponse } from "../shared/google-genai/validate.ts";
import { upstreamBase, urlUnder, type UrlTemplate } from "../shared/upstream-url.ts";
import { listGeminiModels } from "./models.ts";
import { GEMINI_RANGES, NO_LOGIT_BIAS, ParameterRules } from "../shared/parameters.ts";

/** Penalties below 2 (see README "Parameters across providers"). */
const PARAMETERS = new ParameterRules({ ranges: GEMINI_RANGES, unsupported: NO_LOGIT_BIAS });

const DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com";
/** `:batchEmbedContents` takes at most 100 requests; longer OpenAI input lists are split (batches.ts). */
export const EMBEDDING_BATCH_LIMIT = 100;
const STATIC_MODELS = ["gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-2.0-flash", "gemini-embedding-001"];

export const gemini: ProviderFactory = {
  kind: "gemini",
  keyUsable: (key) => key.value !== "",
  create: (name, config) => new GeminiAdapter(name, config),
};

/** `gemini-2.5-flash` → `models/gemini-2.5-flash`; `models/...` and `tunedModels/...` stay as they are. */
export const modelResource = (model: string): string => (model.includes("/") ? model : `models/${model}`);

/** The resource name as path segments, each encoded on its own by the URL template. */
const resourceSegments = (model: string): readonly string[] => (model.includes("/") ? model.split("/") : ["models", model]);

/** A model goes into the path as `models/{id}` or `tunedModels/{id}`: no other `/` is possible. */
const RESOURCE = /^(?:models|tunedModels)\/[^/]+$/;
export const geminiModelProblem = (model: string): string | undefined =>
  model.includes("/") && !RESOURCE.test(model) ? "a Gemini model is `name`, `models/name` or `tunedModels/name`" : undefined;

class GeminiAdapter implements ProviderAdapter {
  readonly kind = "gemini";
  readonly credentialMode;
  readonly keys;
  readonly supportsEmbeddings = true;
  readonly parameters = PARAMETERS;
  readonly staticModels: readonly string[];
  /** URLs under `{base_url}/v1beta`. */
  private readonly url: UrlTemplate;
  private readonly headers: Record<string, string>;
  readonly modelProblem = geminiModelProblem;

  constructor(readonly name: string, config: ProviderBlock) {
    this.credentialMode = config.credential_mode;
    this.keys = config.keys;
    this.staticModels = config.models ?? STATIC_MODELS;
    this.url = urlUnder(`${upstreamBase(config.base_url ?? DEFAULT_BASE_URL)}/v1beta`);
    this.headers = { "content-type": "application/json", ...config.headers };
  }

  private authHeaders(auth: Auth): Record<string, string> {
    if (auth.mode === "passthrough") return { ...this.headers, ...auth.headers };
    return { ...this.headers, "x-goog-api-key": auth.key.value };
  }

  private mapError = (status: number, text: string, headers: Headers) => googleError(this.name, status, text, headers);

  private post(ctx: CallContext, url: string, body: unknown): Promise<Response> {
    return sendChecked(ctx, { url, method: "POST", headers: this.authHeaders(ctx.auth), body: JSON.stringify(body) }, this.mapError);
  }

  async chat(request: ChatCompletionRequest, ctx: CallContext): Promise<ChatResult> {
    const body = toGenerateContent(request, ctx.model);
    const resource = resourceSegments(ctx.model);
    if (request.stream) {
      const response = await this.post(ctx, this.url`/${resource}:streamGenerateContent?alt=sse`, body);
      return { type: "stream", events: toChunkStream(response.body ?? new Response("").body!, this.name, ctx.model, ctx.reads) };
    }
    const json = await readJson(await this.post(ctx, this.url`/${resource}:generateContent`, body), ctx.reads);
    if (!isGenerateContentResponse(json)) throw errors.upstreamBadResponse(this.name, "the body has no `candidates` array");
    return { type: "json", body: toChatCompletion(json, ctx.model) };
  }

  async embeddings(request: EmbeddingRequest, ctx: CallContext): Promise<EmbeddingResponse> {
    const segments = resourceSegments(ctx.model);
    const embed = async (url: string, body: unknown) => {
      const result = fromGeminiEmbedding(await readJson(await this.post(ctx, url, body), ctx.reads));
      if (!result) throw errors.upstreamBadResponse(this.name, "the body has no embedding values");
      return result;
    };
    if (typeof request.input === "string") {
      return toEmbeddingResponse(request, ctx.model, await embed(this.url`/${segments}:embedContent`, toGeminiEmbedContent(request, request.input)));
    }
    const resource = modelResource(ctx.model);
    const url = this.url`/${segments}:batchEmbedContents`;
    const result = await embedInBatches(this.name, embeddingTexts(request), EMBEDDING_BATCH_LIMIT, (texts) => embed(url, toGeminiBatch(request, texts, resource)));
    return toEmbeddingResponse(request, ctx.model, result);
  }

  listModels(ctx: CallContext): Promise<string[]> {
    const page = (token: string | undefined) => (token === undefined ? this.url`/models?pageSize=1000` : this.url`/models?pageSize=1000&pageToken=${token}`);
    return listGeminiModels(this.name, page, async (url) => {
      const response = await sendChecked(ctx, { url, method: "GET", headers: this.authHeaders(ctx.auth) }, this.mapError);
      return readJson(response, ctx.reads);
    });
  }
}
