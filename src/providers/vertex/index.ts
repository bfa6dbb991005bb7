import { errors, type GatewayError } from "../../core/errors.ts";
import type { ChatCompletionRequest, EmbeddingRequest, EmbeddingResponse } from "../../core/openai-types.ts";
import type { CallContext, ChatResult, NativeMessagesCall, NativeMessagesResult, ProviderAdapter, ProviderBlock, ProviderFactory } from "../types.ts";
import { readJson, readJsonText, sendChecked } from "../shared/http.ts";
import { toGenerateContent } from "../shared/google-genai/request.ts";
import { toChatCompletion } from "../shared/google-genai/response.ts";
import { toChunkStream } from "../shared/google-genai/stream.ts";
import { googleError } from "../shared/google-genai/errors.ts";
import { embeddingTexts, fromVertexPredict, toEmbeddingResponse, toVertexPredict } from "../shared/google-genai/embeddings.ts";
import { embedInBatches } from "../shared/embedding-batches.ts";
import { isGenerateContentResponse } from "../shared/google-genai/validate.ts";
import { anthropicError, anthropicStream, fromAnthropicResponse, toAnthropicRequest } from "../shared/anthropic-messages/index.ts";
import { nativeStream, nativeSummary } from "../shared/anthropic-messages/native.ts";
import { upstreamBase, urlUnder, type UrlTemplate } from "../shared/upstream-url.ts";
import { CLAUDE_RULES, GEMINI_RANGES, NO_LOGIT_BIAS, ParameterRules } from "../shared/parameters.ts";
import { ANTHROPIC_TOOL_CALL_IDS } from "../shared/tool-call-ids.ts";
import { TokenSource } from "./token-source.ts";
import { vertexKeyFields, vertexSettings, type VertexKeyFields, type VertexSettings } from "./config.ts";

const STATIC_MODELS = [
  "gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-2.0-flash",
  "text-embedding-005", "gemini-embedding-001",
  "claude-sonnet-4-5@20250929", "claude-opus-4-1@20250805", "claude-3-5-haiku@20241022",
];
const ANTHROPIC_VERSION = "vertex-2023-10-16";

/**
 * Instances per `:predict` call: 250 for the text-embedding models; Gemini embedding models on Vertex take
 * one input per request. Longer OpenAI input lists are split (batches.ts).
 */
export const EMBEDDING_BATCH_LIMIT = 250;
export const embeddingBatchLimit = (model: string): number => (model.startsWith("gemini-embedding") ? 1 : EMBEDDING_BATCH_LIMIT);
/** Gemini models take Gemini's ranges, Claude models Anthropic's, by model id. */
const PARAMETERS = new ParameterRules({ models: [{ models: /^gemini/, ranges: GEMINI_RANGES, unsupported: NO_LOGIT_BIAS }, ...CLAUDE_RULES] });

/** Anthropic models on Vertex (`claude-sonnet-4-5@20250929`) go to the Anthropic publisher's rawPredict. */
export const isAnthropicModel = (model: string): boolean => model.startsWith("claude");

/** Each id is one path segment (`publishers/{publisher}/models/{id}`): no `/`. */
export const vertexModelProblem = (model: string): string | undefined =>
  model.includes("/") ? "a Vertex AI model id has no `/` (it is one path segment under publishers/…/models/)" : undefined;

export const vertexHost = (region: string): string =>
  region === "global" ? "https://aiplatform.googleapis.com" : `https://${region}-aiplatform.googleapis.com`;

export const vertex: ProviderFactory<VertexSettings, VertexKeyFields> = {
  kind: "vertex",
  settings: vertexSettings,
  keyFields: vertexKeyFields,
  keyUsable: (key) => key.credentials_file !== "" || key.access_token !== "",
  create: (name, config) => new VertexAdapter(name, config),
};

class VertexAdapter implements ProviderAdapter<VertexKeyFields> {
  readonly kind = "vertex";
  readonly credentialMode;
  readonly keys;
  readonly supportsEmbeddings = true;
  readonly parameters = PARAMETERS;
  /** Claude's id format; Gemini's own ids (base64url signatures included) are within it too. */
  readonly toolCallIds = ANTHROPIC_TOOL_CALL_IDS;
  readonly staticModels: readonly string[];
  /** URLs under `{host}/v1/projects/{project}/locations/{region}/publishers`. */
  private readonly url: UrlTemplate;
  private readonly headers: Record<string, string>;
  private readonly tokens: TokenSource;
  readonly modelProblem = vertexModelProblem;

  constructor(readonly name: string, config: ProviderBlock<VertexSettings, VertexKeyFields>) {
    this.credentialMode = config.credential_mode;
    this.keys = config.keys;
    this.staticModels = config.models ?? STATIC_MODELS;
    const { project, region } = config.settings;
    const host = urlUnder(upstreamBase(config.base_url ?? vertexHost(region)));
    this.url = urlUnder(host`/v1/projects/${project}/locations/${region}/publishers`);
    this.headers = { "content-type": "application/json", ...config.headers };
    this.tokens = new TokenSource({ provider: name });
  }

  private async authHeaders(ctx: CallContext<VertexKeyFields>): Promise<Record<string, string>> {
    if (ctx.auth.mode === "passthrough") return { ...this.headers, ...ctx.auth.headers };
    return { ...this.headers, authorization: `Bearer ${await this.tokens.token(ctx.auth.key)}` };
  }

  /** Vertex's own front (auth, quota) answers in google.rpc shape, Anthropic models in Anthropic's. */
  private errorMapper(ctx: CallContext<VertexKeyFields>, anthropic: boolean) {
    return (status: number, text: string, headers: Headers): GatewayError => {
      if (status === 401 && ctx.auth.mode === "stored") this.tokens.invalidate(ctx.auth.key);
      const google = /"status"\s*:\s*"[A-Z_]+"/.test(text);
      return anthropic && !google ? anthropicError(this.name, status, text, headers) : googleError(this.name, status, text, headers);
    };
  }

  private async post(ctx: CallContext<VertexKeyFields>, url: string, body: unknown, anthropic = false, extraHeaders?: Record<string, string>): Promise<Response> {
    const headers = { ...await this.authHeaders(ctx), ...extraHeaders };
    return sendChecked(ctx, { url, method: "POST", headers, body: JSON.stringify(body) }, this.errorMapper(ctx, anthropic));
  }

  /** Claude models take /v1/messages natively (rawPredict speaks Messages); Gemini ones are translated. */
  messagesNative(model: string): boolean {
    return isAnthropicModel(model);
  }

  /**
   * Native /v1/messages for Claude: the client's body without `model` (it is in the URL) and with
   * Vertex's anthropic_version, which replaces any the client sent (only this value is valid here);
   * its `anthropic-beta` header goes up as a header. The answer is relayed untranslated (native.ts).
   */
  async messages(call: NativeMessagesCall, ctx: CallContext<VertexKeyFields>): Promise<NativeMessagesResult> {
    const { model: _model, ...body } = call.body;
    body.anthropic_version = ANTHROPIC_VERSION;
    const stream = call.body.stream === true;
    const beta = call.headers["anthropic-beta"];
    const url = stream ? this.url`/anthropic/models/${ctx.model}:streamRawPredict` : this.url`/anthropic/models/${ctx.model}:rawPredict`;
    const response = await this.post(ctx, url, body, true, beta !== undefined ? { "anthropic-beta": beta } : undefined);
    if (stream) {
      if (!response.body) throw errors.upstreamBadResponse(this.name, "the stream had no body");
      return { type: "stream", events: nativeStream(response.body, ctx.model, ctx.reads) };
    }
    const { json, text } = await readJsonText(response, ctx.reads);
    return { type: "json", body: nativeSummary(json, ctx.model), text };
  }

  chat(request: ChatCompletionRequest, ctx: CallContext<VertexKeyFields>): Promise<ChatResult> {
    return isAnthropicModel(ctx.model) ? this.anthropicChat(request, ctx) : this.geminiChat(request, ctx);
  }

  private async geminiChat(request: ChatCompletionRequest, ctx: CallContext<VertexKeyFields>): Promise<ChatResult> {
    const body = toGenerateContent(request, ctx.model);
    if (request.stream) {
      const response = await this.post(ctx, this.url`/google/models/${ctx.model}:streamGenerateContent?alt=sse`, body);
      if (!response.body) throw errors.upstreamBadResponse(this.name, "the stream had no body");
      return { type: "stream", events: toChunkStream(response.body, this.name, ctx.model, ctx.reads) };
    }
    const json = await readJson(await this.post(ctx, this.url`/google/models/${ctx.model}:generateContent`, body), ctx.reads);
    if (!isGenerateContentResponse(json)) throw errors.upstreamBadResponse(this.name, "the body has no `candidates` array");
    return { type: "json", body: toChatCompletion(json, ctx.model) };
  }

  /** The Anthropic Messages body without `model` (it is in the URL) and with Vertex's anthropic_version. */
  private async anthropicChat(request: ChatCompletionRequest, ctx: CallContext<VertexKeyFields>): Promise<ChatResult> {
    const call = toAnthropicRequest(request, undefined, { extra: { anthropic_version: ANTHROPIC_VERSION } });
    const url = request.stream ? this.url`/anthropic/models/${ctx.model}:streamRawPredict` : this.url`/anthropic/models/${ctx.model}:rawPredict`;
    const response = await this.post(ctx, url, call.body, true);
    const opts = { provider: this.name, model: ctx.model, jsonTool: call.jsonTool };
    if (request.stream) {
      if (!response.body) throw errors.upstreamBadResponse(this.name, "the stream had no body");
      return { type: "stream", events: anthropicStream(response.body, opts, ctx.reads) };
    }
    return { type: "json", body: fromAnthropicResponse(await readJson(response, ctx.reads), opts) };
  }

  async embeddings(request: EmbeddingRequest, ctx: CallContext<VertexKeyFields>): Promise<EmbeddingResponse> {
    if (isAnthropicModel(ctx.model)) throw errors.unsupportedOperation(this.name, `embeddings with ${ctx.model}`);
    const url = this.url`/google/models/${ctx.model}:predict`;
    const result = await embedInBatches(this.name, embeddingTexts(request), embeddingBatchLimit(ctx.model), async (texts) => {
      const part = fromVertexPredict(await readJson(await this.post(ctx, url, toVertexPredict(request, texts)), ctx.reads));
      if (!part) throw errors.upstreamBadResponse(this.name, "the body has no `predictions[].embeddings.values`");
      return part;
    });
    return toEmbeddingResponse(request, ctx.model, result);
  }

  /** Vertex has no simple listing of publisher models: the static list (or `models:` in config) is it. */
  listModels(_ctx: CallContext<VertexKeyFields>): Promise<string[]> {
    return Promise.resolve([...this.staticModels]);
  }
}
