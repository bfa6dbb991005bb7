// Walks WebAssembly instructions (MVP, sign extension, saturating conversions, bulk memory,
// reference types, SIMD, tail calls), copying them to a writer with function indices remapped and
// the fuel check inserted at every loop header. Anything else (threads, exceptions, GC) is refused:
// a module we cannot read fully cannot be made interruptible.
import { ModuleError, type Reader, type Writer } from "./bytes.ts";

export interface Rewrite {
  /** New index of function `i` (defined functions move up by the imported tick). */
  func(i: number): number;
  /** Bytes to run at each loop header (and at the entry of functions that call): the fuel check. */
  readonly check: Uint8Array;
}

const VALTYPE_BLOCK = new Set([0x40, 0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f]);

function blockType(r: Reader): void {
  const b = r.buf[r.pos]!;
  if (VALTYPE_BLOCK.has(b)) r.pos++;
  else r.skipLeb();
}

function memarg(r: Reader): void {
  const align = r.u32();
  if ((align & 0x40) !== 0) r.u32(); // multi-memory index
  r.skipLeb();
}

/**
 * Copies instructions until `r.end`, or (const expressions) through the `end` that closes depth 0.
 * Returns whether the code calls a function (only then can it recurse, and need a check at entry).
 */
export function copyCode(r: Reader, w: Writer, rw: Rewrite, constExpr = false): boolean {
  let depth = 0;
  let calls = false;
  while (!r.done) {
    const start = r.pos;
    const op = r.byte();
    switch (op) {
      case 0x02: case 0x04:
        blockType(r);
        depth++;
        break;
      case 0x03:
        blockType(r);
        depth++;
        w.bytes(r.buf.subarray(start, r.pos)).bytes(rw.check);
        continue;
      case 0x0b:
        if (depth-- === 0 && constExpr) {
          w.byte(0x0b);
          return calls;
        }
        break;
      case 0x0c: case 0x0d: case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: case 0x25: case 0x26:
      case 0x3f: case 0x40:
        r.u32();
        break;
      case 0x0e: {
        const n = r.u32();
        for (let i = 0; i <= n; i++) r.u32();
        break;
      }
      case 0x10: case 0x12: case 0xd2:
        if (op !== 0xd2) calls = true;
        w.byte(op).u32(rw.func(r.u32()));
        continue;
      case 0x11: case 0x13:
        calls = true;
        r.u32();
        r.u32();
        break;
      case 0x1c: {
        const n = r.u32();
        r.skip(n);
        break;
      }
      case 0x41: case 0x42:
        r.skipLeb();
        break;
      case 0x43:
        r.skip(4);
        break;
      case 0x44:
        r.skip(8);
        break;
      case 0xd0:
        r.byte();
        break;
      case 0xfc:
        prefixedFc(r);
        break;
      case 0xfd:
        prefixedSimd(r);
        break;
      default:
        if (op >= 0x28 && op <= 0x3e) memarg(r);
        else if (!(op <= 0x01 || op === 0x05 || op === 0x0f || op === 0x1a || op === 0x1b || (op >= 0x45 && op <= 0xc4) || op === 0xd1)) {
          throw new ModuleError(`unsupported instruction 0x${op.toString(16)}`);
        }
    }
    w.bytes(r.buf.subarray(start, r.pos));
  }
  if (constExpr) throw new ModuleError("unterminated constant expression");
  return calls;
}

function prefixedFc(r: Reader): void {
  const sub = r.u32();
  if (sub <= 7) return;
  switch (sub) {
    case 8: case 10: case 12: case 14:
      r.u32();
      r.u32();
      return;
    case 9: case 11: case 13: case 15: case 16: case 17:
      r.u32();
      return;
    default:
      throw new ModuleError(`unsupported instruction 0xfc ${sub}`);
  }
}

function prefixedSimd(r: Reader): void {
  const sub = r.u32();
  if (sub <= 11 || sub === 92 || sub === 93) memarg(r);
  else if (sub === 12 || sub === 13) r.skip(16);
  else if (sub >= 21 && sub <= 34) r.skip(1);
  else if (sub >= 84 && sub <= 91) {
    memarg(r);
    r.skip(1);
  } else if (sub > 0xff) throw new ModuleError(`unsupported instruction 0xfd ${sub}`);
}
