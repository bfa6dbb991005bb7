import { fullBucket, isFull, take, type BucketLimits, type BucketState, type Verdict } from "./bucket.ts";

export interface BucketStore {
  take(key: string): Verdict | Promise<Verdict>;
  close?(): void;
}

/**
 * Buckets in process memory, at most `maxKeys` of them. The map is kept in least-recently-used
 * order (a hit moves its key to the end); a new key evicts the oldest one when full, and up to two
 * refilled buckets from the old end are dropped on every insert, since a full bucket is the same
 * as no bucket. So an IP flood costs at most `maxKeys` entries, with no timer.
 */
export class MemoryStore implements BucketStore {
  private readonly buckets = new Map<string, BucketState>();

  constructor(
    private readonly limits: BucketLimits,
    private readonly maxKeys: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get size(): number {
    return this.buckets.size;
  }

  take(key: string): Verdict {
    const now = this.now();
    const buckets = this.buckets;
    let s = buckets.get(key);
    if (s !== undefined) {
      buckets.delete(key);
      buckets.set(key, s);
      return take(s, now, this.limits);
    }
    this.sweep(now);
    s = fullBucket(this.limits, now);
    buckets.set(key, s);
    return take(s, now, this.limits);
  }

  private sweep(now: number): void {
    const buckets = this.buckets;
    let checked = 0;
    for (const [key, s] of buckets) {
      if (buckets.size >= this.maxKeys || (checked < 2 && isFull(s, now, this.limits))) buckets.delete(key);
      else break;
      checked++;
    }
  }
}

/** One bucket for everybody: no map, no key. */
export class GlobalStore implements BucketStore {
  private readonly state: BucketState;

  constructor(private readonly limits: BucketLimits, private readonly now: () => number = () => performance.now()) {
    this.state = fullBucket(limits, now());
  }

  take(): Verdict {
    return take(this.state, this.now(), this.limits);
  }
}
