// Runs one phase of the compiled chain. Synchronous as long as the hooks are: every built-in except
// the Redis rate limiter answers synchronously, and an `async` runner would cost a promise and a
// microtask hop per phase per request for nothing. The first hook that returns a promise switches the
// rest of the phase to an async continuation.
import type { GatewayError } from "../core/errors.ts";
import { callHook, type CompiledHook, type HookIdentity } from "./chain.ts";
import { ShortCircuit } from "./short-circuit.ts";
import type { HookReturn } from "./types.ts";

export type Phase = "http" | "llm";

/** What the runner needs from the request's pipeline. */
export interface HookHost {
  /** Response headers every answer carries; hooks' `headers` are merged in here. */
  readonly headers: Record<string, string>;
  /** The pre phase reached plugin position `n` (post hooks run for positions below it). */
  reach(phase: Phase, n: number): void;
  /** Logs a failure; returns the error to answer with when the plugin is fail-closed. */
  failed(h: HookIdentity, err: unknown): GatewayError | undefined;
  /** A pre hook of `phase` returned `modify` (told even when it returned the payload it was given, changed in place). */
  rewrote(phase: Phase): void;
}

/** Pre hooks in config order. Throws ShortCircuit (a hook answered) or a fail-closed GatewayError. */
export function runPre<P>(host: HookHost, phase: Phase, hooks: readonly CompiledHook<P>[], payload: P, total: number, from = 0): P | Promise<P> {
  let current = payload;
  for (let i = from; i < hooks.length; i++) {
    const h = hooks[i]!;
    host.reach(phase, h.position + 1);
    const r = call(host, h, current);
    if (r instanceof Promise) return preAfter(host, phase, hooks, current, total, i, r);
    current = applyPre(host, phase, h, r, current);
  }
  host.reach(phase, total);
  return current;
}

async function preAfter<P>(host: HookHost, phase: Phase, hooks: readonly CompiledHook<P>[], current: P, total: number, i: number, pending: Promise<HookReturn<P>>): Promise<P> {
  const h = hooks[i]!;
  current = applyPre(host, phase, h, await settle(host, h, pending), current);
  return runPre(host, phase, hooks, current, total, i + 1);
}

/** Post hooks (already in reverse order), only for the plugins whose pre phase ran (position < reached). */
export function runPost<P>(host: HookHost, hooks: readonly CompiledHook<P>[], reached: number, payload: P, from = 0): P | Promise<P> {
  let current = payload;
  for (let i = from; i < hooks.length; i++) {
    const h = hooks[i]!;
    if (h.position >= reached) continue;
    const r = call(host, h, current);
    if (r instanceof Promise) return postAfter(host, hooks, reached, current, i, r);
    current = apply(host, h, r, current);
  }
  return current;
}

async function postAfter<P>(host: HookHost, hooks: readonly CompiledHook<P>[], reached: number, current: P, i: number, pending: Promise<HookReturn<P>>): Promise<P> {
  const h = hooks[i]!;
  current = apply(host, h, await settle(host, h, pending), current);
  return runPost(host, hooks, reached, current, i + 1);
}

/** One hook call; a throw is skipped (undefined) or, fail-closed, rethrown as the answer's error. */
function call<P>(host: HookHost, h: CompiledHook<P>, payload: P): HookReturn<P> | Promise<HookReturn<P>> {
  try {
    return callHook(h, payload);
  } catch (err) {
    return skipOrThrow(host, h, err);
  }
}

async function settle<P>(host: HookHost, h: CompiledHook<P>, pending: Promise<HookReturn<P>>): Promise<HookReturn<P>> {
  try {
    return await pending;
  } catch (err) {
    return skipOrThrow(host, h, err);
  }
}

function skipOrThrow(host: HookHost, h: HookIdentity, err: unknown): undefined {
  const closed = host.failed(h, err);
  if (closed !== undefined) throw closed;
  return undefined;
}

function applyPre<P>(host: HookHost, phase: Phase, h: CompiledHook<P>, r: HookReturn<P>, current: P): P {
  const out = apply(host, h, r, current);
  if (r != null && r.modify !== undefined) host.rewrote(phase);
  return out;
}

function apply<P>(host: HookHost, h: CompiledHook<P>, r: HookReturn<P>, current: P): P {
  if (r == null) return current;
  if (r.headers !== undefined) Object.assign(host.headers, r.headers);
  if (r.respond !== undefined) throw new ShortCircuit(h.plugin, r.respond);
  return r.modify !== undefined ? r.modify : current;
}
