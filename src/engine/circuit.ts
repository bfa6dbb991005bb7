/**
 * Circuit breakers, one per target (provider block + model). A target that fails `failures` times
 * in a row (retryable failures only: listed statuses, network errors, timeouts, garbage) opens for
 * `cooldown`: requests skip it. After the cool-down one request at a time probes it (half-open); a
 * success closes it, a failure opens it again for another cool-down.
 *
 * Per target rather than per provider: overload and capacity errors are usually per model (one
 * model's deployment is saturated while the others answer), and routes name targets, not providers.
 * A provider that is down entirely opens each of its targets after `failures` requests each.
 *
 * Only targets with a failure history have an entry; a success deletes it, so memory stays bounded
 * by the targets currently failing (and capped, oldest first, against a flood of model names).
 */
export interface CircuitPolicy {
  failures: number;
  cooldownMs: number;
}

export interface CircuitState {
  failures: number;
  /** When it last opened; -1 while closed. */
  openedAt: number;
  openUntil: number;
  /** A half-open probe is in flight. */
  probing: boolean;
}

export type Admission = "closed" | "probe" | "open";

const MAX_ENTRIES = 10_000;

export class Circuits {
  private readonly map = new Map<string, CircuitState>();

  get(id: string): CircuitState | undefined {
    return this.map.get(id);
  }

  get size(): number {
    return this.map.size;
  }

  /** Whether an attempt may go to `id` now: "probe" means half-open with the probe slot free. */
  status(id: string, now: number): Admission {
    const c = this.map.get(id);
    if (c === undefined || c.openedAt < 0) return "closed";
    return now < c.openUntil || c.probing ? "open" : "probe";
  }

  /** Takes the probe slot (a half-open probe, or every target of the route is open). */
  claim(id: string): void {
    const c = this.map.get(id);
    if (c !== undefined) c.probing = true;
  }

  success(id: string): void {
    if (this.map.size !== 0) this.map.delete(id);
  }

  /** Returns true when this failure opened a closed circuit (re-opening after a failed probe returns false). */
  failure(id: string, now: number, policy: CircuitPolicy): boolean {
    let c = this.map.get(id);
    if (c === undefined) {
      if (this.map.size >= MAX_ENTRIES) this.map.delete(this.map.keys().next().value!);
      c = { failures: 0, openedAt: -1, openUntil: 0, probing: false };
      this.map.set(id, c);
    }
    c.failures++;
    c.probing = false;
    if (c.openedAt < 0 && c.failures < policy.failures) return false;
    const opened = c.openedAt < 0;
    c.openedAt = now;
    c.openUntil = now + policy.cooldownMs;
    return opened;
  }

  /** Shares `other`'s state for the targets `keep` names (a config reload keeping them). */
  adopt(other: Circuits, keep: (id: string) => boolean): void {
    for (const [id, state] of other.map) if (keep(id)) this.map.set(id, state);
  }

  /** The attempt ended without a verdict (the client left): free the probe slot. */
  release(id: string): void {
    const c = this.map.get(id);
    if (c !== undefined) c.probing = false;
  }
}
