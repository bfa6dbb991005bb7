// Engine unit-test kit: fake adapters driven by a script, a fake clock and a seeded random source,
// so retries, backoff, cool-downs and distributions are tested without sockets or real waiting.
import * as v from "valibot";
import { errors, type GatewayError } from "../../src/core/errors.ts";
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, EmbeddingResponse } from "../../src/core/openai-types.ts";
import type { StreamEvent } from "../../src/core/stream-event.ts";
import { configSchema } from "../../src/config/schema.ts";
import { buildSnapshot, type Snapshot } from "../../src/config/snapshot.ts";
import { Engine, type Outcome, type RequestContext } from "../../src/engine/engine.ts";
import type { Clock } from "../../src/engine/clock.ts";
import { CHAT, EMBEDDINGS } from "../../src/engine/operations.ts";
import type { Auth, ChatResult, LlmResult, ProviderAdapter, ProviderFactory } from "../../src/providers/types.ts";
import { setLogLevel } from "../../src/observability/logger.ts";

// Retries log a warning each; keep test output readable (BUTTER_LOG_LEVEL=warn to see them).
setLogLevel((process.env.BUTTER_LOG_LEVEL as "warn" | undefined) ?? "error");

/** Deterministic uniform [0, 1) (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FakeClock implements Clock {
  t = 1_000;
  readonly sleeps: number[] = [];
  /** When set, sleeps wait until their signal aborts (to test cancellation). */
  hold = false;
  readonly wallBase = Date.UTC(2030, 0, 1);
  now(): number {
    return this.t;
  }
  wall(): number {
    return this.wallBase + this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
  sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    this.sleeps.push(ms);
    if (!this.hold) {
      this.t += ms;
      return Promise.resolve();
    }
    return new Promise((_resolve, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));
  }
}

export interface Call {
  n: number;
  provider: string;
  model: string;
  auth: Auth;
  keyValue: string | undefined;
  op: "chat" | "embeddings";
  signal: AbortSignal;
}

export type Behaviour = (call: Call) => ChatResult | EmbeddingResponse | Promise<ChatResult | EmbeddingResponse>;

export const completion = (provider: string): ChatCompletion => ({
  id: "chatcmpl-1", object: "chat.completion", created: 1, model: provider,
  choices: [{ index: 0, message: { role: "assistant", content: `hi from ${provider}` }, finish_reason: "stop" }],
});

export const chunk = (content: string, finish: "stop" | null = null): StreamEvent => ({
  type: "chunk",
  chunk: { id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content }, finish_reason: finish }] } as ChatCompletionChunk,
});

export const ok = (call: Call): ChatResult => ({ type: "json", body: completion(call.provider) });
export const fail = (call: Call, status: number, headers?: Record<string, string>, message = `HTTP ${status} from ${call.provider}`): never => {
  throw errors.upstream(call.provider, status, message, { headers });
};

export function streamOf(events: Array<StreamEvent | Error>): ChatResult {
  return {
    type: "stream",
    events: (async function* () {
      for (const e of events) {
        await Promise.resolve();
        if (e instanceof Error) throw e;
        yield e;
      }
    })(),
  };
}

export interface Harness {
  engine: Engine;
  clock: FakeClock;
  calls: Call[];
  snapshot: Snapshot;
  chat(model: string, opts?: { stream?: boolean; signal?: AbortSignal; headers?: Record<string, string> }): Promise<Outcome<ChatResult>>;
  embed(model: string): Promise<Outcome<LlmResult<EmbeddingResponse>>>;
  /** The error a chat call fails with. */
  chatError(model: string): Promise<GatewayError>;
  setBehaviour(b: Behaviour): void;
}

/**
 * `config` is a Butter config object (providers get `type: fake` unless they set one); a provider
 * named `noembed*` has no embeddings.
 */
export function harness(config: Record<string, unknown>, behaviour: Behaviour = ok, opts: { random?: () => number; clock?: FakeClock } = {}): Harness {
  const calls: Call[] = [];
  let behave = behaviour;
  const factory: ProviderFactory = {
    kind: "fake",
    keyUsable: (key) => key.value !== "",
    create(name, block): ProviderAdapter {
      const record = (auth: Auth, model: string, op: Call["op"], signal: AbortSignal): Call => {
        const call: Call = { n: calls.length, provider: name, model, auth, keyValue: auth.mode === "stored" ? auth.key.value : undefined, op, signal };
        calls.push(call);
        return call;
      };
      return {
        name, kind: "fake", credentialMode: block.credential_mode, keys: block.keys,
        supportsEmbeddings: !name.startsWith("noembed"), staticModels: [],
        async chat(_request, ctx) {
          return (await behave(record(ctx.auth, ctx.model, "chat", ctx.signal))) as ChatResult;
        },
        async embeddings(_request, ctx) {
          return (await behave(record(ctx.auth, ctx.model, "embeddings", ctx.signal))) as EmbeddingResponse;
        },
        async listModels() {
          return [];
        },
      };
    },
  };
  const providers = Object.fromEntries(
    Object.entries((config.providers ?? {}) as Record<string, Record<string, unknown>>).map(([k, v]) => [k, { type: "fake", ...v }]),
  );
  const parsed = v.parse(configSchema, { ...config, providers });
  const snapshot = buildSnapshot(parsed, new Map([["fake", factory]]));
  const clock = opts.clock ?? new FakeClock();
  const engine = new Engine(snapshot, { clock, random: opts.random ?? seeded(42) });
  const ctx = (signal?: AbortSignal, headers: Record<string, string> = {}): RequestContext => ({
    requestId: "req_test", signal: signal ?? new AbortController().signal, passthroughHeaders: headers, waited: { ms: 0 },
  });
  const h: Harness = {
    engine, clock, calls, snapshot,
    chat: (model, o = {}) => engine.call(CHAT, { model, messages: [{ role: "user", content: "hi" }], stream: o.stream } as ChatCompletionRequest, ctx(o.signal, o.headers)),
    embed: (model) => engine.call(EMBEDDINGS, { model, input: "hi" }, ctx()),
    async chatError(model) {
      try {
        await h.chat(model);
      } catch (err) {
        return err as GatewayError;
      }
      throw new Error("expected the call to fail");
    },
    setBehaviour(b) {
      behave = b;
    },
  };
  return h;
}

/** Drains a stream outcome into its events. */
export async function collect(result: ChatResult): Promise<StreamEvent[]> {
  if (result.type !== "stream") throw new Error("not a stream");
  const out: StreamEvent[] = [];
  for await (const e of result.events) out.push(e);
  return out;
}
