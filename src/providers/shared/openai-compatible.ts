import { errors, GatewayError } from "../../core/errors.ts";
import type {
  ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, EmbeddingRequest, EmbeddingResponse, FinishReason, Usage,
} from "../../core/openai-types.ts";
import type { StreamEvent } from "../../core/stream-event.ts";
import type * as v from "valibot";
import type {
  Auth, CallContext, ChatResult, NativeResponsesCall, NativeResponsesResult, ProviderAdapter, ProviderBlock, ProviderFactory, UpstreamReads,
} from "../types.ts";
import { decodeSse } from "./sse-decoder.ts";
import { openAIStyleError, safeJson } from "./upstream-error.ts";
import { readJson, readJsonText, sendChecked } from "./http.ts";
import { upstreamBase, urlUnder, type UrlTemplate } from "./upstream-url.ts";
import { ParameterRules, type ParameterTable } from "./parameters.ts";
import type { ToolCallIdFormat } from "./tool-call-ids.ts";
import { withoutForeignExtensions, type HistoryExtension } from "./history-extensions.ts";
import { isResponseObject, nativeResponsesStream, responsesSummary } from "./openai-responses/native.ts";

/** A provider that speaks OpenAI's wire format, described by its differences. `S`: its own block fields. */
export interface OpenAICompatibleSpec<S = {}> {
  kind: string;
  /** The kind's own block fields beside the shared ones, as a strictObject (config/schema-kit.ts; e.g. Azure's api_version). */
  settings?: v.GenericSchema<unknown, S>;
  /** "" when there is none: the block must then set base_url, and `baseUrlRequired` says what to put there. */
  defaultBaseUrl: string;
  baseUrlRequired?: string;
  embeddings: boolean;
  /** GET {base}/models exists and answers OpenAI's list shape (or a bare array). */
  modelsEndpoint: boolean;
  staticModels: string[];
  /**
   * "request": ask for usage with stream_options; "automatic": the provider sends it unasked; "none":
   * the provider has no streamed usage and rejects stream_options (it is not sent, even the client's).
   * A function decides from the block's settings, once (Azure: by api-version).
   */
  streamUsage: StreamUsage | ((settings: S) => StreamUsage);
  /** Ranges and exclusions that differ from OpenAI's (providers/shared/parameters.ts). */
  parameters?: ParameterTable;
  /** The tool-call ids the provider accepts; others are rewritten (providers/shared/tool-call-ids.ts). */
  toolCallIds?: ToolCallIdFormat;
  /** Reasoning fields of other providers' answers this provider takes back in a history (others are removed). */
  historyExtensions?: readonly HistoryExtension[];
  /** Non-standard finish reasons this provider uses. */
  finishReasons?: Record<string, FinishReason>;
  /** Rewrites the outgoing body for provider rules (fields it rejects, and so on). */
  adjustRequest?: (body: Record<string, unknown>) => void;
  extraHeaders?: Record<string, string>;
  /**
   * Where an operation is sent. Default: `{base}/{operation}` with the model in the body. `base` is the
   * normalised base URL; build the URL with shared/upstream-url.ts so the model is encoded.
   */
  endpoint?: (base: string, operation: Operation, model: string, settings: S) => Endpoint;
  /** Why a model cannot go to this provider (e.g. it becomes one URL path segment), or undefined. */
  modelProblem?: (model: string, settings: S) => string | undefined;
  /** The headers carrying a stored key. Default: `Authorization: Bearer <key>`. */
  authHeaders?: (key: string) => Record<string, string>;
  /** Provider error codes rewritten to OpenAI's (e.g. Azure's "429" → "rate_limit_exceeded"). */
  errorCodes?: Record<string, string>;
  /** Rewrites each stream chunk in place before it is relayed (provider quirks). */
  adjustChunk?: (chunk: ChatCompletionChunk) => void;
  /**
   * The provider serves OpenAI's Responses API (`{base}/responses`), so /v1/responses goes to it
   * natively. A function decides from the block's settings, once (Azure: by api-version).
   */
  responses?: boolean | ((settings: S) => boolean);
}

export type StreamUsage = "request" | "automatic" | "none";

export type Operation = "chat/completions" | "embeddings" | "models" | "responses";

/** Each operation's path as segments, for URL templates. */
export const OPERATION_PATH: Readonly<Record<Operation, readonly string[]>> = {
  "chat/completions": ["chat", "completions"],
  embeddings: ["embeddings"],
  models: ["models"],
  responses: ["responses"],
};

export interface Endpoint {
  url: string;
  /** False when the URL names the model (Azure deployments) and the body must not. */
  modelInBody: boolean;
}

const STANDARD_FINISH: Record<string, FinishReason> = {
  stop: "stop", length: "length", tool_calls: "tool_calls", content_filter: "content_filter", function_call: "function_call",
};

export function openAICompatible<S = {}>(spec: OpenAICompatibleSpec<S>): ProviderFactory<S> {
  return {
    kind: spec.kind,
    ...(spec.settings ? { settings: spec.settings } : {}),
    ...(spec.baseUrlRequired !== undefined ? { baseUrlRequired: spec.baseUrlRequired } : {}),
    keyUsable: (key) => key.value !== "",
    create: (name, config) => new OpenAICompatibleAdapter(name, spec, config),
  };
}

class OpenAICompatibleAdapter<S> implements ProviderAdapter {
  readonly kind: string;
  readonly credentialMode;
  readonly keys;
  readonly supportsEmbeddings: boolean;
  readonly staticModels: readonly string[];
  readonly modelProblem?: (model: string) => string | undefined;
  readonly parameters?: ParameterRules;
  readonly toolCallIds?: ToolCallIdFormat;
  readonly responses?: (call: NativeResponsesCall, ctx: CallContext) => Promise<NativeResponsesResult>;
  private readonly streamUsage: StreamUsage;
  private readonly base: string;
  private readonly url: UrlTemplate;
  private readonly finish: Record<string, FinishReason>;
  private readonly headers: Record<string, string>;

  private readonly settings: S;
  private readonly historyExtensions: ReadonlySet<HistoryExtension> | undefined;
  /** The endpoints of providers whose URLs do not hold the model: built once, not per request. */
  private readonly fixed: Partial<Record<Operation, Endpoint>> = {};

  constructor(readonly name: string, private readonly spec: OpenAICompatibleSpec<S>, config: ProviderBlock<S>) {
    this.kind = spec.kind;
    this.credentialMode = config.credential_mode;
    this.keys = config.keys;
    this.settings = config.settings;
    this.supportsEmbeddings = spec.embeddings;
    this.staticModels = config.models ?? spec.staticModels;
    this.base = upstreamBase(config.base_url ?? spec.defaultBaseUrl);
    this.url = urlUnder(this.base);
    const modelProblem = spec.modelProblem;
    if (modelProblem) this.modelProblem = (model) => modelProblem(model, config.settings);
    this.finish = { ...STANDARD_FINISH, ...spec.finishReasons };
    this.historyExtensions = spec.historyExtensions === undefined ? undefined : new Set(spec.historyExtensions);
    this.streamUsage = typeof spec.streamUsage === "function" ? spec.streamUsage(config.settings) : spec.streamUsage;
    if (spec.parameters) this.parameters = new ParameterRules(spec.parameters);
    if (spec.toolCallIds) this.toolCallIds = spec.toolCallIds;
    this.headers = { "content-type": "application/json", ...spec.extraHeaders, ...config.headers };
    const responses = typeof spec.responses === "function" ? spec.responses(config.settings) : spec.responses === true;
    if (responses) this.responses = (call, ctx) => this.nativeResponses(call, ctx);
  }

  private authHeaders(auth: Auth): Record<string, string> {
    if (auth.mode === "passthrough") return { ...this.headers, ...auth.headers };
    return { ...this.headers, ...(this.spec.authHeaders?.(auth.key.value) ?? { authorization: `Bearer ${auth.key.value}` }) };
  }

  private endpoint(operation: Operation, model: string): Endpoint {
    if (this.spec.endpoint !== undefined) return this.spec.endpoint(this.base, operation, model, this.settings);
    return (this.fixed[operation] ??= { url: this.url`/${OPERATION_PATH[operation]}`, modelInBody: true });
  }

  /** The request body for an operation: the client's fields, with the model as the upstream knows it (or none). */
  private bodyFor<T extends { model: string }>(request: T, endpoint: Endpoint, model: string): Record<string, unknown> {
    const body: Record<string, unknown> = { ...request, model };
    if (!endpoint.modelInBody) delete body.model;
    return body;
  }

  private mapError = (status: number, text: string, headers: Headers): GatewayError => {
    const err = openAIStyleError(this.name, status, text, headers);
    const code = err.code === null ? undefined : this.spec.errorCodes?.[err.code];
    if (code === undefined) return err;
    return errors.upstream(this.name, err.status, err.message, { type: err.type, code, param: err.param, headers: err.headers, retryable: err.retryable });
  };

  async chat(request: ChatCompletionRequest, ctx: CallContext): Promise<ChatResult> {
    const endpoint = this.endpoint("chat/completions", ctx.model);
    const body = this.bodyFor(request, endpoint, ctx.model);
    if (Array.isArray(request.messages)) {
      const messages = withoutForeignExtensions(request.messages, this.historyExtensions);
      if (messages !== request.messages) body.messages = messages;
    }
    if (this.streamUsage === "none") delete body.stream_options;
    else if (request.stream && this.streamUsage === "request") {
      body.stream_options = { ...request.stream_options, include_usage: true };
    }
    this.spec.adjustRequest?.(body);
    const response = await sendChecked(ctx, {
      url: endpoint.url, method: "POST", headers: this.authHeaders(ctx.auth), body: JSON.stringify(body),
    }, this.mapError);
    if (request.stream) return { type: "stream", events: this.stream(response.body!, ctx.reads) };
    const read = await readJsonText(response, ctx.reads);
    const json = read.json as ChatCompletion;
    if (!isCompletion(json)) throw errors.upstreamBadResponse(this.name, "the body is not a chat completion (`choices` must be an array of objects with a `message`)");
    let same = true;
    for (const choice of json.choices) {
      const mapped = this.mapFinish(choice.finish_reason);
      if (mapped !== choice.finish_reason) {
        choice.finish_reason = mapped;
        same = false;
      }
    }
    return same ? { type: "json", body: json, raw: read.text } : { type: "json", body: json };
  }

  /** The client's Responses body with the model as the upstream knows it; the answer relayed as it came. */
  private async nativeResponses(call: NativeResponsesCall, ctx: CallContext): Promise<NativeResponsesResult> {
    const endpoint = this.endpoint("responses", ctx.model);
    const response = await sendChecked(ctx, {
      url: endpoint.url, method: "POST", headers: this.authHeaders(ctx.auth), body: JSON.stringify(this.bodyFor({ ...call.body, model: ctx.model }, endpoint, ctx.model)),
    }, this.mapError);
    if (call.body.stream === true) return { type: "stream", events: nativeResponsesStream(response.body!, ctx.model, ctx.reads) };
    const read = await readJsonText(response, ctx.reads);
    if (!isResponseObject(read.json)) throw errors.upstreamBadResponse(this.name, "the body is not a response (`id` and an `output` array)");
    return { type: "json", body: responsesSummary(read.json, ctx.model), text: read.text, response: read.json };
  }

  private mapFinish(reason: string | null | undefined): FinishReason | null {
    if (reason == null) return null;
    return this.finish[reason] ?? "stop";
  }

  private async *stream(body: ReadableStream<Uint8Array>, reads: UpstreamReads): AsyncGenerator<StreamEvent> {
    let finished = false;
    try {
      for await (const message of decodeSse(body, reads)) {
        if (message.data === "[DONE]") return;
        const chunk = safeJson(message.data) as (ChatCompletionChunk & { error?: unknown; x_groq?: { usage?: Usage } }) | undefined;
        if (!chunk || typeof chunk !== "object") {
          yield { type: "error", error: errors.streamInterrupted(this.name, "an event was not valid JSON") };
          return;
        }
        if (chunk.error !== undefined) {
          const inner = chunk.error as { code?: unknown };
          const status = typeof inner.code === "number" && inner.code >= 400 ? inner.code : 502;
          yield { type: "error", error: this.mapError(status, JSON.stringify({ error: chunk.error }), new Headers()) };
          return;
        }
        // Whether the chunk stays exactly what the upstream sent (then its text can go out as it came);
        // a payload spread over several `data:` lines would break the SSE framing if relayed as one.
        let same = this.spec.adjustChunk === undefined && !message.data.includes("\n");
        if (!Array.isArray(chunk.choices)) {
          chunk.choices = [];
          same = false;
        } else if (!chunk.choices.every(isObject)) {
          yield { type: "error", error: errors.streamInterrupted(this.name, "an event's `choices` held something other than objects") };
          return;
        }
        // Perplexity omits `object`; clients and the contract expect every chunk to carry it.
        if (chunk.object === undefined) {
          chunk.object = "chat.completion.chunk";
          same = false;
        }
        if (chunk.x_groq?.usage && !chunk.usage) {
          chunk.usage = chunk.x_groq.usage;
          same = false;
        }
        this.spec.adjustChunk?.(chunk);
        for (const choice of chunk.choices) {
          if (choice.finish_reason != null) {
            const mapped = this.mapFinish(choice.finish_reason);
            if (mapped !== choice.finish_reason) {
              choice.finish_reason = mapped;
              same = false;
            }
            finished = true;
          }
        }
        yield same ? { type: "chunk", chunk, raw: message.data } : { type: "chunk", chunk };
      }
    } catch (err) {
      // Aborted, over the size limit or out of time: the engine reports those as they are.
      if (ctxAborted(err) || err instanceof GatewayError) throw err;
      yield { type: "error", error: errors.streamInterrupted(this.name, "the connection closed before the stream ended") };
      return;
    }
    // Perplexity ends without [DONE]; a stream that ends without any finish_reason was cut short.
    if (!finished) yield { type: "error", error: errors.streamInterrupted(this.name, "the stream ended before a finish_reason") };
  }

  async embeddings(request: EmbeddingRequest, ctx: CallContext): Promise<EmbeddingResponse> {
    if (!this.spec.embeddings) throw errors.unsupportedOperation(this.name, "embeddings");
    const endpoint = this.endpoint("embeddings", ctx.model);
    const response = await sendChecked(ctx, {
      url: endpoint.url, method: "POST", headers: this.authHeaders(ctx.auth), body: JSON.stringify(this.bodyFor(request, endpoint, ctx.model)),
    }, this.mapError);
    const json = (await readJson(response, ctx.reads)) as EmbeddingResponse;
    if (!json || typeof json !== "object" || !Array.isArray(json.data)) throw errors.upstreamBadResponse(this.name, "the body has no `data` array");
    return json;
  }

  async listModels(ctx: CallContext): Promise<string[]> {
    if (!this.spec.modelsEndpoint) return [...this.staticModels];
    const response = await sendChecked(ctx, { url: this.endpoint("models", "").url, method: "GET", headers: this.authHeaders(ctx.auth) }, this.mapError);
    const json = (await readJson(response, ctx.reads)) as { data?: Array<{ id?: unknown }> } | Array<{ id?: unknown }>;
    const list = Array.isArray(json) ? json : json?.data;
    if (!Array.isArray(list)) throw errors.upstreamBadResponse(this.name, "the model list has no `data` array");
    return list.map((m) => m?.id).filter((id): id is string => typeof id === "string");
  }
}

const isObject = (v: unknown): boolean => v !== null && typeof v === "object" && !Array.isArray(v);

/** What the server relays and the post-LLM hooks read: choices that are objects, each with a message object. */
function isCompletion(json: unknown): json is ChatCompletion {
  if (!isObject(json)) return false;
  const choices = (json as { choices?: unknown }).choices;
  return Array.isArray(choices) && choices.every((c) => isObject(c) && isObject((c as { message?: unknown }).message));
}

function ctxAborted(err: unknown): boolean {
  return err instanceof Error && err.name === "AbortError";
}
