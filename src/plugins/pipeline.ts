// One request's trip through the compiled chain and the telemetry bus. Created by the server only
// when some plugin is enabled; with none, the server calls the engine directly and none of this runs.
import { errors, GatewayError, toGatewayError } from "../core/errors.ts";
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, EmbeddingRequest, EmbeddingResponse } from "../core/openai-types.ts";
import type { StreamEvent } from "../core/stream-event.ts";
import type { Outcome, RequestContext } from "../engine/engine.ts";
import type { Telemetry } from "../observability/events.ts";
import type { RequestRecorder } from "../observability/recorder.ts";
import type { EngineOperation } from "../engine/operations.ts";
import type { LlmResult } from "../providers/types.ts";
import { callHook, reportFailure, HookTimeout, type CompiledChain, type CompiledHook, type HookIdentity } from "./chain.ts";
import { runPost, runPre, type HookHost, type Phase } from "./run-hooks.ts";
import { ShortCircuit, encodable, pluginResponse } from "./short-circuit.ts";
import type {
  ClientApi, HookReturn, HttpRequestPayload, HttpResponsePayload, LlmOperation, LlmRequestPayload, LlmResponsePayload, StreamChunkPayload,
} from "./types.ts";

export interface LlmEngine {
  call<Req extends { model: string }, B>(op: EngineOperation<Req, B>, request: Req, ctx: RequestContext): Promise<Outcome<LlmResult<B>>>;
}

/** The parts of the server's exchange the pipeline reads and writes. */
export interface ExchangeView {
  req: Request;
  readonly requestId: string;
  /** Headers every answer carries; hooks' `headers` are merged in here. */
  readonly headers: Record<string, string>;
  /** The client API's error encoder: a plugin's error answer goes out in the envelope the client speaks. */
  readonly ingress: { encodeError(err: GatewayError, headers: Record<string, string>): Response };
  /** The request's telemetry record, when anybody observes requests. */
  readonly recorder: RequestRecorder | undefined;
  /** The operation serving the request, once its handler runs: a hook's own LLM answer is encoded as its answers are. */
  readonly operation?: AnswerEncoder;
}

/** How the operation serving a request writes its JSON answer in the client API's shape (server/operation.ts `encodeJson`). */
export interface AnswerEncoder {
  encodeJson?(body: unknown, request: { model: string }, ex: ExchangeView): string | Promise<string>;
}

export interface PipelineOwner {
  readonly chain: CompiledChain;
  readonly telemetry: Telemetry;
}

/**
 * Every step is synchronous unless a hook is not: with the built-ins (whose hooks answer at once) a
 * request crosses the pipeline without an extra promise or microtask hop beyond the engine call.
 */
export class RequestPipeline implements HookHost {
  private httpReached = 0;
  private llmReached = 0;
  /** A pre-LLM hook returned `modify`. */
  private llmRewritten = false;
  private readonly chain: CompiledChain;
  private readonly telemetry: Telemetry;
  /** Every payload says which client API the request speaks (absent off the LLM paths). */
  private readonly api: ClientApi | undefined;

  constructor(owner: PipelineOwner, private readonly ex: ExchangeView, private readonly path: string, private readonly clientIp: string | undefined) {
    this.chain = owner.chain;
    this.telemetry = owner.telemetry;
    this.api = API_OF_PATH.get(path);
  }

  /** Whether a post-LLM hook may change an answer's body after the engine (the response cache keeps the body from before). */
  get postLlmHooks(): boolean {
    return this.chain.postLlm.length !== 0;
  }

  // ── pre-HTTP ──────────────────────────────────────────────────────────────────────────────

  /**
   * Runs pre-HTTP hooks; throws ShortCircuit or (fail-closed) a GatewayError. May replace `ex.req`
   * headers. Returns a promise only when a hook did.
   */
  preHttp(): Promise<void> | undefined {
    const hooks = this.chain.preHttp;
    if (hooks.length === 0) {
      this.httpReached = this.chain.plugins.length;
      return undefined;
    }
    const req = this.ex.req;
    const payload = httpPayload(this.ex.requestId, this.api, req, this.path, this.clientIp);
    const out = runPre(this, "http", hooks, payload, this.chain.plugins.length);
    if (out instanceof Promise) return out.then((o) => this.useHeaders(payload, o, req));
    this.useHeaders(payload, out, req);
    return undefined;
  }

  private useHeaders(payload: HttpRequestPayload, out: HttpRequestPayload, req: Request): void {
    if (out !== payload) this.ex.req = new Request(req, { headers: out.headers });
  }

  // ── LLM calls ─────────────────────────────────────────────────────────────────────────────

  /** One LLM operation through the pre-LLM hooks, the engine and the post-LLM (and stream chunk) hooks. */
  async call<Req extends { model: string }, B>(op: EngineOperation<Req, B>, request: Req, ctx: RequestContext, engine: LlmEngine): Promise<Outcome<LlmResult<B>>> {
    const operation = op.name;
    const stream = (request as { stream?: unknown }).stream === true;
    try {
      const pre = this.beforeLlm(operation, request as unknown as LlmRequestPayload["body"], stream);
      if (pre !== (request as unknown)) request = (pre instanceof Promise ? await pre : pre) as unknown as Req;
      if (this.llmRewritten) request = servedAsRewritten(request);
      let outcome: Outcome<LlmResult<B>>;
      try {
        outcome = await engine.call(op, request, ctx);
      } catch (err) {
        throw await this.engineFailed(operation, stream, err);
      }
      const result = outcome.value;
      if (result.type === "json") {
        const body = this.afterLlm(operation, outcome, result.body as LlmResponsePayload["body"], false);
        // No post-LLM hook: the upstream's bytes (result.raw) still speak for the body.
        if (body === result.body && this.chain.postLlm.length === 0) return outcome;
        // A post hook may have changed the body, in place or not: the upstream's bytes no longer speak for it.
        return { ...outcome, value: { type: "json", body: (body instanceof Promise ? await body : body) as B } };
      }
      const after = this.afterLlm(operation, outcome, undefined, true);
      if (after instanceof Promise) await after;
      const hooks = this.chunkHooks();
      if (hooks.length === 0 && this.ex.recorder?.captureBodies !== true) return outcome;
      return { ...outcome, value: { type: "stream", events: this.hookChunks(result.events, hooks) } };
    } catch (err) {
      // A hook's own answer answers this request, in this operation's shape.
      if (err instanceof ShortCircuit) err.request ??= request;
      throw err;
    }
  }

  /** Records the request and runs the pre-LLM hooks; the request as it is when no hook changed it. */
  private beforeLlm<R extends ChatCompletionRequest | EmbeddingRequest>(operation: LlmOperation, request: R, stream: boolean): R | Promise<R> {
    const hooks = this.chain.preLlm;
    if (hooks.length === 0) {
      this.llmReached = this.chain.plugins.length;
      return request;
    }
    const payload: LlmRequestPayload = { request_id: this.ex.requestId, api: this.api, operation, client_ip: this.clientIp, body: request };
    let out: LlmRequestPayload | Promise<LlmRequestPayload>;
    try {
      out = runPre(this, "llm", hooks, payload, this.chain.plugins.length);
    } catch (err) {
      return this.preLlmFailed(operation, stream, err);
    }
    if (out instanceof Promise) return out.then((o) => o.body as R, (err: unknown) => this.preLlmFailed(operation, stream, err));
    return out.body as R;
  }

  /** A pre-LLM answer goes through the post-LLM hooks of the plugins whose pre-LLM hook ran, like an engine answer. */
  private async preLlmFailed(operation: LlmOperation, stream: boolean, err: unknown): Promise<never> {
    if (err instanceof ShortCircuit && this.chain.postLlm.length !== 0) throw await this.postLlmOnAnswer(operation, stream, err);
    throw err;
  }

  private async postLlmOnAnswer(operation: LlmOperation, stream: boolean, sc: ShortCircuit): Promise<ShortCircuit> {
    const r = sc.response;
    const failed = r.error !== undefined || r.status >= 400;
    const payload: LlmResponsePayload = {
      request_id: this.ex.requestId, api: this.api, operation, provider: undefined, model: undefined, attempts: 0, stream,
      ...(failed
        ? { error: { status: r.status, kind: r.kind ?? "plugin_response", message: r.error?.message ?? "", type: r.error?.type ?? "", code: r.error?.code ?? null } }
        : { body: r.body as ChatCompletion }),
    };
    const out = await runPost(this, this.chain.postLlm, this.llmReached, payload);
    return out.body === payload.body ? sc : new ShortCircuit(sc.plugin, { ...r, body: out.body });
  }

  /** The engine threw: post-LLM hooks see the error. Returns the error to throw (a hook may answer instead, by throwing). */
  private async engineFailed(operation: LlmOperation, stream: boolean, err: unknown): Promise<unknown> {
    const hooks = this.chain.postLlm;
    if (hooks.length === 0) return err;
    const e = toGatewayError(err);
    await runPost(this, hooks, this.llmReached, {
      request_id: this.ex.requestId, api: this.api, operation, provider: undefined, model: undefined, attempts: this.ex.recorder?.record.attempts ?? 0, stream,
      error: { status: e.status, kind: e.kind, message: e.message, type: e.type, code: e.code },
    } as LlmResponsePayload);
    return err;
  }

  /** Records the answer and runs the post-LLM hooks; the body as it is when there are none. */
  private afterLlm(operation: LlmOperation, outcome: Outcome<unknown>, body: ChatCompletion | EmbeddingResponse | undefined, stream: boolean): unknown {
    const hooks = this.chain.postLlm;
    if (hooks.length === 0) return body;
    const payload: LlmResponsePayload = {
      request_id: this.ex.requestId, api: this.api, operation, provider: outcome.provider, model: outcome.model, attempts: outcome.attempts, stream, body,
    };
    const out = runPost(this, hooks, this.llmReached, payload);
    return out instanceof Promise ? out.then((o) => o.body) : out.body;
  }

  // ── streams ───────────────────────────────────────────────────────────────────────────────

  private chunkHooks(): readonly CompiledHook<StreamChunkPayload>[] {
    const all = this.chain.onStreamChunk;
    const reached = this.llmReached;
    return all.every((h) => h.position < reached) ? all : all.filter((h) => h.position < reached);
  }

  private async *hookChunks(events: AsyncIterable<StreamEvent>, hooks: readonly CompiledHook<StreamChunkPayload>[]): AsyncGenerator<StreamEvent> {
    let index = 0;
    const recorder = this.ex.recorder;
    const capture = recorder?.captureBodies === true ? { text: "" } : undefined;
    for await (const event of events) {
      if (event.type !== "chunk") {
        yield event;
        continue;
      }
      let chunk: ChatCompletionChunk | undefined = event.chunk;
      const payload: StreamChunkPayload = { request_id: this.ex.requestId, api: this.api, index: index++, chunk };
      for (const h of hooks) {
        let r: HookReturn<StreamChunkPayload> | Promise<HookReturn<StreamChunkPayload>>;
        try {
          r = callHook(h, payload);
          if (r instanceof Promise) r = await r;
        } catch (err) {
          const closed = this.failed(h, err);
          if (closed !== undefined) {
            yield { type: "error", error: closed };
            return;
          }
          continue;
        }
        if (r == null) continue;
        if (r.drop) {
          chunk = undefined;
          break;
        }
        if (r.modify !== undefined) payload.chunk = r.modify.chunk;
      }
      if (chunk === undefined) continue;
      chunk = payload.chunk;
      if (capture !== undefined) for (const c of chunk.choices) if (typeof c.delta?.content === "string") capture.text += c.delta.content;
      // A hook may have changed the chunk in place: the upstream's text no longer speaks for it. A
      // natively relayed event (`sse`) goes out as it came: its chunk only summarises it.
      yield hooks.length === 0 || event.sse !== undefined ? event : { type: "chunk", chunk };
    }
    if (capture !== undefined) recorder!.record.responseBody = { stream_text: capture.text };
  }

  // ── answers ───────────────────────────────────────────────────────────────────────────────

  /**
   * The response for a ShortCircuit thrown by a hook. A success body answering an LLM request is
   * encoded as the operation encodes the engine's answers (an Anthropic message on /v1/messages), so
   * the client's SDK reads it; a body the encoder cannot read, or an HTTP-phase answer, goes out as the
   * JSON the plugin gave. A promise only when the encoder is asynchronous.
   */
  answer(sc: ShortCircuit): Response | Promise<Response> {
    const r = sc.response;
    this.ex.recorder?.answeredBy(sc.plugin, r.status, r.kind);
    if (r.error === undefined) {
      const encode = this.ex.operation?.encodeJson;
      if (sc.request === undefined || encode === undefined || !encodable(r)) return pluginResponse(r, this.ex.headers);
      let text: string | Promise<string>;
      try {
        text = encode(r.body, sc.request, this.ex);
      } catch {
        return pluginResponse(r, this.ex.headers);
      }
      if (typeof text === "string") return pluginResponse(r, this.ex.headers, text);
      return text.then((t) => pluginResponse(r, this.ex.headers, t), () => pluginResponse(r, this.ex.headers));
    }
    return this.ex.ingress.encodeError(errors.pluginAnswer(r.status, r.error.message, r.error.type, r.error.code, r.headers), this.ex.headers);
  }

  /** Runs post-HTTP hooks on the final response; returns a promise only when a hook did. */
  respond(res: Response): Response | Promise<Response> {
    const hooks = this.chain.postHttp;
    return hooks.length === 0 ? res : this.postHttp(res, hooks);
  }

  private postHttp(res: Response, hooks: readonly CompiledHook<HttpResponsePayload>[]): Response | Promise<Response> {
    const payload: HttpResponsePayload = {
      request_id: this.ex.requestId, api: this.api, status: res.status, headers: Object.fromEntries(res.headers as unknown as Iterable<[string, string]>),
    };
    const answered = (err: unknown): Response | Promise<Response> => {
      if (!(err instanceof ShortCircuit)) throw err;
      void res.body?.cancel().catch(() => {});
      return this.answer(err);
    };
    const rebuilt = (out: HttpResponsePayload): Response => (out === payload ? res : new Response(res.body, { status: out.status, headers: out.headers }));
    let out: HttpResponsePayload | Promise<HttpResponsePayload>;
    try {
      out = runPost(this, hooks, this.httpReached, payload);
    } catch (err) {
      return answered(err);
    }
    return out instanceof Promise ? out.then(rebuilt, answered) : rebuilt(out);
  }

  // ── HookHost, for the chain runner ────────────────────────────────────────────────────────

  get headers(): Record<string, string> {
    return this.ex.headers;
  }

  rewrote(phase: Phase): void {
    if (phase === "llm") this.llmRewritten = true;
  }

  reach(phase: Phase, n: number): void {
    if (phase === "http") this.httpReached = n;
    else this.llmReached = n;
  }

  /** Logs (burst-limited) and returns the error to answer with when the plugin is fail-closed. */
  failed(h: HookIdentity, err: unknown): GatewayError | undefined {
    reportFailure(h, err, this.telemetry, this.ex.requestId);
    if (!h.failClosed) return undefined;
    const error = err instanceof HookTimeout ? errors.pluginTimeout(h.plugin, h.timeoutMs) : errors.pluginFailed(h.plugin, err);
    this.ex.recorder?.failedWith(error.kind);
    return error;
  }
}

/**
 * A request a pre-LLM hook rewrote is served as rewritten by every target. What an operation keeps
 * beside its request under symbol keys (engine/operations.ts: the client's own body for targets that
 * speak its API natively, and the 400 a translating attempt answers when that body could not be
 * translated) no longer says what the hook meant, so it is dropped; an untranslatable body cannot
 * take the rewrite, and its 400 is the answer.
 */
function servedAsRewritten<Req extends object>(request: Req): Req {
  const keys = Object.getOwnPropertySymbols(request);
  if (keys.length === 0) return request;
  const translated = { ...request } as Record<symbol, { untranslatable?: unknown } | undefined>;
  for (const key of keys) {
    const side = translated[key];
    if (side?.untranslatable !== undefined) throw side.untranslatable;
    delete translated[key];
  }
  return translated as Req;
}

const API_OF_PATH: ReadonlyMap<string, ClientApi> = new Map([
  ["/v1/chat/completions", "chat_completions"],
  ["/v1/embeddings", "embeddings"],
  ["/v1/messages", "messages"],
  ["/v1/messages/count_tokens", "messages"],
  ["/v1/responses", "responses"],
]);

/**
 * The pre-HTTP payload. Its headers are copied out of the Request only when a hook reads them (the
 * global rate limiter never does); an own enumerable accessor, so JSON.stringify and spreads still
 * see them like a plain field.
 */
function httpPayload(requestId: string, api: ClientApi | undefined, req: Request, path: string, clientIp: string | undefined): HttpRequestPayload {
  let headers: Record<string, string> | undefined;
  return {
    request_id: requestId, api, method: req.method, path,
    get headers() {
      return (headers ??= Object.fromEntries(req.headers as unknown as Iterable<[string, string]>));
    },
    set headers(value) {
      headers = value;
    },
    client_ip: clientIp,
  };
}
