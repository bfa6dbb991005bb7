// Words: the tokenizer over folded text and the table of every word some pattern names. A token is
// looked up without allocating (hash of its characters), after undoing leetspeak and stemming, so
// "1gn0r3d", "ignoring" and "ignore" meet the same entry.
import { Folded, TRICK_LEET, TRICK_SPACED } from "./fold";

const CAP: i32 = 8192; // power of two, well above the vocabulary
const MAX_WORD: i32 = 40;

export class Lexicon {
  slotHash: Int32Array = new Int32Array(CAP);
  slotId: Int32Array = new Int32Array(CAP).fill(-1);
  words: Array<string> = [];
  tmp: Uint16Array = new Uint16Array(MAX_WORD + 4);
  tmpLen: i32 = 0;

  /** The id of `w` (a folded, stemmed word), added when new. */
  intern(w: string): i32 {
    this.tmpLen = 0;
    for (let i = 0; i < w.length && i < MAX_WORD; i++) unchecked((this.tmp[this.tmpLen++] = <u16>w.charCodeAt(i)));
    const found = this.find();
    if (found >= 0) return found;
    const id = this.words.length;
    this.words.push(w);
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
        const w = unchecked(this.words[id]);
        if (w.length == this.tmpLen) {
          let same = true;
          for (let i = 0; i < this.tmpLen; i++) if (<i32>w.charCodeAt(i) != <i32>unchecked(this.tmp[i])) { same = false; break; }
          if (same) return id;
        }
      }
      slot = (slot + 1) & (CAP - 1);
    }
  }

  /** Loads buf[from, to) into tmp, undoes leetspeak when asked, stems, looks up. */
  lookupSpan(buf: Uint16Array, from: i32, to: i32, deleet: bool): i32 {
    const n = to - from;
    if (n > MAX_WORD || n <= 0) return -1;
    for (let i = 0; i < n; i++) {
      let c = <i32>unchecked(buf[from + i]);
      if (deleet) c = unleet(c);
      unchecked((this.tmp[i] = <u16>c));
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

@inline function endsWith(w: Uint16Array, n: i32, suffix: string): bool {
  const k = suffix.length;
  if (n < k) return false;
  for (let i = 0; i < k; i++) if (<i32>unchecked(w[n - k + i]) != <i32>suffix.charCodeAt(i)) return false;
  return true;
}

/** A light suffix stripper (English-ish, applied the same way to patterns and text). */
export function stem(w: Uint16Array, n: i32): i32 {
  if (n > 4 && endsWith(w, n, "ies")) { unchecked((w[n - 3] = 0x79)); n -= 2; }
  else if (n > 3 && unchecked(w[n - 1]) == 0x73 && !endsWith(w, n, "ss") && !endsWith(w, n, "us") && !endsWith(w, n, "is")) n -= 1;
  if (n > 5 && endsWith(w, n, "ing")) n -= 3;
  else if (n > 4 && endsWith(w, n, "ed")) n -= 2;
  if (n > 4 && endsWith(w, n, "ion")) n -= 3;
  if (n > 3 && unchecked(w[n - 1]) == 0x65) n -= 1;
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
@inline function isWordChar(c: i32): bool {
  if (c < 0x80) return isAlnum(c);
  if (c < 0xc0) return false;
  if (c >= 0x2000 && c <= 0x2bff) return false;
  if (c >= 0x3000 && c <= 0x303f) return false;
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
  const len = f.len;
  let i = 0;
  let lastEnd = -10;
  while (i < len) {
    let c = <i32>unchecked(buf[i]);
    if (!isWordChar(c) && !(isLeetPunct(c) && leetRunEndsInWord(buf, i, len))) {
      if (c == 0x27 && i > 0 && i + 1 < len && isAlnum(<i32>unchecked(buf[i - 1])) && isAlnum(<i32>unchecked(buf[i + 1]))) {
        // "don't" → "dont": handled by the token loop below, never reached here.
      }
      i++;
      continue;
    }
    const start = i;
    let letters = 0;
    let leet = 0;
    let apostrophes = 0;
    while (i < len) {
      c = <i32>unchecked(buf[i]);
      if (isWordChar(c)) { if (isDigit(c)) leet++; else letters++; i++; continue; }
      if (isLeetPunct(c) && leetRunEndsInWord(buf, i, len)) { leet++; i++; continue; }
      if (c == 0x27 && i + 1 < len && i > start && isAlnum(<i32>unchecked(buf[i + 1]))) { apostrophes++; i++; continue; }
      break;
    }
    const gap = start - lastEnd;
    lastEnd = i;
    const n = i - start;
    if (n == 1) {
      // Single characters separated by one character each may spell a word out.
      if (gap > 1) flushRun(out, lex);
      if (out.runLen < out.run.length) unchecked((out.run[out.runLen++] = <u16>(letters > 0 ? c0(buf, start) : unleet(c0(buf, start)))));
      continue;
    }
    flushRun(out, lex);
    const deleet = leet > 0 && letters > 0;
    let id: i32;
    if (apostrophes > 0) id = lookupWithout(buf, start, i, lex, deleet);
    else {
      id = lex.lookupSpan(buf, start, i, deleet);
      if (deleet && id >= 0) out.tricks |= TRICK_LEET;
      if (deleet && id < 0) id = lex.lookupSpan(buf, start, i, false);
    }
    out.add(id);
  }
  flushRun(out, lex);
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
 * cut greedily into the longest words the lexicon knows ("ignoreall" → ignore, all).
 */
function flushRun(out: Tokens, lex: Lexicon): void {
  const n = out.runLen;
  out.runLen = 0;
  if (n == 0) return;
  const run = out.run;
  if (n < 3) {
    for (let k = 0; k < n; k++) out.add(lex.lookupSpan(run, k, k + 1, false));
    return;
  }
  let p = 0;
  let found = false;
  while (p < n) {
    let matched = 0;
    for (let l = min(14, n - p); l >= 2; l--) {
      const id = lex.lookupSpan(run, p, p + l, false);
      if (id >= 0) { out.add(id); matched = l; found = true; break; }
    }
    if (matched == 0) { out.add(lex.lookupSpan(run, p, p + 1, false)); p++; }
    else p += matched;
  }
  if (found) out.tricks |= TRICK_SPACED;
}
