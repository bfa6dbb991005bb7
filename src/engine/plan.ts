import type { RoutePlan, Snapshot } from "../config/snapshot.ts";
import type { ProviderAdapter } from "../providers/types.ts";
import { KeyPool, type KeyClass, type KeyEntry } from "./keys.ts";
import { resolveModel } from "./resolve.ts";

/** A route target with everything an attempt needs looked up once per config. */
export interface CompiledTarget {
  readonly provider: ProviderAdapter;
  readonly model: string;
  /** Circuit-breaker identity: `provider/model`. */
  readonly id: string;
  /** The keys that may serve this model; undefined for `credential_mode: passthrough`. */
  readonly keys: KeyClass | undefined;
  /** Per-attempt timeout: the provider block's `timeout`, else `failover.timeout`. */
  readonly timeoutMs: number;
}

/**
 * A route ready to serve: its targets, and for round-robin a precomputed rotation (smooth weighted
 * round-robin, nginx's algorithm, unrolled once) so choosing the first target is a counter bump.
 */
export class CompiledPlan {
  private readonly rotation: Uint16Array | undefined;
  private cursor = 0;

  constructor(readonly name: string, readonly strategy: "priority" | "round-robin", readonly targets: readonly CompiledTarget[], weights: readonly number[]) {
    this.rotation = strategy === "round-robin" && targets.length > 1 ? smoothRotation(weights) : undefined;
  }

  /** Where this request starts in the target list: 0 for priority, the next in rotation for round-robin. */
  start(): number {
    const rotation = this.rotation;
    if (rotation === undefined) return 0;
    const i = rotation[this.cursor]!;
    this.cursor = this.cursor + 1 === rotation.length ? 0 : this.cursor + 1;
    return i;
  }
}

const MAX_CACHED_MODELS = 4096;
const MAX_ROTATION = 1000;

/** Per-config engine state: compiled routes, key pools (with their health) and the retry status set. */
export class SnapshotPlans {
  readonly retryOn: Uint8Array;
  private readonly routes = new Map<string, CompiledPlan>();
  private readonly direct = new Map<string, CompiledPlan>();
  private readonly pools = new Map<string, KeyPool>();

  constructor(private readonly snapshot: Snapshot) {
    this.retryOn = new Uint8Array(600);
    for (const status of snapshot.config.failover.retry_on) this.retryOn[status] = 1;
    for (const [name, route] of snapshot.routes) this.routes.set(name, this.compile(route));
  }

  /** The plan for a route name or `provider/model`; throws model_not_found. */
  plan(model: string): CompiledPlan {
    const plan = this.routes.get(model) ?? this.direct.get(model);
    if (plan !== undefined) return plan;
    const compiled = this.compile(resolveModel(this.snapshot, model));
    // Client-chosen names: cache a bounded number, compile the rest per request.
    if (this.direct.size < MAX_CACHED_MODELS) this.direct.set(model, compiled);
    return compiled;
  }

  /** Key health (cool-downs, strikes) carried over from the previous config for every key still configured alike. */
  adoptKeyHealth(previous: SnapshotPlans): void {
    for (const [provider, old] of previous.pools) {
      if (!this.snapshot.keys.has(provider)) continue;
      this.pool(provider).adopt(old);
    }
  }

  /** A provider's keys with their health; empty until a target of it was compiled. */
  keyEntries(provider: string): readonly KeyEntry[] {
    return this.pools.get(provider)?.entries ?? [];
  }

  private pool(provider: string): KeyPool {
    let pool = this.pools.get(provider);
    if (pool === undefined) {
      pool = new KeyPool(this.snapshot.keys.get(provider) ?? []);
      this.pools.set(provider, pool);
    }
    return pool;
  }

  private compile(route: RoutePlan): CompiledPlan {
    const failover = this.snapshot.config.failover;
    const targets = route.targets.map((t): CompiledTarget => ({
      provider: t.provider,
      model: t.model,
      id: `${t.provider.name}/${t.model}`,
      keys: t.provider.credentialMode === "passthrough" ? undefined : this.pool(t.provider.name).classFor(t.model),
      timeoutMs: this.snapshot.config.providers[t.provider.name]?.timeout ?? failover.timeout,
    }));
    return new CompiledPlan(route.name, route.strategy, targets, route.targets.map((t) => t.weight));
  }
}

/**
 * One full cycle of smooth weighted round-robin: each target appears in proportion to its weight,
 * spread out rather than in runs (weights 5,1,1 → a a b a c a a). Weights become small integers
 * first (fractions to hundredths, divided by their gcd, a cycle of at most ~1000 slots).
 */
export function smoothRotation(weights: readonly number[]): Uint16Array {
  let ints = weights.every(Number.isInteger) ? [...weights] : weights.map((w) => Math.max(1, Math.round(w * 100)));
  const g = ints.reduce(gcd);
  ints = ints.map((w) => w / g);
  let total = ints.reduce((a, b) => a + b, 0);
  if (total > MAX_ROTATION) {
    ints = ints.map((w) => Math.max(1, Math.round((w * MAX_ROTATION) / total)));
    total = ints.reduce((a, b) => a + b, 0);
  }
  const current = ints.map(() => 0);
  const out = new Uint16Array(total);
  for (let k = 0; k < total; k++) {
    let best = 0;
    for (let i = 0; i < ints.length; i++) {
      current[i]! += ints[i]!;
      if (current[i]! > current[best]!) best = i;
    }
    current[best]! -= total;
    out[k] = best;
  }
  return out;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
