import type { LlmResult } from "../providers/types.ts";

/** One cached answer: what the client got, what post-LLM hooks read, who answered and what it used. */
export interface CachedAnswer {
  /** The bytes the client got (the JSON text in its API's shape). */
  client: string;
  /** The engine's internal body as JSON text; undefined: the same text as `client` (chat, embeddings). */
  internal: string | undefined;
  provider: string;
  model: string;
  promptTokens: number | undefined;
  completionTokens: number | undefined;
  /** What the answer cost when it was made, picodollars as decimal text (what each hit saves); absent when it had no usage. */
  costPico?: string;
  /** Headers the operation put on the answer (Operation `answerHeaders`), which every hit carries too. */
  headers?: Record<string, string>;
}

/** Where answers are kept. A backend that cannot answer throws or rejects; the facade serves uncached then. */
export interface CacheBackend {
  readonly kind: "memory" | "redis";
  get(key: string): CachedAnswer | undefined | Promise<CachedAnswer | undefined>;
  set(key: string, answer: CachedAnswer): void | Promise<void>;
  close(): void;
}

/** A clock in milliseconds (performance.now()-like); tests pass their own. */
export type Now = () => number;

/**
 * What the caching engine tells the handler about one request (Exchange `cache`): the answer came
 * from the cache, or the answer is to be stored under `key` once encoded.
 */
export type CacheStep =
  | {
      hit: CachedAnswer;
      /** The value handed on as the engine's: when it comes back unchanged (no post-LLM hook), the handler answers `hit.client` as it is. */
      value: LlmResult<unknown>;
      /** The body `value` parsed, once somebody read it (a post-LLM hook); undefined before. */
      parsed(): unknown;
    }
  | {
      hit: undefined;
      key: string;
      /** The engine's body as JSON text before post-LLM hooks could change it; undefined when none runs. */
      internal: string | undefined;
      store(key: string, answer: CachedAnswer): void;
    };
