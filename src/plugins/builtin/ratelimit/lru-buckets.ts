import { isFull, take, type BucketLimits, type BucketState, type Verdict } from "./bucket.ts";

/**
 * Per-key buckets in a fixed-capacity LRU: a Map from key to slot, and the bucket state and the
 * recency list in typed arrays. Every operation is O(1): iterating a JS Map from its oldest end
 * after many deletes walks over the deleted entries, which made an IP flood cost ~15 µs per new
 * address; here it costs a slot reuse. A new key takes the least recently used slot when the table
 * is full, or when that slot's bucket has refilled completely (forgetting a full bucket changes
 * nothing), so idle addresses are dropped as new ones arrive, without a timer.
 */
export class LruBuckets {
  private readonly slots = new Map<string, number>();
  private keys: string[] = [];
  private tokens = new Float64Array(0);
  private at = new Float64Array(0);
  private prev = new Int32Array(0);
  private next = new Int32Array(0);
  /** Least recently used, and most recently used; -1 when empty. */
  private head = -1;
  private tail = -1;
  private used = 0;
  private readonly scratch: BucketState = { tokens: 0, at: 0 };

  constructor(private readonly limits: BucketLimits, private readonly capacity: number) {}

  get size(): number {
    return this.slots.size;
  }

  take(key: string, now: number): Verdict {
    let i = this.slots.get(key);
    if (i === undefined) i = this.claim(key, now);
    else this.touch(i);
    const s = this.scratch;
    s.tokens = this.tokens[i]!;
    s.at = this.at[i]!;
    const v = take(s, now, this.limits);
    this.tokens[i] = s.tokens;
    this.at[i] = s.at;
    return v;
  }

  private claim(key: string, now: number): number {
    let i: number;
    const h = this.head;
    const reuse = h !== -1 && (this.used >= this.capacity || isFull({ tokens: this.tokens[h]!, at: this.at[h]! }, now, this.limits));
    if (reuse) {
      i = h;
      this.slots.delete(this.keys[i]!);
      this.unlink(i);
    } else {
      i = this.used++;
      if (i >= this.tokens.length) this.grow();
    }
    this.keys[i] = key;
    this.tokens[i] = this.limits.burst;
    this.at[i] = now;
    this.slots.set(key, i);
    this.append(i);
    return i;
  }

  private grow(): void {
    const n = Math.min(this.capacity, Math.max(64, this.tokens.length * 2));
    const copy = <T extends Float64Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.tokens = copy(this.tokens, (k) => new Float64Array(k));
    this.at = copy(this.at, (k) => new Float64Array(k));
    this.prev = copy(this.prev, (k) => new Int32Array(k));
    this.next = copy(this.next, (k) => new Int32Array(k));
  }

  private touch(i: number): void {
    if (i === this.tail) return;
    this.unlink(i);
    this.append(i);
  }

  private unlink(i: number): void {
    const p = this.prev[i]!;
    const n = this.next[i]!;
    if (p === -1) this.head = n;
    else this.next[p] = n;
    if (n === -1) this.tail = p;
    else this.prev[n] = p;
  }

  private append(i: number): void {
    this.prev[i] = this.tail;
    this.next[i] = -1;
    if (this.tail === -1) this.head = i;
    else this.next[this.tail] = i;
    this.tail = i;
  }
}
