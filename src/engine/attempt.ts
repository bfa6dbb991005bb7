import type { FailoverConfig } from "../config/schema.ts";
import type { Auth, CallContext, Send, UpstreamReads, Waited } from "../providers/types.ts";
import type { AttemptHandle } from "../transport/upstream-fetch.ts";
import type { KeyEntry } from "./keys.ts";
import type { CompiledTarget } from "./plan.ts";

/**
 * One upstream attempt: what the adapter sees (a CallContext) and what the engine keeps about it,
 * in one object, so that a stream that outlives the engine's loop can still be aborted, cleaned of
 * secrets and counted against its target's health.
 */
export class Attempt implements CallContext {
  readonly model: string;
  readonly reads: UpstreamReads;
  /** Set when the answer is a stream: its verdict (circuit success or failure) comes when it ends. */
  streaming = false;

  constructor(
    readonly target: CompiledTarget,
    readonly key: KeyEntry | undefined,
    readonly auth: Auth,
    readonly signal: AbortSignal,
    readonly send: Send,
    maxBytes: number,
    /** The call in flight (shared by the request's attempts: only the last one is ever live). */
    readonly handle: AttemptHandle,
    readonly failover: FailoverConfig,
    readonly retryOn: Uint8Array,
    waited: Waited,
  ) {
    this.model = target.model;
    this.reads = { provider: target.provider.name, maxBytes, lastReadAt: 0, waited };
  }
}
