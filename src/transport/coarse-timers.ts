/**
 * Timers for deadlines that almost never fire (attempt timeouts, request deadlines). A setTimeout
 * per request costs more than the work it guards; here a request adds itself to a bucket of a
 * 10 ms wheel and removes itself when done, and one shared interval fires what is due. Deadlines
 * fire up to one tick late, which is nothing against timeouts measured in seconds.
 */
export interface CoarseTimer { cancel(): void }

const TICK_MS = 10;
// Idle ticks before the interval stops: at one request at a time the wheel empties after every
// request, and restarting the interval each time would cost what it saves.
const IDLE_TICKS = 100;

class Entry implements CoarseTimer {
  constructor(private readonly wheel: Wheel, readonly bucket: Set<Entry>, readonly tick: number, readonly fire: () => void) {}

  cancel(): void {
    this.wheel.remove(this);
  }
}

class Wheel {
  private readonly buckets = new Map<number, Set<Entry>>();
  private handle: ReturnType<typeof setInterval> | undefined;
  private lastTick = 0;
  private size = 0;
  private idle = 0;

  schedule(ms: number, fire: () => void): CoarseTimer {
    const now = performance.now();
    if (this.handle === undefined) this.start(now);
    // Never a tick already processed, or the timer would be skipped.
    const tick = Math.max(Math.ceil((now + ms) / TICK_MS), this.lastTick + 1);
    let bucket = this.buckets.get(tick);
    if (bucket === undefined) this.buckets.set(tick, (bucket = new Set()));
    const entry = new Entry(this, bucket, tick, fire);
    bucket.add(entry);
    this.size++;
    return entry;
  }

  remove(entry: Entry): void {
    if (!entry.bucket.delete(entry)) return;
    if (entry.bucket.size === 0 && this.buckets.get(entry.tick) === entry.bucket) this.buckets.delete(entry.tick);
    this.size--;
  }

  private start(now: number): void {
    this.lastTick = Math.floor(now / TICK_MS);
    this.handle = setInterval(() => this.run(), TICK_MS);
    // A pending deadline must not keep the process alive on shutdown.
    this.handle.unref?.();
  }

  private stop(): void {
    if (this.handle !== undefined) clearInterval(this.handle);
    this.handle = undefined;
    this.idle = 0;
  }

  private run(): void {
    const current = Math.floor(performance.now() / TICK_MS);
    for (let tick = this.lastTick + 1; tick <= current; tick++) {
      const bucket = this.buckets.get(tick);
      if (bucket === undefined) continue;
      this.buckets.delete(tick);
      this.size -= bucket.size;
      for (const entry of bucket) entry.fire();
      bucket.clear();
    }
    this.lastTick = current;
    this.idle = this.size === 0 ? this.idle + 1 : 0;
    if (this.idle > IDLE_TICKS) this.stop();
  }
}

const wheel = new Wheel();

export function coarseTimeout(ms: number, fire: () => void): CoarseTimer {
  return wheel.schedule(ms, fire);
}
