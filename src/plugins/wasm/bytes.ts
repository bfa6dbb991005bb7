// LEB128 reading and a growable byte writer: just what the module rewriter needs.

export class Reader {
  pos: number;
  constructor(readonly buf: Uint8Array, pos = 0, readonly end = buf.length) {
    this.pos = pos;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  byte(): number {
    if (this.pos >= this.end) throw new ModuleError("unexpected end of module");
    return this.buf[this.pos++]!;
  }

  /** Unsigned LEB128 up to 32 bits. */
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 35) throw new ModuleError("malformed LEB128");
    }
    return result;
  }

  /** Skips a LEB128 of any width (signed or not). */
  skipLeb(): void {
    for (let n = 0; (this.byte() & 0x80) !== 0; n++) if (n > 10) throw new ModuleError("malformed LEB128");
  }

  skip(n: number): void {
    if (this.pos + n > this.end) throw new ModuleError("unexpected end of module");
    this.pos += n;
  }

  name(): string {
    const n = this.u32();
    const start = this.pos;
    this.skip(n);
    return new TextDecoder().decode(this.buf.subarray(start, start + n));
  }
}

export class Writer {
  private buf = new Uint8Array(1024);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  byte(b: number): this {
    this.room(1);
    this.buf[this.length++] = b;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  u32(value: number): this {
    let v = value >>> 0;
    do {
      let b = v & 0x7f;
      v >>>= 7;
      if (v !== 0) b |= 0x80;
      this.byte(b);
    } while (v !== 0);
    return this;
  }

  i32(value: number): this {
    let v = value | 0;
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) return this.byte(b);
      this.byte(b | 0x80);
    }
  }

  name(text: string): this {
    const b = new TextEncoder().encode(text);
    return this.u32(b.length).bytes(b);
  }

  /** A length-prefixed copy of another writer's bytes (a section or a function body). */
  sized(inner: Writer): this {
    return this.u32(inner.length).bytes(inner.result());
  }

  result(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

/** The module cannot be loaded as a plugin; the message says why. */
export class ModuleError extends Error {}
