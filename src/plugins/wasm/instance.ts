// One live plugin instance: the module instantiated with a fresh kernel, called one export at a time.
// A call that traps, runs past its deadline or breaks the kernel leaves the instance `broken`: the
// pool discards it (its memory may hold half-written state).
import { HookTimeout } from "../chain.ts";
import { Kernel, KERNEL_MODULE, type KernelOptions } from "./kernel.ts";
import { FUEL_EXPORT, TICK_MODULE } from "./prepare-module.ts";

/** Loop iterations and (calling) function entries between two clock reads. */
const FUEL_SLICE = 20_000;
/** Time a new instance may spend in its start function and initialiser. */
const START_BUDGET_MS = 1000;

export class WasmInstance {
  broken = false;
  private readonly kernel: Kernel;
  private readonly exports: Record<string, unknown>;
  private readonly fuel: WebAssembly.Global;
  private deadline = Infinity;
  private timeoutMs = 0;

  private readonly maxBytes: number;

  constructor(module: WebAssembly.Module, opts: KernelOptions) {
    this.kernel = new Kernel(opts);
    this.maxBytes = opts.maxBytes;
    // The module's start function runs inside `new WebAssembly.Instance`: it gets a budget too.
    this.timeoutMs = START_BUDGET_MS;
    this.deadline = performance.now() + START_BUDGET_MS;
    let memory: WebAssembly.Memory | undefined;
    const imports = {
      [KERNEL_MODULE]: this.kernel.imports(),
      [TICK_MODULE]: { tick: () => this.tick() },
      env: { abort: (msg: number, file: number, line: number, col: number) => this.abort(memory, msg, file, line, col) },
    };
    const instance = new WebAssembly.Instance(module, imports as never);
    this.exports = instance.exports as Record<string, unknown>;
    memory = this.exports.memory as WebAssembly.Memory | undefined;
    this.fuel = this.exports[FUEL_EXPORT] as WebAssembly.Global;
    // A reactor's initialiser (WASI-style guests); AssemblyScript starts in the instantiation itself.
    const init = this.exports._initialize;
    if (typeof init === "function") this.run(() => (init as () => void)(), START_BUDGET_MS);
  }

  /** Calls `name` with `input`; returns its output bytes. Throws GuestError, HookTimeout or the trap. */
  call(name: string, input: Uint8Array, timeoutMs: number): Uint8Array {
    const fn = this.exports[name] as (() => number) | undefined;
    if (typeof fn !== "function") throw new Error(`export ${name} is not a function`);
    this.kernel.begin(input);
    const rc = this.run(fn, timeoutMs);
    const out = this.kernel.end();
    if (rc !== 0 && rc !== undefined) throw new Error(`${name} returned ${rc}`);
    return out;
  }

  private run<T>(fn: () => T, timeoutMs: number): T {
    this.timeoutMs = timeoutMs;
    this.deadline = this.kernel.deadline = performance.now() + timeoutMs;
    this.fuel.value = FUEL_SLICE;
    try {
      return fn();
    } catch (err) {
      this.broken = true;
      throw this.outOfMemory(err) ?? err;
    }
  }

  /**
   * A trap with most of the memory in use is, most likely, a failed memory.grow (the guest's allocator
   * asks for a large step, so the memory need not be full): say so, the trap's own text does not.
   */
  private outOfMemory(err: unknown): Error | undefined {
    const memory = this.exports.memory;
    if (!(err instanceof WebAssembly.RuntimeError) || !(memory instanceof WebAssembly.Memory)) return undefined;
    const used = memory.buffer.byteLength;
    if (used * 2 <= this.maxBytes) return undefined;
    return new Error(`out of memory, likely: trapped (${err.message}) with ${used} bytes of memory_limit ${this.maxBytes} in use`);
  }

  private tick(): number {
    if (performance.now() > this.deadline) throw new HookTimeout(this.timeoutMs);
    return FUEL_SLICE;
  }

  private abort(memory: WebAssembly.Memory | undefined, msg: number, file: number, line: number, col: number): never {
    const text = (ptr: number): string => {
      if (memory === undefined || ptr === 0) return "";
      try {
        const len = new Uint32Array(memory.buffer, ptr - 4, 1)[0]!;
        return new TextDecoder("utf-16le").decode(new Uint8Array(memory.buffer, ptr, Math.min(len, 1024)));
      } catch {
        return "";
      }
    };
    throw new Error(`plugin aborted: ${text(msg) || "abort"}${file ? ` at ${text(file)}:${line}:${col}` : ""}`);
  }
}
