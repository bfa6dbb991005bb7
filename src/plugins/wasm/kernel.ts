// The Extism kernel's host side (`extism:host/env`), lean: one arena per instance that holds the
// call's input, the guest's allocations, config values and the output, emptied at the start of every
// call. (@extism/extism keeps every block of every call until `reset()`, and its block index overflows
// after 16383 calls without one.) Addresses are arena offsets; 0 is "none".
import { ModuleError } from "./bytes.ts";

/** A synchronous HTTP call for `http_request` (the guest waits for it); undefined when no host is allowed. */
export type SyncFetch = (req: { url: string; method: string; headers: Record<string, string> }, body: Uint8Array | undefined, deadline: number) => { status: number; body: Uint8Array };

export interface KernelOptions {
  config: Readonly<Record<string, string>>;
  /** Arena bytes allowed (the memory limit covers the host side of the guest's allocations too). */
  maxBytes: number;
  log(level: "debug" | "info" | "warn" | "error", message: string): void;
  fetch: SyncFetch | undefined;
}

/** A guest error set with `error_set`, or a misuse of the kernel: the call failed. */
export class GuestError extends Error {}

const BASE = 8;
/** Log lines a guest may write through log_* per call; the rest are dropped (one call cannot flood the log). */
const LOGS_PER_CALL = 16;

export class Kernel {
  private arena = new Uint8Array(64 * 1024);
  private view = new DataView(this.arena.buffer);
  private top = BASE;
  private readonly lengths = new Map<number, number>();
  private readonly vars = new Map<string, Uint8Array>();
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();
  private inputAddr = 0;
  private inputLength = 0;
  private outputAddr = 0;
  private outputLength = 0;
  private errorAddr = 0;
  private httpStatus = 0;
  private logs = 0;
  /** When the running call must end (performance.now()), for HTTP waits. */
  deadline = Infinity;

  constructor(private readonly opts: KernelOptions) {}

  /** Starts a call: empties the arena and stores the input. */
  begin(input: Uint8Array): void {
    this.top = BASE;
    this.lengths.clear();
    this.outputAddr = this.outputLength = this.errorAddr = this.logs = 0;
    this.inputAddr = this.put(input);
    this.inputLength = input.length;
  }

  /** The call's output (a copy), or throws the guest's error. */
  end(): Uint8Array {
    if (this.errorAddr !== 0) throw new GuestError(this.decoder.decode(this.bytes(this.errorAddr)));
    return this.outputAddr === 0 ? new Uint8Array(0) : this.arena.slice(this.outputAddr, this.outputAddr + this.outputLength);
  }

  private alloc(n: number): number {
    if (n < 0 || !Number.isSafeInteger(n)) throw new GuestError(`alloc of ${n} bytes`);
    const at = this.top;
    const next = at + ((n + 7) & ~7) + (n === 0 ? 8 : 0);
    if (next > this.opts.maxBytes) throw new GuestError(`host allocations over memory_limit (${this.opts.maxBytes} bytes)`);
    if (next > this.arena.length) {
      const grown = new Uint8Array(Math.min(Math.max(this.arena.length * 2, next), this.opts.maxBytes));
      grown.set(this.arena.subarray(0, this.top));
      this.arena = grown;
      this.view = new DataView(grown.buffer);
    }
    this.top = next;
    this.lengths.set(at, n);
    return at;
  }

  private put(bytes: Uint8Array): number {
    const at = this.alloc(bytes.length);
    this.arena.set(bytes, at);
    return at;
  }

  private bytes(addr: number): Uint8Array {
    const n = this.lengths.get(addr);
    if (n === undefined) throw new GuestError(`no block at ${addr}`);
    return this.arena.subarray(addr, addr + n);
  }

  private text(addr: bigint): string {
    return this.decoder.decode(this.bytes(Number(addr)));
  }

  /** The import object's `extism:host/env`. */
  imports(): Record<string, (...args: never[]) => unknown> {
    return {
      alloc: (n: bigint) => BigInt(this.alloc(Number(n))),
      free: () => {},
      length: (addr: bigint) => BigInt(this.lengths.get(Number(addr)) ?? 0),
      length_unsafe: (addr: bigint) => BigInt(this.lengths.get(Number(addr)) ?? 0),
      load_u8: (addr: bigint) => this.view.getUint8(this.at(addr, 1)),
      load_u64: (addr: bigint) => this.view.getBigUint64(this.at(addr, 8), true),
      store_u8: (addr: bigint, v: number) => this.view.setUint8(this.at(addr, 1), v),
      store_u64: (addr: bigint, v: bigint) => this.view.setBigUint64(this.at(addr, 8), v, true),
      input_offset: () => BigInt(this.inputAddr),
      input_length: () => BigInt(this.inputLength),
      input_load_u8: (off: bigint) => this.view.getUint8(this.inputAt(off, 1)),
      input_load_u64: (off: bigint) => this.view.getBigUint64(this.inputAt(off, 8), true),
      output_set: (addr: bigint, n: bigint) => {
        const a = Number(addr);
        const len = Number(n);
        const block = this.lengths.get(a);
        if (block === undefined || len > block) throw new GuestError("output_set outside a block");
        this.outputAddr = a;
        this.outputLength = len;
      },
      error_set: (addr: bigint) => {
        if (!this.lengths.has(Number(addr))) throw new GuestError("error_set outside a block");
        this.errorAddr = Number(addr);
      },
      config_get: (addr: bigint) => {
        const key = this.text(addr);
        const value = Object.hasOwn(this.opts.config, key) ? this.opts.config[key]! : undefined;
        return value === undefined ? 0n : BigInt(this.put(this.encoder.encode(value)));
      },
      var_get: (addr: bigint) => {
        const value = this.vars.get(this.text(addr));
        return value === undefined ? 0n : BigInt(this.put(value));
      },
      var_set: (addr: bigint, value: bigint) => {
        const key = this.text(addr);
        if (value === 0n) this.vars.delete(key);
        else this.setVar(key, this.bytes(Number(value)).slice());
      },
      http_request: (req: bigint, body: bigint) => this.http(req, body),
      http_status_code: () => this.httpStatus,
      log_debug: (addr: bigint) => this.log("debug", addr),
      log_info: (addr: bigint) => this.log("info", addr),
      log_warn: (addr: bigint) => this.log("warn", addr),
      log_error: (addr: bigint) => this.log("error", addr),
      log_trace: (addr: bigint) => this.log("debug", addr),
      get_log_level: () => 1,
    };
  }

  private log(level: "debug" | "info" | "warn" | "error", addr: bigint): void {
    if (++this.logs <= LOGS_PER_CALL) this.opts.log(level, this.text(addr));
  }

  private setVar(key: string, value: Uint8Array): void {
    let total = value.length;
    for (const [k, v] of this.vars) if (k !== key) total += v.length;
    if (total > this.opts.maxBytes / 4) throw new GuestError("vars over a quarter of memory_limit");
    this.vars.set(key, value);
  }

  private at(addr: bigint, n: number): number {
    const a = Number(addr);
    if (a < BASE || a + n > this.top) throw new GuestError(`access outside the host's blocks at ${a}`);
    return a;
  }

  private inputAt(off: bigint, n: number): number {
    const o = Number(off);
    if (o < 0 || o + n > this.inputLength) throw new GuestError("input read past its end");
    return this.inputAddr + o;
  }

  private http(reqAddr: bigint, bodyAddr: bigint): bigint {
    const fetch = this.opts.fetch;
    if (fetch === undefined) throw new GuestError("http_request: no network access (allowed_hosts is empty)");
    let req: { url?: unknown; method?: unknown; headers?: unknown };
    try {
      req = JSON.parse(this.text(reqAddr)) as typeof req;
    } catch {
      throw new GuestError("http_request: the request is not JSON");
    }
    if (typeof req.url !== "string") throw new GuestError("http_request: no url");
    const method = typeof req.method === "string" ? req.method.toUpperCase() : "GET";
    const headers = req.headers !== null && typeof req.headers === "object" ? (req.headers as Record<string, string>) : {};
    const body = bodyAddr === 0n || method === "GET" || method === "HEAD" ? undefined : this.bytes(Number(bodyAddr)).slice();
    const res = fetch({ url: req.url, method, headers }, body, this.deadline);
    this.httpStatus = res.status;
    return BigInt(this.put(res.body));
  }
}

export const KERNEL_MODULE = "extism:host/env";

/** `module.name` for every import a plugin may have. */
export function providedImports(kernel: Kernel): Set<string> {
  const names = Object.keys(kernel.imports()).map((n) => `${KERNEL_MODULE}.${n}`);
  return new Set([...names, "env.abort"]);
}

export { ModuleError };
