// Instances of one plugin, reused across calls. Calls run synchronously on the calling thread, so one
// instance serves a whole process unless a call fails: then that instance is dropped (never returned)
// and the next call builds a fresh one. `size` bounds how many may be out at once should calls ever
// overlap (a guest's host call re-entering the pool).
import type { WasmInstance } from "./instance.ts";

export class InstancePool {
  private readonly idle: WasmInstance[] = [];
  private out = 0;
  /** Instances built so far (tests read it). */
  created = 0;
  discarded = 0;

  constructor(private readonly make: () => WasmInstance, readonly size: number) {}

  acquire(): WasmInstance {
    const ready = this.idle.pop();
    if (ready !== undefined) {
      this.out++;
      return ready;
    }
    if (this.out >= this.size) throw new Error(`all ${this.size} instances are busy`);
    const fresh = this.make();
    this.created++;
    this.out++;
    return fresh;
  }

  release(instance: WasmInstance): void {
    this.out--;
    if (instance.broken) this.discarded++;
    else this.idle.push(instance);
  }

  /** Builds the first instance now, so a module that traps at start fails the load, not a request. */
  warm(): void {
    this.release(this.acquire());
  }

  close(): void {
    this.idle.length = 0;
  }
}
