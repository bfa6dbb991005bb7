// Makes a plugin module safe to run on the main thread, once, at load:
// - its memory gets a maximum (the entry's memory_limit), so memory.grow past it fails inside the guest;
// - every loop header and the entry of every function that calls another decrements a fuel global and, when it runs out, calls the
//   imported `butter:host/tick`, which throws once the call is past its deadline. A JS timer cannot
//   interrupt a WASM loop on the thread it runs on; this can, for a few instructions per iteration.
// Only the imports the Extism kernel provides are allowed (no WASI: no filesystem, no clock, no randomness).
import { ModuleError, Reader, Writer } from "./bytes.ts";
import { copyCode, type Rewrite } from "./instructions.ts";

export const PAGE_BYTES = 65536;
export const TICK_MODULE = "butter:host";
export const FUEL_EXPORT = "__butter_fuel";

export interface PreparedModule {
  module: WebAssembly.Module;
  /** Exported function names. */
  functions: ReadonlySet<string>;
  /** The imports the guest asked for, `module.name`. */
  imports: readonly string[];
}

export interface PrepareOptions {
  maxPages: number;
  /** `module.name` imports the host provides. */
  provided: ReadonlySet<string>;
}

const SECTION = { custom: 0, type: 1, import: 2, function: 3, global: 6, export: 7, start: 8, element: 9, code: 10, memory: 5 } as const;

export function prepareModule(bytes: Uint8Array, opts: PrepareOptions): PreparedModule {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) throw new ModuleError("not a WebAssembly module");
  if (bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) throw new ModuleError("unsupported WebAssembly version (a component?)");
  const sections = new Map<number, Reader>();
  const order: number[] = [];
  const r = new Reader(bytes, 8);
  while (!r.done) {
    const id = r.byte();
    const size = r.u32();
    const body = new Reader(bytes, r.pos, r.pos + size);
    r.skip(size);
    if (id === SECTION.custom) continue;
    if (sections.has(id)) throw new ModuleError(`duplicate section ${id}`);
    sections.set(id, body);
    order.push(id);
  }

  // Types: append () -> i32 for the tick.
  const types = new Writer();
  let typeCount = 0;
  const typeSec = sections.get(SECTION.type);
  if (typeSec !== undefined) {
    typeCount = typeSec.u32();
    const start = typeSec.pos;
    for (let i = 0; i < typeCount; i++) {
      if (typeSec.byte() !== 0x60) throw new ModuleError("unsupported type section entry");
      typeSec.skip(typeSec.u32());
      typeSec.skip(typeSec.u32());
    }
    types.u32(typeCount + 1).bytes(bytes.subarray(start, typeSec.pos));
  } else types.u32(1);
  types.bytes(Uint8Array.of(0x60, 0, 1, 0x7f));
  const tickType = typeCount;

  // Imports: check them, count functions and globals, append the tick.
  const imports: string[] = [];
  let importedFuncs = 0;
  let importedGlobals = 0;
  const importSec = sections.get(SECTION.import);
  const importW = new Writer();
  let importCount = 0;
  if (importSec !== undefined) {
    importCount = importSec.u32();
    const start = importSec.pos;
    for (let i = 0; i < importCount; i++) {
      const mod = importSec.name();
      const name = importSec.name();
      const kind = importSec.byte();
      const full = `${mod}.${name}`;
      if (kind !== 0) throw new ModuleError(`imports ${full}, which is not a function (the module must define its own memory)`);
      importSec.u32();
      if (!opts.provided.has(full)) throw new ModuleError(`imports ${full}, which the host does not provide (no WASI: plugins get no filesystem, clock or randomness)`);
      imports.push(full);
      importedFuncs++;
    }
    importW.u32(importCount + 1).bytes(bytes.subarray(start, importSec.pos));
  } else importW.u32(1);
  importW.name(TICK_MODULE).name("tick").byte(0).u32(tickType);
  const tick = importedFuncs;
  const func = (i: number): number => (i >= importedFuncs ? i + 1 : i);

  // Globals: append the fuel counter (mutable i32, exported so the host can refill it).
  const globalSec = sections.get(SECTION.global);
  const globals = new Writer();
  let globalCount = 0;
  const fuelCheckPlaceholder: Rewrite = { func, check: new Uint8Array() };
  const globalBody = new Writer();
  if (globalSec !== undefined) {
    globalCount = globalSec.u32();
    for (let i = 0; i < globalCount; i++) {
      globalBody.byte(globalSec.byte()).byte(globalSec.byte());
      copyCode(globalSec, globalBody, fuelCheckPlaceholder, true);
    }
  }
  const fuel = importedGlobals + globalCount;
  globals.u32(globalCount + 1).bytes(globalBody.result()).bytes(Uint8Array.of(0x7f, 0x01, 0x41, 0x00, 0x0b));

  // fuel -= 1; if (fuel < 0) fuel = tick();
  const check = new Writer()
    .byte(0x23).u32(fuel).byte(0x41).i32(1).byte(0x6b).byte(0x24).u32(fuel)
    .byte(0x23).u32(fuel).byte(0x41).i32(0).byte(0x48)
    .byte(0x04).byte(0x40).byte(0x10).u32(tick).byte(0x24).u32(fuel).byte(0x0b)
    .result().slice();
  const rw: Rewrite = { func, check };

  // Memory: a maximum no higher than the limit.
  const memSec = sections.get(SECTION.memory);
  const memory = new Writer();
  if (memSec !== undefined) {
    const n = memSec.u32();
    memory.u32(n);
    for (let i = 0; i < n; i++) {
      const flags = memSec.byte();
      if (flags > 1) throw new ModuleError("shared or 64-bit memory is not supported");
      const min = memSec.u32();
      const max = flags === 1 ? memSec.u32() : Infinity;
      if (min > opts.maxPages) throw new ModuleError(`needs ${min * PAGE_BYTES} bytes of memory at start, over memory_limit (${opts.maxPages * PAGE_BYTES})`);
      memory.byte(1).u32(min).u32(Math.min(max, opts.maxPages));
    }
  }

  // Exports: remap function indices, collect names, add the fuel global.
  const functions = new Set<string>();
  const exportSec = sections.get(SECTION.export);
  const exportsW = new Writer();
  const exportBody = new Writer();
  let exportCount = 0;
  if (exportSec !== undefined) {
    exportCount = exportSec.u32();
    for (let i = 0; i < exportCount; i++) {
      const name = exportSec.name();
      const kind = exportSec.byte();
      const idx = exportSec.u32();
      if (name === FUEL_EXPORT) throw new ModuleError(`exports the reserved name ${FUEL_EXPORT}`);
      if (kind === 0) functions.add(name);
      exportBody.name(name).byte(kind).u32(kind === 0 ? func(idx) : idx);
    }
  }
  exportsW.u32(exportCount + 1).bytes(exportBody.result()).name(FUEL_EXPORT).byte(3).u32(fuel);

  const out = new Writer().bytes(bytes.subarray(0, 8));
  const emit = (id: number, w: Writer): void => void out.byte(id).sized(w);
  const emitted = new Set<number>();
  const place = (id: number): void => {
    if (emitted.has(id)) return;
    emitted.add(id);
    switch (id) {
      case SECTION.type: return emit(id, types);
      case SECTION.import: return emit(id, importW);
      case SECTION.global: return emit(id, globals);
      case SECTION.export: return emit(id, exportsW);
      case SECTION.memory: return memSec === undefined ? undefined : emit(id, memory);
      case SECTION.start: return emit(id, new Writer().u32(func(sections.get(id)!.u32())));
      case SECTION.element: return emit(id, elements(sections.get(id)!, rw));
      case SECTION.code: return emit(id, code(sections.get(id)!, rw));
      default: {
        const s = sections.get(id)!;
        return emit(id, new Writer().bytes(s.buf.subarray(s.pos, s.end)));
      }
    }
  };
  // Sections must stay in their canonical order; the ones we add go where they belong.
  const canonical = [1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11];
  for (const id of canonical) {
    if (id === SECTION.type || id === SECTION.import || id === SECTION.global || id === SECTION.export) place(id);
    else if (sections.has(id)) place(id);
  }
  for (const id of order) if (!emitted.has(id)) throw new ModuleError(`unsupported section ${id}`);

  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(out.result());
  } catch (err) {
    throw new ModuleError(`invalid module: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { module, functions, imports };
}

function elements(s: Reader, rw: Rewrite): Writer {
  const w = new Writer();
  const n = s.u32();
  w.u32(n);
  for (let i = 0; i < n; i++) {
    const flags = s.u32();
    w.u32(flags);
    if (flags > 7) throw new ModuleError(`unsupported element segment ${flags}`);
    if (flags === 2 || flags === 6) w.u32(s.u32());
    if ((flags & 1) === 0) copyCode(s, w, rw, true);
    if ((flags & 3) !== 0 || flags === 2 || flags === 6) w.byte(s.byte()); // elemkind / reftype
    const count = s.u32();
    w.u32(count);
    for (let j = 0; j < count; j++) {
      if ((flags & 4) === 0) w.u32(rw.func(s.u32()));
      else copyCode(s, w, rw, true);
    }
  }
  return w;
}

function code(s: Reader, rw: Rewrite): Writer {
  const w = new Writer();
  const n = s.u32();
  w.u32(n);
  for (let i = 0; i < n; i++) {
    const size = s.u32();
    const end = s.pos + size;
    const body = new Reader(s.buf, s.pos, end);
    const fn = new Writer();
    const locals = body.u32();
    for (let j = 0; j < locals; j++) {
      body.u32();
      body.byte();
    }
    const localsEnd = body.pos;
    const instructions = new Writer();
    // A function without calls runs a bounded number of instructions outside its loops: its loops'
    // checks suffice. One that calls may recurse: it checks at entry too.
    const calls = copyCode(body, instructions, rw);
    fn.bytes(s.buf.subarray(s.pos, localsEnd));
    if (calls) fn.bytes(rw.check);
    fn.bytes(instructions.result());
    w.sized(fn);
    s.pos = end;
  }
  return w;
}
