import type { KeyConfig } from "../config/schema.ts";
import type { UsableKey } from "../config/snapshot.ts";
import { buildAlias, drawAlias, type AliasTable } from "./alias.ts";

/**
 * Key health. A key that answers 401 or 429 three times in a row is taken out of rotation for
 * 30 s; each further cool-down of the same key (it failed again right after coming back) doubles, up
 * to 5 minutes, and a success resets it. Why these numbers: provider rate limits are per-minute
 * buckets, so 30 s lets a hot key's bucket refill while its siblings serve; three strikes keeps one
 * unlucky burst from benching a good key; a revoked key ends up costing one (retried) attempt per
 * 5 minutes instead of one per request.
 */
export const KEY_HEALTH = { failures: 3, cooldownMs: 30_000, maxCooldownMs: 300_000 } as const;

export class KeyEntry {
  /** Consecutive key-attributable failures. */
  failures = 0;
  /** Cool-downs in a row without a success in between (doubles the next one). */
  strikes = 0;
  /** Clock time until which the key is out of rotation. */
  coolUntil = 0;
  constructor(readonly key: KeyConfig, readonly index: number, readonly pool: KeyPool) {}

  succeeded(): void {
    if (this.failures !== 0 || this.strikes !== 0) this.failures = this.strikes = 0;
  }

  /** Returns the cool-down started by this failure in ms, or 0. */
  failed(now: number): number {
    if (++this.failures < KEY_HEALTH.failures) return 0;
    const ms = Math.min(KEY_HEALTH.cooldownMs * 2 ** this.strikes, KEY_HEALTH.maxCooldownMs);
    this.strikes++;
    // One more failure after coming back cools it down again.
    this.failures = KEY_HEALTH.failures - 1;
    this.coolUntil = now + ms;
    this.pool.version++;
    return ms;
  }
}

/**
 * The keys of one provider that may serve one model (their allowlist names it, or they have none),
 * with a weighted alias table over the members not cooling down. The table is rebuilt only when a
 * member's cool-down starts or ends, so the usual pick is one random draw and two array reads: O(1).
 */
export class KeyClass {
  private live: readonly KeyEntry[];
  private table: AliasTable;
  private version: number;
  private validUntil = Infinity;

  constructor(private readonly pool: KeyPool, readonly members: readonly KeyEntry[]) {
    this.live = members;
    this.table = buildAlias(members.map((m) => m.key.weight));
    this.version = pool.version;
  }

  get size(): number {
    return this.members.length;
  }

  /**
   * A key not in `skip` (keys that already failed this request with 401/429), or undefined when
   * every member is in it. Cooling keys are used only when every member is cooling.
   */
  pick(now: number, random: () => number, skip?: ReadonlySet<KeyEntry>): KeyEntry | undefined {
    if (this.version !== this.pool.version || now >= this.validUntil) this.refresh(now);
    const live = this.live;
    const entry = live.length === 1 ? live[0]! : live[drawAlias(this.table, random())]!;
    if (skip === undefined || !skip.has(entry)) return entry;
    // Degraded path (only after a failure in this request): weighted scan over what is left.
    return weightedPick(live, skip, random) ?? (live === this.members ? undefined : weightedPick(this.members, skip, random));
  }

  /** Any member, skipped or not (the request has tried them all). */
  pickAny(now: number, random: () => number): KeyEntry | undefined {
    if (this.members.length === 0) return undefined;
    return this.pick(now, random);
  }

  private refresh(now: number): void {
    let validUntil = Infinity;
    const live: KeyEntry[] = [];
    for (const m of this.members) {
      if (m.coolUntil <= now) live.push(m);
      else if (m.coolUntil < validUntil) validUntil = m.coolUntil;
    }
    // Every member cooling: serve with all of them rather than not at all.
    this.live = live.length === 0 ? this.members : live;
    this.table = buildAlias(this.live.map((m) => m.key.weight));
    this.validUntil = validUntil;
    this.version = this.pool.version;
  }
}

function weightedPick(entries: readonly KeyEntry[], skip: ReadonlySet<KeyEntry>, random: () => number): KeyEntry | undefined {
  let total = 0;
  for (const e of entries) if (!skip.has(e)) total += e.key.weight;
  if (total === 0) return undefined;
  let r = random() * total;
  let last: KeyEntry | undefined;
  for (const e of entries) {
    if (skip.has(e)) continue;
    last = e;
    r -= e.key.weight;
    if (r < 0) return e;
  }
  return last;
}

/** One provider's usable keys, split once per config into classes by model allowlist. */
export class KeyPool {
  /** Bumped whenever a member's cool-down starts, so classes know to rebuild their tables. */
  version = 0;
  readonly entries: readonly KeyEntry[];
  private readonly byModel = new Map<string, KeyClass>();
  private readonly unlisted: KeyClass;

  constructor(keys: readonly UsableKey[]) {
    this.entries = keys.map((k) => new KeyEntry(k.key, k.index, this));
    const open = this.entries.filter((e) => e.key.models === undefined);
    this.unlisted = new KeyClass(this, open);
    const models = new Set<string>();
    for (const e of this.entries) for (const m of e.key.models ?? []) models.add(m);
    for (const model of models) {
      this.byModel.set(model, new KeyClass(this, this.entries.filter((e) => e.key.models === undefined || e.key.models.includes(model))));
    }
  }

  /** Copies the health of `old`'s entries onto this pool's entries with the same key settings. */
  adopt(old: KeyPool): void {
    const byKey = new Map(old.entries.map((e) => [JSON.stringify(e.key), e]));
    for (const e of this.entries) {
      const before = byKey.get(JSON.stringify(e.key));
      if (before === undefined) continue;
      e.failures = before.failures;
      e.strikes = before.strikes;
      e.coolUntil = before.coolUntil;
    }
    this.version++;
  }

  /** The keys that may serve `model` (no allowlist = every model). */
  classFor(model: string): KeyClass {
    return this.byModel.get(model) ?? this.unlisted;
  }
}
