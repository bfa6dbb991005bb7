import { errors } from "../../core/errors.ts";
import type { ChatCompletionRequest, EmbeddingRequest, EmbeddingResponse } from "../../core/openai-types.ts";
import type { Auth, CallContext, ChatResult, NativeMessagesCall, NativeMessagesResult, ProviderAdapter, ProviderBlock, ProviderFactory } from "../types.ts";
import { readJson, readJsonText, sendChecked } from "../shared/http.ts";
import { nativeStream, nativeSummary } from "../shared/anthropic-messages/native.ts";
import { upstreamBase, urlUnder, type UrlTemplate } from "../shared/upstream-url.ts";
import { CLAUDE_SAMPLING_RULE, NO_LOGPROBS, NO_PENALTIES, ParameterRules, TEMPERATURE_0_1 } from "../shared/parameters.ts";
import { ANTHROPIC_TOOL_CALL_IDS } from "../shared/tool-call-ids.ts";
import {
  anthropicError, anthropicStream, fromAnthropicModels, fromAnthropicResponse, toAnthropicRequest,
} from "../shared/anthropic-messages/index.ts";

const DEFAULT_BASE_URL = "https://api.anthropic.com";
const API_VERSION = "2023-06-01";
const STATIC_MODELS = ["claude-sonnet-4-5", "claude-opus-4-1", "claude-3-7-sonnet-latest", "claude-3-5-haiku-latest"];
/** Anthropic's ranges and the Claude models that reject temperature with top_p (see README "Parameters across providers"). */
const PARAMETERS = new ParameterRules({ ranges: TEMPERATURE_0_1, unsupported: [...NO_PENALTIES, ...NO_LOGPROBS], models: [CLAUDE_SAMPLING_RULE] });
/** What /v1/messages takes and /v1/messages/count_tokens refuses: output, sampling and serving settings. */
const NOT_COUNTED = ["max_tokens", "stream", "temperature", "top_p", "top_k", "stop_sequences", "metadata", "service_tier", "container", "inference_geo", "diagnostics"] as const;
/** Listing pages are followed up to this many (1,000 models each): a bound against a cursor loop. */
const MAX_MODEL_PAGES = 5;

export const anthropic: ProviderFactory = {
  kind: "anthropic",
  keyUsable: (key) => key.value !== "",
  create: (name, config) => new AnthropicAdapter(name, config),
};

class AnthropicAdapter implements ProviderAdapter {
  readonly kind = "anthropic";
  readonly credentialMode;
  readonly keys;
  readonly supportsEmbeddings = false;
  readonly parameters = PARAMETERS;
  readonly toolCallIds = ANTHROPIC_TOOL_CALL_IDS;
  readonly staticModels: readonly string[];
  private readonly url: UrlTemplate;
  private readonly headers: Record<string, string>;

  constructor(readonly name: string, config: ProviderBlock) {
    this.credentialMode = config.credential_mode;
    this.keys = config.keys;
    this.staticModels = config.models ?? STATIC_MODELS;
    this.url = urlUnder(upstreamBase(config.base_url ?? DEFAULT_BASE_URL));
    this.headers = { "content-type": "application/json", "anthropic-version": API_VERSION, ...config.headers };
  }

  /** Stored: our key as x-api-key. Passthrough: the client's x-api-key / authorization go up unchanged. */
  private authHeaders(auth: Auth): Record<string, string> {
    if (auth.mode === "passthrough") return { ...this.headers, ...auth.headers };
    return { ...this.headers, "x-api-key": auth.key.value };
  }

  private mapError = (status: number, text: string, headers: Headers) => anthropicError(this.name, status, text, headers);

  async chat(request: ChatCompletionRequest, ctx: CallContext): Promise<ChatResult> {
    const call = toAnthropicRequest(request, ctx.model);
    const response = await sendChecked(ctx, {
      url: this.url`/v1/messages`, method: "POST", headers: this.authHeaders(ctx.auth), body: JSON.stringify(call.body),
    }, this.mapError);
    const opts = { provider: this.name, model: ctx.model, jsonTool: call.jsonTool };
    if (request.stream) {
      if (!response.body) throw errors.upstreamBadResponse(this.name, "the stream had no body");
      return { type: "stream", events: anthropicStream(response.body, opts, ctx.reads) };
    }
    return { type: "json", body: fromAnthropicResponse(await readJson(response, ctx.reads), opts) };
  }

  /**
   * Native /v1/messages: the client's body with only `model` replaced, its `anthropic-version` (else
   * ours) and `anthropic-beta`; the answer comes back untranslated (native.ts).
   */
  async messages(call: NativeMessagesCall, ctx: CallContext): Promise<NativeMessagesResult> {
    const headers = this.authHeaders(ctx.auth);
    for (const name in call.headers) headers[name] = call.headers[name]!;
    const response = await sendChecked(ctx, {
      url: this.url`/v1/messages`, method: "POST", headers, body: JSON.stringify({ ...call.body, model: ctx.model }),
    }, this.mapError);
    if (call.body.stream === true) {
      if (!response.body) throw errors.upstreamBadResponse(this.name, "the stream had no body");
      return { type: "stream", events: nativeStream(response.body, ctx.model, ctx.reads) };
    }
    const { json, text } = await readJsonText(response, ctx.reads);
    return { type: "json", body: nativeSummary(json, ctx.model), text };
  }

  /**
   * `POST /v1/messages/count_tokens`: Anthropic answers `{"input_tokens": N}`. The client's own body
   * when it gave one (only `model` replaced, with its `anthropic-version` and `anthropic-beta`), else
   * the body the codec builds for /v1/messages; either way without what that endpoint refuses.
   */
  async countTokens(request: ChatCompletionRequest, ctx: CallContext, native?: NativeMessagesCall): Promise<number> {
    const headers = this.authHeaders(ctx.auth);
    let body: Record<string, unknown>;
    if (native !== undefined) {
      for (const name in native.headers) headers[name] = native.headers[name]!;
      body = { ...native.body, model: ctx.model };
    } else {
      body = toAnthropicRequest({ ...request, stream: false }, ctx.model).body as Record<string, unknown>;
    }
    for (const field of NOT_COUNTED) delete body[field];
    const response = await sendChecked(ctx, {
      url: this.url`/v1/messages/count_tokens`, method: "POST", headers, body: JSON.stringify(body),
    }, this.mapError);
    const answer = await readJson(response, ctx.reads);
    const n = (answer as { input_tokens?: unknown } | null)?.input_tokens;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0) throw errors.upstreamBadResponse(this.name, "the token count has no `input_tokens` integer");
    return n;
  }

  embeddings(_request: EmbeddingRequest, _ctx: CallContext): Promise<EmbeddingResponse> {
    return Promise.reject(errors.unsupportedOperation(this.name, "embeddings"));
  }

  async listModels(ctx: CallContext): Promise<string[]> {
    const ids: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < MAX_MODEL_PAGES; page++) {
      const url = after === undefined ? this.url`/v1/models?limit=1000` : this.url`/v1/models?limit=1000&after_id=${after}`;
      const response = await sendChecked(ctx, { url, method: "GET", headers: this.authHeaders(ctx.auth) }, this.mapError);
      const parsed = fromAnthropicModels(await readJson(response, ctx.reads));
      if (!parsed) throw errors.upstreamBadResponse(this.name, "the model list has no `data` array");
      ids.push(...parsed.ids);
      if (parsed.next === undefined) break;
      after = parsed.next;
    }
    return ids;
  }
}
