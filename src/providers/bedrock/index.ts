import { errors } from "../../core/errors.ts";
import { newCompletionId, nowSeconds } from "../../core/ids.ts";
import type { ChatCompletionRequest, EmbeddingRequest, EmbeddingResponse } from "../../core/openai-types.ts";
import type { CallContext, ChatResult, NativeMessagesCall, NativeMessagesResult, ProviderAdapter, ProviderBlock, ProviderFactory } from "../types.ts";
import { readJson, readJsonText, sendChecked } from "../shared/http.ts";
import { nativeSummary } from "../shared/anthropic-messages/native.ts";
import { authorize, bedrockKeyUsable } from "./auth.ts";
import { toConverse } from "./converse-request.ts";
import { fromConverse, isConverseResponse } from "./converse-response.ts";
import { converseStream } from "./converse-stream.ts";
import { embed } from "./embeddings.ts";
import { isClaudeModel, toInvokeBody } from "./invoke-messages.ts";
import { invokeMessagesStream } from "./invoke-messages-stream.ts";
import { bedrockHttpError } from "./errors.ts";
import { bedrockKeyFields, bedrockSettings, type BedrockKeyFields, type BedrockSettings } from "./config.ts";
import { modelIds, STATIC_MODELS } from "./models.ts";
import { upstreamBase, urlUnder, type UrlTemplate } from "../shared/upstream-url.ts";
import { CLAUDE_SAMPLING_RULE, NO_LOGPROBS, NO_PENALTIES, ParameterRules, TEMPERATURE_0_1 } from "../shared/parameters.ts";
import { BEDROCK_TOOL_CALL_IDS } from "../shared/tool-call-ids.ts";

// AWS Bedrock through the Converse API (chat), InvokeModel (embeddings, and /v1/messages natively
// for Claude) and the control plane (model listing). See README "Bedrock" and providers README §3.

/** Converse takes temperature 0–1 for every model; Claude models that reject temperature with top_p. */
const PARAMETERS = new ParameterRules({ ranges: TEMPERATURE_0_1, unsupported: [...NO_PENALTIES, ...NO_LOGPROBS], models: [CLAUDE_SAMPLING_RULE] });

const REQUEST_ID = /^[A-Za-z0-9-]{1,64}$/;

export const bedrock: ProviderFactory<BedrockSettings, BedrockKeyFields> = {
  kind: "bedrock",
  settings: bedrockSettings,
  keyFields: bedrockKeyFields,
  keyUsable: bedrockKeyUsable,
  create: (name, config) => new BedrockAdapter(name, config),
};

class BedrockAdapter implements ProviderAdapter<BedrockKeyFields> {
  readonly kind = "bedrock";
  readonly credentialMode;
  readonly keys;
  readonly supportsEmbeddings = true;
  readonly parameters = PARAMETERS;
  readonly toolCallIds = BEDROCK_TOOL_CALL_IDS;
  readonly staticModels: readonly string[];
  private readonly region: string;
  /** bedrock-runtime: Converse and InvokeModel. */
  private readonly runtime: UrlTemplate;
  /** bedrock (control plane): ListFoundationModels. A configured base_url serves both (tests, proxies). */
  private readonly control: UrlTemplate;
  private readonly extraHeaders: Record<string, string>;

  constructor(readonly name: string, config: ProviderBlock<BedrockSettings, BedrockKeyFields>) {
    this.credentialMode = config.credential_mode;
    this.keys = config.keys;
    this.staticModels = config.models ?? STATIC_MODELS;
    this.region = config.settings.region;
    this.runtime = urlUnder(upstreamBase(config.base_url ?? `https://bedrock-runtime.${this.region}.amazonaws.com`));
    this.control = urlUnder(upstreamBase(config.base_url ?? `https://bedrock.${this.region}.amazonaws.com`));
    this.extraHeaders = { ...config.headers };
  }

  private mapError = (status: number, text: string, headers: Headers) => bedrockHttpError(this.name, status, text, headers);

  private send(ctx: CallContext<BedrockKeyFields>, method: "GET" | "POST", url: string, body: string, accept?: string): Promise<Response> {
    const headers: Record<string, string> = { ...this.extraHeaders };
    if (method === "POST") headers["content-type"] = "application/json";
    if (accept) headers.accept = accept;
    const out = { method, url: new URL(url), headers, body };
    return sendChecked(ctx, { url, method, headers: authorize(ctx.auth, out, this.region), body: method === "POST" ? body : undefined }, this.mapError);
  }

  /**
   * Model ids (and ARNs) go into one path segment, encoded as the AWS SDKs do: `:` → %3A, `/` → %2F.
   * The signature's canonical path is derived from this same URL (sigv4.ts encodes it once more).
   */
  private modelUrl(model: string, action: "converse" | "converse-stream" | "invoke" | "invoke-with-response-stream"): string {
    return this.runtime`/model/${model}/${action}`;
  }

  async chat(request: ChatCompletionRequest, ctx: CallContext<BedrockKeyFields>): Promise<ChatResult> {
    // Serialised once: these exact bytes are signed and sent.
    const call = toConverse(request, ctx.model);
    const body = JSON.stringify(call.body);
    const streaming = request.stream === true;
    const response = await this.send(
      ctx, "POST", this.modelUrl(ctx.model, streaming ? "converse-stream" : "converse"), body,
      streaming ? "application/vnd.amazon.eventstream" : "application/json",
    );
    // The id reaches the client: only a request id's own characters (a UUID) are taken from the header.
    const requestId = response.headers.get("x-amzn-requestid");
    const id = requestId !== null && REQUEST_ID.test(requestId) ? `chatcmpl-${requestId}` : newCompletionId();
    const meta = { id, created: nowSeconds(), model: ctx.model, jsonTool: call.jsonTool };
    if (streaming) {
      if (!response.body) throw errors.upstreamBadResponse(this.name, "the stream had no body");
      return { type: "stream", events: converseStream(response.body, { provider: this.name, ...meta }, ctx.signal, ctx.reads) };
    }
    const json = await readJson(response, ctx.reads);
    if (!isConverseResponse(json)) throw errors.upstreamBadResponse(this.name, "the body has no `output.message.content`");
    return { type: "json", body: fromConverse(json, meta) };
  }

  /** Claude models take /v1/messages natively through InvokeModel; the others are translated to Converse. */
  messagesNative(model: string): boolean {
    return isClaudeModel(model);
  }

  /** Native /v1/messages for Claude (invoke-messages.ts); the answer is relayed untranslated. */
  async messages(call: NativeMessagesCall, ctx: CallContext<BedrockKeyFields>): Promise<NativeMessagesResult> {
    const streaming = call.body.stream === true;
    const response = await this.send(
      ctx, "POST", this.modelUrl(ctx.model, streaming ? "invoke-with-response-stream" : "invoke"), JSON.stringify(toInvokeBody(call)),
      streaming ? "application/vnd.amazon.eventstream" : "application/json",
    );
    if (streaming) {
      if (!response.body) throw errors.upstreamBadResponse(this.name, "the stream had no body");
      return { type: "stream", events: invokeMessagesStream(response.body, ctx.model, ctx.signal, ctx.reads) };
    }
    const { json, text } = await readJsonText(response, ctx.reads);
    return { type: "json", body: nativeSummary(json, ctx.model), text };
  }

  embeddings(request: EmbeddingRequest, ctx: CallContext<BedrockKeyFields>): Promise<EmbeddingResponse> {
    return embed(this.name, request, ctx.model, async (body) => {
      const response = await this.send(ctx, "POST", this.modelUrl(ctx.model, "invoke"), JSON.stringify(body), "application/json");
      const header = response.headers.get("x-amzn-bedrock-input-token-count");
      const inputTokens = header !== null && /^\d+$/.test(header) ? Number(header) : undefined;
      return { json: await readJson(response, ctx.reads), inputTokens };
    });
  }

  async listModels(ctx: CallContext<BedrockKeyFields>): Promise<string[]> {
    const response = await this.send(ctx, "GET", this.control`/foundation-models`, "");
    return modelIds(this.name, await readJson(response, ctx.reads));
  }
}
