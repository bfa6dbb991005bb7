// Words: the tokenizer over folded text and the table of every word some pattern names. A token is
// looked up without allocating (hash of its characters), after undoing leetspeak and stemming, so
// "1gn0r3d", "ignoring" and "ignore" meet the same entry.
import { Folded, TRICK_LEET, TRICK_SPACED } from "./fold";

const CAP: i32 = 8192; // power of two, well above the vocabulary
const MAX_WORD: i32 = 40;

export class Lexicon {
  slotHash: Int32Array = new Int32Array(CAP);
  slotId: Int32Array = new Int32Array(CAP).fill(-1);
  // Every word in one pool (offsets in `starts`): a few objects for the GC to visit, not thousands.
  pool: Uint16Array = new Uint16Array(16384);
  poolLen: i32 = 0;
  starts: Int32Array = new Int32Array(4097);
  count: i32 = 0;
  tmp: Uint16Array = new Uint16Array(MAX_WORD + 4);
  tmpLen: i32 = 0;
  /** One bit per 3-letter prefix of a known word: most tokens are rejected without hashing. */
  prefixes: Uint32Array = new Uint32Array(1024);

  @inline prefixKey(): i32 {
    const n = this.tmpLen;
    const a = <i32>unchecked(this.tmp[0]) & 31;
    const b = n > 1 ? <i32>unchecked(this.tmp[1]) & 31 : 0;
    const c = n > 2 ? <i32>unchecked(this.tmp[2]) & 31 : 0;
    return (a << 10) | (b << 5) | c;
  }

  /** The id of `w` (a folded, stemmed word), added when new. */
  intern(w: string): i32 {
    this.tmpLen = 0;
    for (let i = 0; i < w.length && i < MAX_WORD; i++) unchecked((this.tmp[this.tmpLen++] = <u16>w.charCodeAt(i)));
    const found = this.find();
    if (found >= 0) return found;
    const key = this.prefixKey();
    unchecked((this.prefixes[key >>> 5] |= 1 << (key & 31)));
    const id = this.count;
    if (id + 1 >= this.starts.length || this.poolLen + this.tmpLen > this.pool.length) return -1;
    for (let i = 0; i < this.tmpLen; i++) this.pool[this.poolLen++] = this.tmp[i];
    this.count++;
    this.starts[this.count] = this.poolLen;
    let h = this.hash();
    let slot = h & (CAP - 1);
    while (unchecked(this.slotId[slot]) >= 0) slot = (slot + 1) & (CAP - 1);
    unchecked((this.slotHash[slot] = h));
    unchecked((this.slotId[slot] = id));
    return id;
  }

  hash(): i32 {
    let h: u32 = 2166136261;
    for (let i = 0; i < this.tmpLen; i++) { h ^= <u32>unchecked(this.tmp[i]); h *= 16777619; }
    return <i32>(h & 0x7fffffff);
  }

  /** The id of the word in `tmp[0, tmpLen)`, or -1. */
  find(): i32 {
    const h = this.hash();
    let slot = h & (CAP - 1);
    while (true) {
      const id = unchecked(this.slotId[slot]);
      if (id < 0) return -1;
      if (unchecked(this.slotHash[slot]) == h) {
        const from = unchecked(this.starts[id]);
        if (unchecked(this.starts[id + 1]) - from == this.tmpLen) {
          let same = true;
          for (let i = 0; i < this.tmpLen; i++) if (unchecked(this.pool[from + i]) != unchecked(this.tmp[i])) { same = false; break; }
          if (same) return id;
        }
      }
      slot = (slot + 1) & (CAP - 1);
    }
  }

  @inline hasPrefix(a: i32, b: i32, c: i32): bool {
    const key = ((a & 31) << 10) | ((b & 31) << 5) | (c & 31);
    return (unchecked(this.prefixes[key >>> 5]) & (1 << (key & 31))) != 0;
  }

  /** Loads buf[from, to) into tmp, undoes leetspeak when asked, stems, looks up. */
  lookupSpan(buf: Uint16Array, from: i32, to: i32, deleet: bool): i32 {
    const n = to - from;
    if (n > MAX_WORD || n <= 0) return -1;
    const p = buf.dataStart + (<usize>from << 1);
    // Stemming keeps the first three letters (but for "-ies" → "-y" at length 5): most tokens stop here.
    let a = <i32>load<u16>(p);
    let b = n > 1 ? <i32>load<u16>(p + 2) : 0;
    let c = n > 2 ? <i32>load<u16>(p + 4) : 0;
    if (deleet) { a = unleet(a); b = n > 1 ? unleet(b) : 0; c = n > 2 ? unleet(c) : 0; }
    if (!this.hasPrefix(a, b, c) && !(n == 5 && c == 0x69 && this.hasPrefix(a, b, 0x79))) return -1;
    const tmp = this.tmp.dataStart;
    for (let i = 0; i < n; i++) {
      let ch = <i32>load<u16>(p + (<usize>i << 1));
      if (deleet) ch = unleet(ch);
      store<u16>(tmp + (<usize>i << 1), <u16>ch);
    }
    this.tmpLen = stem(this.tmp, n);
    return this.find();
  }
}

export function unleet(c: i32): i32 {
  switch (c) {
    case 0x30: return 0x6f; // 0 o
    case 0x31: return 0x69; // 1 i
    case 0x21: return 0x69; // ! i
    case 0x7c: return 0x69; // | i
    case 0x33: return 0x65; // 3 e
    case 0x34: return 0x61; // 4 a
    case 0x40: return 0x61; // @ a
    case 0x35: return 0x73; // 5 s
    case 0x24: return 0x73; // $ s
    case 0x37: return 0x74; // 7 t
    case 0x38: return 0x62; // 8 b
    case 0x39: return 0x67; // 9 g
    case 0x36: return 0x67; // 6 g
    case 0x32: return 0x7a; // 2 z
  }
  return c;
}

@inline function at(w: Uint16Array, i: i32): i32 { return <i32>unchecked(w[i]); }

/** A light suffix stripper (English-ish, applied the same way to patterns and text). */
export function stem(w: Uint16Array, n: i32): i32 {
  if (n <= 3) return n;
  const last = at(w, n - 1);
  if (last == 0x73) { // s
    const prev = at(w, n - 2);
    if (n > 4 && prev == 0x65 && at(w, n - 3) == 0x69) { unchecked((w[n - 3] = 0x79)); n -= 2; } // ies → y
    else if (prev != 0x73 && prev != 0x75 && prev != 0x69) n -= 1; // not ss, us, is
  }
  if (n > 5 && at(w, n - 1) == 0x67 && at(w, n - 2) == 0x6e && at(w, n - 3) == 0x69) n -= 3; // ing
  else if (n > 4 && at(w, n - 1) == 0x64 && at(w, n - 2) == 0x65) n -= 2; // ed
  if (n > 5 && at(w, n - 1) == 0x6e && at(w, n - 2) == 0x6f && at(w, n - 3) == 0x69) n -= 3; // ion
  if (n > 3 && at(w, n - 1) == 0x65) n -= 1;
  return n;
}

export function stemString(w: string): string {
  const a = new Uint16Array(w.length);
  for (let i = 0; i < w.length; i++) a[i] = <u16>w.charCodeAt(i);
  const n = stem(a, w.length);
  const codes = new Array<i32>(n);
  for (let i = 0; i < n; i++) codes[i] = <i32>a[i];
  return String.fromCharCodes(codes);
}

@inline function isAlnum(c: i32): bool { return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39); }
@inline function isDigit(c: i32): bool { return c >= 0x30 && c <= 0x39; }
@inline function isLeetPunct(c: i32): bool { return c == 0x40 || c == 0x24 || c == 0x21 || c == 0x7c; }

/** Letters of any script count; symbols, punctuation and spaces do not. */
@inline export function isWordChar(c: i32): bool {
  if (c < 0x80) return isAlnum(c);
  if (c < 0xc0) return false;
  if (c >= 0x2000 && c <= 0x2bff) return false;
  if (c >= 0x3000 && c <= 0x303f) return false;
  // Sentence marks of Devanagari (danda) and Arabic (comma, semicolon, question mark, full stop).
  if (c == 0x0964 || c == 0x0965 || c == 0x060c || c == 0x061b || c == 0x061f || c == 0x06d4) return false;
  if (c >= 0xfe30 && c <= 0xfe4f) return false;
  if (c >= 0xff00 && c <= 0xff65) return false;
  return true;
}

/** The token stream of one folded text: word ids (-1 for words no pattern names). */
export class Tokens {
  ids: Int32Array = new Int32Array(1024);
  n: i32 = 0;
  tricks: i32 = 0;
  // Raw single-character tokens waiting to be joined ("i g n o r e").
  run: Uint16Array = new Uint16Array(256);
  runLen: i32 = 0;

  reset(): void { this.n = 0; this.tricks = 0; this.runLen = 0; }

  @inline add(id: i32): void {
    if (this.n >= this.ids.length) {
      const bigger = new Int32Array(this.ids.length * 2);
      bigger.set(this.ids);
      this.ids = bigger;
    }
    unchecked((this.ids[this.n++] = id));
  }
}

/** Splits `f` into tokens and resolves them against `lex`. */
export function tokenize(f: Folded, lex: Lexicon, out: Tokens): void {
  out.reset();
  const buf = f.buf;
  const bp = buf.dataStart; // raw reads: see fold.ts on the shadow stack
  const len = f.len;
  let i = 0;
  let lastEnd = -10;
  while (i < len) {
    let c = <i32>load<u16>(bp + (<usize>i << 1));
    if (!isWordChar(c) && !(isLeetPunct(c) && leetRunEndsInWord(buf, i, len))) {
      i++;
      continue;
    }
    const start = i;
    let letters = 0;
    let leet = 0;
    let apostrophes = 0;
    let h: u32 = 2166136261;
    while (i < len) {
      c = <i32>load<u16>(bp + (<usize>i << 1));
      if (isWordChar(c)) { if (isDigit(c)) leet++; else letters++; h = (h ^ <u32>c) * 16777619; i++; continue; }
      if (isLeetPunct(c) && leetRunEndsInWord(buf, i, len)) { leet++; i++; continue; }
      if (c == 0x27 && i + 1 < len && i > start && isAlnum(<i32>load<u16>(bp + (<usize>(i + 1) << 1)))) { apostrophes++; i++; continue; }
      break;
    }
    const gap = start - lastEnd;
    lastEnd = i;
    const n = i - start;
    if (n == 1) {
      // Single characters separated by one character each may spell a word out.
      if (gap > 1 && out.runLen > 0) flushRun(out, lex);
      if (out.runLen < out.run.length) unchecked((out.run[out.runLen++] = <u16>(letters > 0 ? c0(buf, start) : unleet(c0(buf, start)))));
      continue;
    }
    if (out.runLen > 0) flushRun(out, lex);
    const deleet = leet > 0 && letters > 0;
    let id: i32;
    if (apostrophes > 0) id = lookupWithout(buf, start, i, lex, deleet);
    else if (leet == 0) id = cachedLookup(lex, buf, start, i, h);
    else {
      id = lex.lookupSpan(buf, start, i, deleet);
      if (deleet && id >= 0) out.tricks |= TRICK_LEET;
      if (deleet && id < 0) id = lex.lookupSpan(buf, start, i, false);
    }
    if (id < 0 && hasAt(buf, start, i)) { addAtParts(out, lex, buf, start, i); continue; }
    out.add(id);
  }
  flushRun(out, lex);
}

function hasAt(buf: Uint16Array, from: i32, to: i32): bool {
  for (let k = from; k < to; k++) if (unchecked(buf[k]) == 0x40) return true;
  return false;
}

/** "hacker@evil" is an address, not leetspeak: its parts are words. */
function addAtParts(out: Tokens, lex: Lexicon, buf: Uint16Array, from: i32, to: i32): void {
  let s = from;
  for (let k = from; k <= to; k++) {
    if (k == to || unchecked(buf[k]) == 0x40) {
      if (k > s) out.add(lex.lookupSpan(buf, s, k, false));
      s = k + 1;
    }
  }
}

// Token → word id for plain tokens, remembered across calls: the same common words come back in
// every request, and a hit skips stemming and the table probe.
const CACHE_SIZE: i32 = 2048;
const cacheHash = new StaticArray<u32>(CACHE_SIZE);
const cacheLen = new StaticArray<i32>(CACHE_SIZE);
const cacheId = new StaticArray<i32>(CACHE_SIZE);

function cachedLookup(lex: Lexicon, buf: Uint16Array, from: i32, to: i32, h: u32): i32 {
  const n = to - from;
  const slot = <usize>((h ^ (h >>> 15)) & <u32>(CACHE_SIZE - 1));
  const hp = changetype<usize>(cacheHash) + (slot << 2);
  const lp = changetype<usize>(cacheLen) + (slot << 2);
  const ip = changetype<usize>(cacheId) + (slot << 2);
  if (load<i32>(lp) == n && load<u32>(hp) == h) return load<i32>(ip);
  const id = lex.lookupSpan(buf, from, to, false);
  store<u32>(hp, h);
  store<i32>(lp, n);
  store<i32>(ip, id);
  return id;
}

@inline function c0(buf: Uint16Array, i: i32): i32 { return <i32>unchecked(buf[i]); }

function leetRunEndsInWord(buf: Uint16Array, i: i32, len: i32): bool {
  let j = i;
  while (j < len && j - i < 3 && isLeetPunct(<i32>unchecked(buf[j]))) j++;
  return j < len && isAlnum(<i32>unchecked(buf[j]));
}

function lookupWithout(buf: Uint16Array, from: i32, to: i32, lex: Lexicon, deleet: bool): i32 {
  let n = 0;
  for (let k = from; k < to && n < MAX_WORD; k++) {
    let c = <i32>unchecked(buf[k]);
    if (c == 0x27) continue;
    if (deleet) c = unleet(c);
    unchecked((lex.tmp[n++] = <u16>c));
  }
  lex.tmpLen = stem(lex.tmp, n);
  return lex.find();
}

/**
 * A run of single characters: fewer than 3 are ordinary tokens ("a", "i"); longer runs are joined and
 * cut into the words the lexicon knows, covering as many characters as possible ("ignoreall" →
 * ignore, all; "thesystemprompt" → the, system, prompt rather than these, ...).
 */
function flushRun(out: Tokens, lex: Lexicon): void {
  const n = out.runLen;
  out.runLen = 0;
  if (n == 0) return;
  const run = out.run;
  if (n < 3) {
    // "n o" between wider gaps is the word "no"; otherwise single letters ("a", "i").
    const word = n == 2 ? lex.lookupSpan(run, 0, 2, false) : -1;
    if (word >= 0) { out.add(word); return; }
    for (let k = 0; k < n; k++) out.add(lex.lookupSpan(run, k, k + 1, false));
    return;
  }
  // cover[p]: best cut of run[p, n): most characters covered by known words, then most words (so
  // "systemprompt" reads as system, prompt); step[p]: word length taken at p (0 = skip a character).
  const cover = segCover;
  const step = segStep;
  unchecked((cover[n] = 0));
  for (let p = n - 1; p >= 0; p--) {
    let best = unchecked(cover[p + 1]);
    let take = 0;
    for (let l = min(14, n - p); l >= 2; l--) {
      const v = l * 64 + 1 + unchecked(cover[p + l]);
      if (v > best && lex.lookupSpan(run, p, p + l, false) >= 0) {
        best = v;
        take = l;
      }
    }
    unchecked((cover[p] = best));
    unchecked((step[p] = take));
  }
  let p = 0;
  let found = false;
  while (p < n) {
    const l = unchecked(step[p]);
    if (l == 0) { out.add(lex.lookupSpan(run, p, p + 1, false)); p++; continue; }
    out.add(lex.lookupSpan(run, p, p + l, false));
    found = true;
    p += l;
  }
  if (found) out.tricks |= TRICK_SPACED;
}

const segCover = new Int32Array(260);
const segStep = new Int32Array(260);
