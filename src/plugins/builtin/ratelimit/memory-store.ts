import { fullBucket, take, type BucketLimits, type BucketState, type Verdict } from "./bucket.ts";
import { LruBuckets } from "./lru-buckets.ts";

export interface BucketStore {
  take(key: string): Verdict | Promise<Verdict>;
  close?(): void;
}

/** Per-key buckets in process memory, at most `maxKeys` of them (see LruBuckets). */
export class MemoryStore implements BucketStore {
  private readonly buckets: LruBuckets;

  constructor(limits: BucketLimits, maxKeys: number, private readonly now: () => number = () => performance.now()) {
    this.buckets = new LruBuckets(limits, maxKeys);
  }

  get size(): number {
    return this.buckets.size;
  }

  take(key: string): Verdict {
    return this.buckets.take(key, this.now());
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
