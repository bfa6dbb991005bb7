import { errors, GatewayError, toGatewayError } from "../core/errors.ts";
import type { Snapshot } from "../config/snapshot.ts";
import type { Auth, LlmResult, ProviderAdapter, Waited } from "../providers/types.ts";
import { coarseTimeout } from "../transport/coarse-timers.ts";
import { makeSend, type AttemptHandle } from "../transport/upstream-fetch.ts";
import { logger } from "../observability/logger.ts";
import { Attempt } from "./attempt.ts";
import { backoffDelay, RETRY_AFTER_CAP_MS, retryAfterMs } from "./backoff.ts";
import { Circuits, type Admission } from "./circuit.ts";
import { systemClock, type Clock } from "./clock.ts";
import type { KeyEntry } from "./keys.ts";
import { SnapshotPlans, type CompiledPlan, type CompiledTarget } from "./plan.ts";
import { attemptRedactor } from "./secrets.ts";
import type { Capability, EngineOperation } from "./operations.ts";
import type { StreamOwner } from "./stream-peek.ts";

export interface EngineHealth {
  circuit(id: string): { state: "closed" | "open" | "half_open"; failures: number; openUntil: number | null };
  /** A provider's stored keys by their index in its config block (never their values). */
  keys(provider: string): { index: number; coolingDownUntil: number | null }[];
}

/** What the server knows about the client call that the engine needs. */
export interface RequestContext {
  requestId: string;
  /** Aborted when the client disconnects. */
  signal: AbortSignal;
  /** The client's own provider auth headers, used only for `credential_mode: passthrough`. */
  passthroughHeaders: Record<string, string>;
  /** Telemetry for each upstream attempt (tracing, metrics); absent unless a plugin observes attempts. */
  attempts?: AttemptObserver;
  /** Time spent waiting on upstreams, added by the transport, body readers and backoff. */
  waited: Waited;
}

/** Told when each upstream attempt starts and how it ended; `headers` go upstream with it (W3C traceparent). */
export interface AttemptObserver {
  start(provider: string, model: string, attempt: number): { headers: Record<string, string> | undefined; end(error?: GatewayError): void };
}

export interface Outcome<T> {
  value: T;
  provider: string;
  model: string;
  attempts: number;
}

export interface EngineOptions {
  /** Time and waiting; tests pass a fake clock. */
  clock?: Clock;
  /** Uniform in [0, 1): key choice and backoff jitter; tests pass a seeded one. */
  random?: () => number;
}

type AttemptCall<T> = (adapter: ProviderAdapter, attempt: Attempt) => Promise<T>;

/** Where one attempt goes. */
interface Choice {
  target: CompiledTarget;
  /** Index in the route's target list; the next attempt starts looking after it. */
  pos: number;
  /** The stored key; undefined for passthrough. */
  key: KeyEntry | undefined;
  /** False when the key already failed this request with 401/429 (no other was left). */
  fresh: boolean;
  admission: Admission;
}

/**
 * The call path: route → target (strategy, circuit breakers) → key (weighted, allowlists, health)
 * → adapter, with retries, backoff and failover across targets until an attempt succeeds, a
 * non-retryable error comes back, `max_attempts` is reached or the deadline is near.
 */
export class Engine implements StreamOwner {
  private readonly plans: SnapshotPlans;
  private readonly circuits = new Circuits();
  private readonly clock: Clock;
  private readonly random: () => number;

  /** One engine per config generation: its routes, key pools and circuits belong to `snapshot`. */
  constructor(private readonly snapshot: Snapshot, options: EngineOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.plans = new SnapshotPlans(snapshot);
  }

  /**
   * Takes over the health the previous generation learned: circuits of targets whose provider block
   * is unchanged, and the cool-downs of keys still configured. A removed provider's state is dropped.
   */
  inherit(previous: Engine, unchanged: ReadonlySet<string>): void {
    this.circuits.adopt(previous.circuits, (id) => unchanged.has(id.slice(0, id.indexOf("/"))));
    this.plans.adoptKeyHealth(previous.plans);
  }

  /** What the admin views show of this engine's health, with monotonic times turned into wall-clock ms. */
  health(): EngineHealth {
    const now = this.clock.now();
    const wall = this.clock.wall();
    return {
      circuit: (id) => {
        const c = this.circuits.get(id);
        if (c === undefined || c.openedAt < 0) return { state: "closed", failures: c?.failures ?? 0, openUntil: null };
        return { state: now < c.openUntil ? "open" : "half_open", failures: c.failures, openUntil: wall + (c.openUntil - now) };
      },
      keys: (provider) => this.plans.keyEntries(provider).map((e) => ({ index: e.index, coolingDownUntil: e.coolUntil > now ? wall + (e.coolUntil - now) : null })),
    };
  }

  /** The one entry: any operation, routed, retried and failed over the same way. */
  call<Req extends { model: string }, B>(op: EngineOperation<Req, B>, request: Req, ctx: RequestContext): Promise<Outcome<LlmResult<B>>> {
    return this.run(request.model, ctx, op.capability, (adapter, attempt) => op.call(adapter, request, attempt, this));
  }

  private async run<T>(model: string, ctx: RequestContext, capability: Capability | undefined, op: AttemptCall<T>): Promise<Outcome<T>> {
    const snapshot = this.snapshot;
    const plans = this.plans;
    const plan = plans.plan(model);
    const failover = snapshot.config.failover;
    const maxBytes = snapshot.config.server.max_upstream_bytes;
    const { clock, random, circuits } = this;
    const signal = ctx.signal;
    if (signal.aborted) throw errors.clientClosed();

    let choice = this.choose(plan, plan.start(), undefined, capability, clock.now());
    const deadlineAt = clock.now() + failover.deadline;
    // The client leaving aborts the upstream call in flight through its own signal (the transport
    // links it); a timeout aborts it through the attempt's controller. No per-request
    // AbortController: linking signals costs microseconds on every request.
    const inflight: AttemptHandle = {};
    let skip: Set<KeyEntry> | undefined;
    let attempt = 0;
    for (;;) {
      attempt++;
      const { target, key } = choice;
      const auth: Auth = key === undefined
        ? { mode: "passthrough", headers: ctx.passthroughHeaders }
        : { mode: "stored", key: key.key, keyIndex: key.index };
      // One timer per attempt serves the request deadline too: an attempt never runs past it, and
      // no backoff wait that would end past it is begun.
      const left = deadlineAt - clock.now();
      const byDeadline = left <= target.timeoutMs;
      const timeoutMs = Math.max(1, byDeadline ? left : target.timeoutMs);
      const observed = ctx.attempts?.start(target.provider.name, target.model, attempt);
      const send = makeSend({ provider: target.provider.name, client: snapshot.config.server.upstream_client, signal, headers: observed?.headers, handle: inflight, waited: ctx.waited });
      const call = new Attempt(target, key, auth, signal, send, maxBytes, inflight, failover, plans.retryOn, ctx.waited);
      inflight.timedOut = undefined;
      // The attempt's timeout covers its answer until usable: a JSON body read to its end, a stream's
      // first event (stream-peek.ts watches the rest for silence).
      const timer = coarseTimeout(timeoutMs, () => {
        const reason = errors.upstreamTimeout(target.provider.name, byDeadline ? failover.deadline : timeoutMs);
        if (byDeadline) inflight.expired = reason;
        else inflight.timedOut = reason;
        inflight.controller?.abort(reason);
      });
      let err: GatewayError;
      try {
        const value = await op(target.provider, call);
        timer.cancel();
        observed?.end();
        // A stream's verdict waits for its end (streamEnded / streamFailed); its probe slot is freed now.
        if (circuits.size !== 0) {
          if (call.streaming) circuits.release(target.id);
          else circuits.success(target.id);
        }
        key?.succeeded();
        return { value, provider: target.provider.name, model: target.model, attempts: attempt };
      } catch (e) {
        timer.cancel();
        const stop = inflight.expired ?? (signal.aborted ? errors.clientClosed() : undefined);
        if (stop !== undefined) {
          circuits.release(target.id);
          observed?.end(stop);
          throw stop;
        }
        // Everything upstream-derived is cleaned of the credentials this attempt used before anyone sees it.
        err = attemptRedactor(auth, inflight.sent).error(inflight.timedOut ?? toGatewayError(e));
        observed?.end(err);
      }

      // Health bookkeeping for what just failed.
      const now = clock.now();
      const retryable = isRetryable(err, plans.retryOn);
      const fields = { request_id: ctx.requestId, route: plan.name, attempt, provider: target.provider.name, model: target.model, key_index: key?.index };
      if (retryable) {
        if (circuits.failure(target.id, now, { failures: failover.circuit.failures, cooldownMs: failover.circuit.cooldown })) {
          logger.warn("circuit opened", { ...fields, cooldown_ms: failover.circuit.cooldown });
        }
      } else if (err.kind === "upstream_error") {
        circuits.success(target.id); // it answered: the target is up, the request was refused
      } else {
        circuits.release(target.id);
      }
      const keyFailure = key !== undefined && err.kind === "upstream_error" && (err.status === 401 || err.status === 429);
      if (keyFailure) {
        (skip ??= new Set()).add(key);
        const cooldown = key.failed(now);
        if (cooldown > 0) logger.warn("key cooling down", { provider: target.provider.name, key_index: key.index, cooldown_ms: cooldown });
      }

      // Retry? Listed statuses, network errors and timeouts are, on the next target. An unlisted status
      // is the answer, except that a key the upstream refused (401/429) gives way to another key of the
      // same target while one is left: the next target would not know this key's problem either.
      if (attempt >= failover.max_attempts) throw this.giveUp(err, retryable, "max_attempts", fields);
      if (!retryable && !keyFailure) throw err;
      const next = retryable ? this.choose(plan, choice.pos + 1, skip, capability, now) : this.otherKey(choice, skip!, now);
      if (next === undefined) throw err;
      const drop = (reason: string): GatewayError => {
        if (next.admission !== "closed") circuits.release(next.target.id);
        return reason === "" ? err : this.giveUp(err, retryable, reason, fields);
      };
      if (!retryable && !next.fresh) throw drop("");
      let delay = backoffDelay(failover.backoff, attempt, random);
      if (next.target === target && next.key === key) {
        // Retry-After speaks for the upstream (and key) that sent it, so it counts only when the retry goes back there.
        const after = retryAfterMs(err.headers, clock.wall());
        if (after !== undefined) {
          if (after > RETRY_AFTER_CAP_MS) throw drop("retry_after_too_long");
          if (after > delay) delay = after;
        }
      }
      if (now + delay >= deadlineAt) throw drop("deadline");
      logger.warn("upstream attempt failed; retrying", {
        ...fields, status: err.status, error_kind: err.kind, error: err.message,
        next_provider: next.target.provider.name, next_model: next.target.model, next_key_index: next.key?.index, delay_ms: delay,
      });
      ctx.waited.ms += delay;
      try {
        await clock.sleep(delay, signal);
      } catch (e) {
        drop("");
        throw signal.aborted ? errors.clientClosed() : e;
      }
      // The deadline passed during the wait after all (timers are not exact): answer with what we have.
      if (clock.now() >= deadlineAt) throw drop("deadline");
      choice = next;
    }
  }

  /**
   * The first usable target from position `from` (wrapping): its circuit closed or free to probe,
   * with a key this request has not seen fail. Failing that, one whose keys all failed this
   * request (reused); failing that — every target open — the one whose circuit opened first.
   */
  private choose(plan: CompiledPlan, from: number, skip: ReadonlySet<KeyEntry> | undefined, capability: Capability | undefined, now: number): Choice {
    const choice = this.find(plan, from, skip, capability, now);
    // A half-open target (or an open one tried because every target is open) takes the probe slot now.
    if (choice.admission !== "closed") this.circuits.claim(choice.target.id);
    return choice;
  }

  private find(plan: CompiledPlan, from: number, skip: ReadonlySet<KeyEntry> | undefined, capability: Capability | undefined, now: number): Choice {
    const { targets } = plan;
    const n = targets.length;
    const circuits = this.circuits;
    let stale: Choice | undefined;
    let oldest: CompiledTarget | undefined;
    let oldestPos = 0;
    let oldestAt = Infinity;
    let usable = 0;
    for (let k = 0; k < n; k++) {
      const pos = (from + k) % n;
      const target = targets[pos]!;
      if (capability !== undefined && !capability.test(target.provider)) continue;
      const keys = target.keys;
      if (keys !== undefined && keys.size === 0) continue;
      usable++;
      const admission = circuits.size === 0 ? "closed" : circuits.status(target.id, now);
      if (admission === "open") {
        const openedAt = circuits.get(target.id)!.openedAt;
        if (openedAt < oldestAt) (oldest = target), (oldestPos = pos), (oldestAt = openedAt);
        continue;
      }
      if (keys === undefined) return { target, pos, key: undefined, fresh: true, admission };
      const key = keys.pick(now, this.random, skip);
      if (key !== undefined) return { target, pos, key, fresh: true, admission };
      stale ??= { target, pos, key: keys.pickAny(now, this.random), fresh: false, admission };
    }
    if (stale !== undefined) return stale;
    if (oldest !== undefined) {
      const key = oldest.keys?.pick(now, this.random, skip);
      const fallback = key ?? oldest.keys?.pickAny(now, this.random);
      return { target: oldest, pos: oldestPos, key: fallback, fresh: oldest.keys === undefined || key !== undefined, admission: "probe" };
    }
    if (usable === 0 && capability !== undefined && !targets.some((t) => capability.test(t.provider))) {
      throw errors.unsupportedOperation(targets[0]!.provider.name, capability.name);
    }
    const first = targets.find((t) => capability === undefined || capability.test(t.provider)) ?? targets[0]!;
    throw errors.missingCredentials(first.provider.name);
  }

  /** The same target with a key this request has not seen fail, or undefined. */
  private otherKey(choice: Choice, skip: ReadonlySet<KeyEntry>, now: number): Choice | undefined {
    const key = choice.target.keys?.pick(now, this.random, skip);
    if (key === undefined) return undefined;
    const admission = this.circuits.size === 0 ? "closed" : this.circuits.status(choice.target.id, now);
    if (admission === "open") return undefined;
    if (admission === "probe") this.circuits.claim(choice.target.id);
    return { target: choice.target, pos: choice.pos, key, fresh: true, admission };
  }

  /** A started stream ended cleanly, or the client left (no verdict on the target). */
  streamEnded(attempt: Attempt, outcome: "done" | "cancelled"): void {
    if (this.circuits.size === 0) return;
    if (outcome === "done") this.circuits.success(attempt.target.id);
    else this.circuits.release(attempt.target.id);
  }

  /**
   * A started stream failed (an error event, a broken connection, silence): the error is cleaned of
   * the attempt's credentials, and a failure failover would have retried counts against the target.
   */
  streamFailed(attempt: Attempt, error: GatewayError): GatewayError {
    const err = attemptRedactor(attempt.auth, attempt.handle.sent).error(error);
    const id = attempt.target.id;
    if (isRetryable(err, attempt.retryOn)) {
      const { failures, cooldown } = attempt.failover.circuit;
      if (this.circuits.failure(id, this.clock.now(), { failures, cooldownMs: cooldown })) {
        logger.warn("circuit opened", { provider: attempt.target.provider.name, model: attempt.target.model, cooldown_ms: cooldown });
      }
    } else if (this.circuits.size !== 0) {
      this.circuits.success(id);
    }
    return err;
  }

  private giveUp(err: GatewayError, retryable: boolean, reason: string, fields: Record<string, unknown>): GatewayError {
    if (retryable) logger.warn("upstream failed; not retrying", { ...fields, reason, status: err.status, error_kind: err.kind, error: err.message });
    return err;
  }
}

/** Listed statuses, network errors, attempt timeouts, garbage bodies, and streams that broke before their first event. */
function isRetryable(err: GatewayError, retryOn: Uint8Array): boolean {
  switch (err.kind) {
    case "upstream_error":
      return retryOn[err.status] === 1;
    case "upstream_unreachable":
    case "upstream_timeout":
    case "upstream_bad_response":
    case "stream_interrupted":
      return true;
    default:
      return false;
  }
}
