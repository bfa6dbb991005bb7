// A small JSON reader for the hook payload: the guard reads only message roles and texts, but the
// payload is whatever the host sends, so anything malformed or absurdly nested ends as `null`
// (the caller continues) instead of a trap.
export const enum Kind { Null, Bool, Num, Str, Arr, Obj }

export class JsonValue {
  kind: Kind;
  /** A string value is the span src[from, to) when it had no escapes (no copy), else `src` itself. */
  src: string = "";
  from: i32 = 0;
  to: i32 = 0;
  items: Array<JsonValue> = [];
  keys: Array<string> = [];
  constructor(kind: Kind) { this.kind = kind; }

  get(key: string): JsonValue | null {
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] == key) return this.items[i];
    return null;
  }

  get str(): string {
    return this.from == 0 && this.to == this.src.length ? this.src : this.src.substring(this.from, this.to);
  }

  /** The string at `key`, or "" when absent or not a string. */
  text(key: string): string {
    const v = this.get(key);
    return v !== null && v.kind == Kind.Str ? v.str : "";
  }

  /** The string at `key` as a span (or null): long texts are scanned in place. */
  span(key: string): JsonValue | null {
    const v = this.get(key);
    return v !== null && v.kind == Kind.Str ? v : null;
  }
}

const MAX_DEPTH = 64;

class Reader {
  s: string;
  i: i32 = 0;
  failed: bool = false;
  constructor(s: string) { this.s = s; }

  ws(): void {
    const p = changetype<usize>(this.s);
    const n = this.s.length;
    let i = this.i;
    while (i < n) {
      const c = <i32>load<u16>(p + (<usize>i << 1));
      if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) break;
      i++;
    }
    this.i = i;
  }

  fail(): JsonValue { this.failed = true; return new JsonValue(Kind.Null); }

  value(depth: i32): JsonValue {
    this.ws();
    if (this.i >= this.s.length) return this.fail();
    const c = this.s.charCodeAt(this.i);
    if (c == 0x7b || c == 0x5b) {
      // Deeper than the guard ever reads (tool schemas, metadata): stepped over, not a reason to fail.
      if (depth > MAX_DEPTH) return this.skip();
      return c == 0x7b ? this.object(depth) : this.array(depth);
    }
    if (c == 0x22) return this.stringValue();
    if (c == 0x74) return this.word("true", Kind.Bool);
    if (c == 0x66) return this.word("false", Kind.Bool);
    if (c == 0x6e) return this.word("null", Kind.Null);
    return this.number();
  }

  /** Steps over one object or array without building it (brackets counted, strings honoured). */
  skip(): JsonValue {
    const s = this.s;
    let level = 0;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c == 0x22) {
        this.string();
        if (this.failed) return this.fail();
        continue;
      }
      this.i++;
      if (c == 0x7b || c == 0x5b) level++;
      else if (c == 0x7d || c == 0x5d) {
        if (--level == 0) return new JsonValue(Kind.Null);
      }
    }
    return this.fail();
  }

  word(w: string, kind: Kind): JsonValue {
    if (this.s.substr(this.i, w.length) != w) return this.fail();
    this.i += w.length;
    return new JsonValue(kind);
  }

  number(): JsonValue {
    const start = this.i;
    while (this.i < this.s.length) {
      const c = this.s.charCodeAt(this.i);
      if ((c >= 0x30 && c <= 0x39) || c == 0x2d || c == 0x2b || c == 0x2e || c == 0x65 || c == 0x45) this.i++;
      else break;
    }
    if (this.i == start) return this.fail();
    return new JsonValue(Kind.Num);
  }

  /** Like string(), but an escape-free string stays a span of the input. */
  stringValue(): JsonValue {
    const v = new JsonValue(Kind.Str);
    const s = this.s;
    const start = this.i + 1;
    const p = changetype<usize>(s);
    const n = s.length;
    let i = start;
    while (i < n) {
      const c = <i32>load<u16>(p + (<usize>i << 1));
      if (c == 0x22) { this.i = i + 1; v.src = s; v.from = start; v.to = i; return v; }
      if (c == 0x5c) break;
      i++;
    }
    const decoded = this.string();
    v.src = decoded;
    v.to = decoded.length;
    return v;
  }

  string(): string {
    const s = this.s;
    this.i++; // opening quote
    const start = this.i;
    // Raw reads for the common case (no escapes): see fold.ts on the shadow stack.
    const p = changetype<usize>(s);
    const n = s.length;
    let i = start;
    while (i < n) {
      const c = <i32>load<u16>(p + (<usize>i << 1));
      if (c == 0x22) { this.i = i + 1; return s.substring(start, i); }
      if (c == 0x5c) break;
      i++;
    }
    this.i = i;
    // Escapes: rebuild from the start.
    const codes = new Array<i32>();
    for (let k = start; k < this.i; k++) codes.push(s.charCodeAt(k));
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c == 0x22) { this.i++; return String.fromCharCodes(codes); }
      if (c != 0x5c) { codes.push(c); this.i++; continue; }
      if (this.i + 1 >= s.length) break;
      const e = s.charCodeAt(this.i + 1);
      this.i += 2;
      if (e == 0x6e) codes.push(0x0a);
      else if (e == 0x74) codes.push(0x09);
      else if (e == 0x72) codes.push(0x0d);
      else if (e == 0x62) codes.push(0x08);
      else if (e == 0x66) codes.push(0x0c);
      else if (e == 0x75) {
        if (this.i + 4 > s.length) break;
        let v = 0;
        for (let k = 0; k < 4; k++) {
          const h = hexValue(s.charCodeAt(this.i + k));
          if (h < 0) { this.failed = true; return ""; }
          v = (v << 4) | h;
        }
        this.i += 4;
        codes.push(v);
      } else codes.push(e);
    }
    this.failed = true;
    return "";
  }

  array(depth: i32): JsonValue {
    const v = new JsonValue(Kind.Arr);
    this.i++;
    this.ws();
    if (this.i < this.s.length && this.s.charCodeAt(this.i) == 0x5d) { this.i++; return v; }
    while (!this.failed) {
      v.items.push(this.value(depth + 1));
      this.ws();
      if (this.i >= this.s.length) return this.fail();
      const c = this.s.charCodeAt(this.i++);
      if (c == 0x5d) return v;
      if (c != 0x2c) return this.fail();
    }
    return v;
  }

  object(depth: i32): JsonValue {
    const v = new JsonValue(Kind.Obj);
    this.i++;
    this.ws();
    if (this.i < this.s.length && this.s.charCodeAt(this.i) == 0x7d) { this.i++; return v; }
    while (!this.failed) {
      this.ws();
      if (this.i >= this.s.length || this.s.charCodeAt(this.i) != 0x22) return this.fail();
      const key = this.string();
      this.ws();
      if (this.i >= this.s.length || this.s.charCodeAt(this.i) != 0x3a) return this.fail();
      this.i++;
      v.keys.push(key);
      v.items.push(this.value(depth + 1));
      this.ws();
      if (this.i >= this.s.length) return this.fail();
      const c = this.s.charCodeAt(this.i++);
      if (c == 0x7d) return v;
      if (c != 0x2c) return this.fail();
    }
    return v;
  }
}

export function hexValue(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

export function parseJson(s: string): JsonValue | null {
  const r = new Reader(s);
  const v = r.value(0);
  return r.failed ? null : v;
}

/** `s` as a JSON string literal. */
export function quote(s: string): string {
  let out = "\"";
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c != 0x22 && c != 0x5c && c < 0x7f) continue;
    out += s.substring(from, i);
    if (c == 0x22) out += "\\\"";
    else if (c == 0x5c) out += "\\\\";
    else {
      let h = c.toString(16);
      while (h.length < 4) h = "0" + h;
      out += "\\u" + h;
    }
    from = i + 1;
  }
  return out + s.substring(from) + "\"";
}
