// The hook chain, compiled once per config: one array per phase, in the order it runs. Pre hooks
// run in config order; post hooks and stream-chunk hooks run in reverse, and only for the plugins
// the matching pre phase reached (Bifrost's rule: a plugin that short-circuits still gets its post
// hooks, the plugins after it do not).
import { BurstLog } from "../observability/burst-log.ts";
import type { Telemetry } from "../observability/events.ts";
import type { Hook, HookName, HookReturn, Plugin } from "./types.ts";
import { HOOK_NAMES } from "./types.ts";

/** Built-in and WASM hooks get this budget per call unless the plugin sets `timeout`. */
export const DEFAULT_HOOK_TIMEOUT_MS = 50;

export interface PluginSettings {
  /** Turn a failing hook into an error response instead of skipping it. */
  failClosed: boolean;
  /** Per-call budget for hooks that return a promise; sync hooks need no timer. */
  timeoutMs: number;
}

export interface CompiledHook<P> {
  readonly plugin: string;
  /** The plugin's position in config order; post phases run for positions the pre phase reached. */
  readonly position: number;
  readonly hook: HookName;
  readonly fn: Hook<P>;
  readonly failClosed: boolean;
  readonly timeoutMs: number;
  readonly failures: BurstLog;
}

type PayloadOf<H extends HookName> = Parameters<NonNullable<Plugin[H]>>[0];

export interface CompiledChain {
  readonly plugins: readonly Plugin[];
  readonly preHttp: readonly CompiledHook<PayloadOf<"preHttp">>[];
  readonly preLlm: readonly CompiledHook<PayloadOf<"preLlm">>[];
  /** Reverse config order. */
  readonly postLlm: readonly CompiledHook<PayloadOf<"postLlm">>[];
  readonly postHttp: readonly CompiledHook<PayloadOf<"postHttp">>[];
  readonly onStreamChunk: readonly CompiledHook<PayloadOf<"onStreamChunk">>[];
  /** Any hook at all (false when only telemetry plugins are enabled). */
  readonly hasHooks: boolean;
}

const REVERSED: ReadonlySet<HookName> = new Set(["postLlm", "postHttp", "onStreamChunk"]);

export function compileChain(plugins: readonly Plugin[], settings: readonly PluginSettings[]): CompiledChain {
  const phases = Object.fromEntries(HOOK_NAMES.map((h) => [h, [] as CompiledHook<unknown>[]])) as Record<HookName, CompiledHook<unknown>[]>;
  plugins.forEach((plugin, position) => {
    const s = settings[position]!;
    for (const hook of HOOK_NAMES) {
      const fn = plugin[hook] as Hook<unknown> | undefined;
      if (fn === undefined) continue;
      phases[hook].push({
        plugin: plugin.name, position, hook, fn: fn.bind(plugin), failClosed: s.failClosed, timeoutMs: s.timeoutMs,
        failures: new BurstLog("plugin hook failed"),
      });
    }
  });
  for (const hook of REVERSED) phases[hook].reverse();
  const hasHooks = HOOK_NAMES.some((h) => phases[h].length > 0);
  return { plugins, ...phases, hasHooks } as unknown as CompiledChain;
}

/** Thrown inside a hook call that ran out of its budget. */
export class HookTimeout extends Error {
  constructor(readonly ms: number) {
    super(`hook did not finish within ${ms} ms`);
  }
}

/**
 * Calls one hook. A sync answer is returned as it is (no timer, no extra microtask); a promise races
 * the plugin's budget. Throws what the hook threw, or HookTimeout.
 */
export function callHook<P>(h: CompiledHook<P>, payload: P): HookReturn<P> | Promise<HookReturn<P>> {
  const out = h.fn(payload);
  if (!(out instanceof Promise)) return out;
  return withBudget(out, h.timeoutMs);
}

function withBudget<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new HookTimeout(ms)), ms);
    p.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e) => (clearTimeout(timer), reject(e)),
    );
  });
}

/** Records a hook failure: a burst-limited warning and a telemetry event. */
export type HookIdentity = Pick<CompiledHook<unknown>, "plugin" | "hook" | "failClosed" | "timeoutMs" | "failures">;

export function reportFailure(h: HookIdentity, err: unknown, telemetry: Telemetry, requestId: string): void {
  const reason = err instanceof HookTimeout ? "timeout" : "error";
  h.failures.report({
    plugin: h.plugin, hook: h.hook, reason, request_id: requestId, action: h.failClosed ? "rejected (fail_closed)" : "skipped (fail-open)",
    error: err instanceof Error ? err.message : String(err),
  });
  if (telemetry.pluginFailure.hasSubscribers) telemetry.pluginFailure.publish({ request: undefined, plugin: h.plugin, hook: h.hook, reason });
}
