import { errors } from "../core/errors.ts";
import type { ChatCompletionRequest, EmbeddingRequest, EmbeddingResponse } from "../core/openai-types.ts";
import type { Snapshot, Target } from "../config/snapshot.ts";
import type { CallContext, ChatResult, ProviderAdapter } from "../providers/types.ts";
import { makeSend } from "../transport/upstream-fetch.ts";
import { resolveModel } from "./resolve.ts";
import { pickAuth } from "./auth.ts";

/** What the server knows about the client call that the engine needs. */
export interface RequestContext {
  requestId: string;
  /** Aborted when the client disconnects. */
  signal: AbortSignal;
  /** The client's own provider auth headers, used only for `credential_mode: passthrough`. */
  passthroughHeaders: Record<string, string>;
}

export interface Outcome<T> {
  value: T;
  provider: string;
  model: string;
  attempts: number;
}

type Operation<T> = (adapter: ProviderAdapter, ctx: CallContext) => Promise<T>;

export class Engine {
  constructor(private readonly snapshot: () => Snapshot) {}

  chat(request: ChatCompletionRequest, ctx: RequestContext): Promise<Outcome<ChatResult>> {
    return this.run(request.model, ctx, (adapter, call) => adapter.chat(request, call));
  }

  embeddings(request: EmbeddingRequest, ctx: RequestContext): Promise<Outcome<EmbeddingResponse>> {
    return this.run(request.model, ctx, (adapter, call) => {
      if (!adapter.supportsEmbeddings) throw errors.unsupportedOperation(adapter.name, "embeddings");
      return adapter.embeddings(request, call);
    });
  }

  private async run<T>(model: string, ctx: RequestContext, op: Operation<T>): Promise<Outcome<T>> {
    const snapshot = this.snapshot();
    const plan = resolveModel(snapshot, model);
    const target = plan.targets[0]!;
    const value = await op(target.provider, this.callContext(snapshot, target, ctx));
    return { value, provider: target.provider.name, model: target.model, attempts: 1 };
  }

  private callContext(snapshot: Snapshot, target: Target, ctx: RequestContext): CallContext {
    const { provider } = target;
    const failover = snapshot.config.failover;
    return {
      model: target.model,
      auth: pickAuth(snapshot, provider, ctx.passthroughHeaders),
      signal: ctx.signal,
      send: makeSend({ provider: provider.name, signal: ctx.signal, timeoutMs: failover.timeout }),
    };
  }
}
