import { LRUCache } from "lru-cache";
import type { CacheBackend, CachedAnswer, Now } from "./types.ts";

export interface MemoryCacheOptions {
  ttlMs: number;
  maxEntries: number;
  maxBytes: number;
  now?: Now;
}

/** What an entry costs beyond its texts (key, record, list links), so many tiny answers still count. */
const OVERHEAD_BYTES = 256;

/** `backend: memory`: a per-process LRU bounded by entries and by bytes, each entry living `ttl`. */
export class MemoryCache implements CacheBackend {
  readonly kind = "memory";
  private readonly lru: LRUCache<string, CachedAnswer>;

  constructor(options: MemoryCacheOptions) {
    this.lru = new LRUCache<string, CachedAnswer>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      // One answer may take a tenth of the budget at most: a single huge one must not flush everything else.
      maxEntrySize: Math.max(1, Math.floor(options.maxBytes / 10)),
      sizeCalculation: (a) => Buffer.byteLength(a.client) + (a.internal === undefined ? 0 : Buffer.byteLength(a.internal)) + OVERHEAD_BYTES,
      ttl: options.ttlMs,
      // Expired entries are dropped when met (and by LRU order), not by a timer per entry.
      ttlAutopurge: false,
      // Read the clock on each check rather than caching it behind a timer per read.
      ttlResolution: 0,
      perf: options.now === undefined ? undefined : { now: options.now },
    });
  }

  get(key: string): CachedAnswer | undefined {
    return this.lru.get(key);
  }

  set(key: string, answer: CachedAnswer): void {
    this.lru.set(key, answer);
  }

  /** Entries and bytes held (tests, and the admin API later). */
  get size(): { entries: number; bytes: number } {
    return { entries: this.lru.size, bytes: this.lru.calculatedSize };
  }

  close(): void {
    this.lru.clear();
  }
}
