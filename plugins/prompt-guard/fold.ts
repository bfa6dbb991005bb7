// Folding: one pass turning text into the form patterns are written in — NFKC compatibility forms
// and accents folded to ASCII, look-alike Cyrillic/Greek letters to Latin, lower case, invisible
// characters removed — while counting the tricks met on the way (they are signals themselves).
import { FOLD_KEYS, FOLD_VALUES } from "./fold-table";

export const TRICK_ZERO_WIDTH: i32 = 1;
export const TRICK_BIDI: i32 = 2;
export const TRICK_HOMOGLYPH: i32 = 4;
export const TRICK_COMPAT: i32 = 8; // fullwidth, mathematical, enclosed, ligatures
export const TRICK_TAGS: i32 = 16; // Unicode tag characters (invisible ASCII)
export const TRICK_LEET: i32 = 32;
export const TRICK_SPACED: i32 = 64;
export const TRICK_ENCODED: i32 = 128;
export const TRICK_MARKS: i32 = 256; // combining marks stacked on Latin letters

export class Folded {
  buf: Uint16Array = new Uint16Array(4096);
  len: i32 = 0;
  /** Invisible characters between two Latin letters. */
  zeroWidthInWord: i32 = 0;
  /** Bidi embedding/override/isolate controls, and how many sit inside Latin words. */
  bidi: i32 = 0;
  bidiInWord: i32 = 0;
  /** Right-to-left/left-to-right overrides (U+202D/U+202E): they display text other than what the model reads. */
  bidiOverride: i32 = 0;
  /** Combining marks stacked on Latin letters (Zalgo text). */
  marksOnLatin: i32 = 0;
  /** Words mixing Latin with Cyrillic/Greek look-alikes. */
  mixedWords: i32 = 0;
  lookalikes: i32 = 0;
  /** Unicode tag characters (U+E0020..E007E), decoded to the ASCII they hide. */
  tags: i32 = 0;
  compat: i32 = 0;
  nonAscii: i32 = 0;
  /** Something may be encoded (a long base64/hex run, %XX, \\x, spaced hex pairs): worth a decoding pass. */
  encodedHint: bool = false;

  reset(): void {
    this.len = 0;
    this.zeroWidthInWord = 0;
    this.bidi = 0;
    this.bidiInWord = 0;
    this.bidiOverride = 0;
    this.marksOnLatin = 0;
    this.mixedWords = 0;
    this.lookalikes = 0;
    this.tags = 0;
    this.compat = 0;
    this.nonAscii = 0;
    this.encodedHint = false;
  }

  tricks(): i32 {
    let t = 0;
    if (this.zeroWidthInWord > 0) t |= TRICK_ZERO_WIDTH;
    if (this.bidi > 0) t |= TRICK_BIDI;
    if (this.mixedWords > 0 || this.lookalikes >= 3) t |= TRICK_HOMOGLYPH;
    if (this.compat > 0) t |= TRICK_COMPAT;
    if (this.tags > 0) t |= TRICK_TAGS;
    if (this.marksOnLatin >= 3) t |= TRICK_MARKS;
    return t;
  }

  /** Room for `n` more characters: the fold loop then writes through a raw pointer. */
  reserve(n: i32): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const bigger = new Uint16Array(size);
    bigger.set(this.buf.subarray(0, this.len));
    this.buf = bigger;
  }

  @inline push(c: i32): void {
    if (this.len >= this.buf.length) {
      const bigger = new Uint16Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    unchecked((this.buf[this.len++] = <u16>c));
  }

  @inline at(i: i32): i32 { return <i32>unchecked(this.buf[i]); }
}

function lookup(cp: u32): i32 {
  let lo = 0;
  let hi = FOLD_KEYS.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const k = unchecked(FOLD_KEYS[mid]);
    if (k == cp) return mid;
    if (k < cp) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

@inline function isLatinLetter(c: i32): bool { return c >= 0x61 && c <= 0x7a; }

/** Removed without a trace, but counted when they split a Latin word. */
function isInvisible(cp: u32): bool {
  return (cp >= 0x200b && cp <= 0x200d) || (cp >= 0x2060 && cp <= 0x2064) || cp == 0xfeff || cp == 0x180e ||
    cp == 0x034f || cp == 0x115f || cp == 0x1160 || cp == 0x3164 || cp == 0xffa0 || cp == 0x17b4 || cp == 0x17b5;
}

function isBidiControl(cp: u32): bool {
  return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/** Removed silently: marks that legitimately appear in text (RLM, soft hyphen, variation selectors, diacritics). */
function isIgnorable(cp: u32): bool {
  return cp == 0x00ad || cp == 0x200e || cp == 0x200f || cp == 0x061c || (cp >= 0xfe00 && cp <= 0xfe0f) ||
    (cp >= 0xe0100 && cp <= 0xe01ef) || (cp >= 0x0300 && cp <= 0x036f) || (cp >= 0x1ab0 && cp <= 0x1aff) ||
    (cp >= 0x1dc0 && cp <= 0x1dff) || (cp >= 0x20d0 && cp <= 0x20ff) || (cp >= 0xfe20 && cp <= 0xfe2f) ||
    // Arabic short vowels and shadda: optional in writing, so "انسَ" reads as "انس".
    (cp >= 0x064b && cp <= 0x065f) || cp == 0x0670;
}

const LETTER: i32 = 1;
const UPPER: i32 = 2;
const DIGIT: i32 = 4;
const HEX: i32 = 8;
const B64: i32 = 16;
const CONTROL: i32 = 32;

const ASCII_CLASS: StaticArray<u8> = buildAsciiClass();

function buildAsciiClass(): StaticArray<u8> {
  const t = new StaticArray<u8>(128);
  for (let c = 0; c < 128; c++) {
    let v = 0;
    if (c >= 0x61 && c <= 0x7a) v = LETTER | B64 | (c <= 0x66 ? HEX : 0);
    else if (c >= 0x41 && c <= 0x5a) v = LETTER | UPPER | B64 | (c <= 0x46 ? HEX : 0);
    else if (c >= 0x30 && c <= 0x39) v = DIGIT | B64 | HEX;
    else if (c == 0x2b || c == 0x2f || c == 0x2d || c == 0x5f) v = B64;
    else if (c < 0x20 && c != 0x0a) v = CONTROL;
    t[c] = <u8>v;
  }
  return t;
}

/** Folds `s[from, to)` into `out` (appending). */
// The loop reads and writes through raw pointers: with AssemblyScript's incremental GC every use of
// an object reference inside a loop is spilled to the shadow stack, which made this pass 3x slower.
export function fold(s: string, from: i32, to: i32, out: Folded): void {
  if (to > s.length) to = s.length;
  if (from >= to) return;
  out.reserve((to - from) * 3 + 4);
  const src = changetype<usize>(s);
  const dst = out.buf.dataStart;
  let n = out.len;
  let prevLatin = n > 0 && isLatinLetter(<i32>load<u16>(dst + ((<usize>n - 1) << 1)));
  let pendingInvisible = false; // an invisible character right after a Latin letter
  let pendingBidi = false;
  let wordLatin = false;
  let wordLookalike = false;
  let wordCounted = false;
  let run = 0; // base64-alphabet characters in a row
  let runHex = true;
  let hexPairs = 0;
  let escapes = 0;
  let morse = 0; // ".", "-", "/", "|", "_" and spaces in a row
  let morseSeen = 0; // 1: a dot, 2: a dash
  let runBinary = true;
  let binaryGroups = 0;
  for (let i = from; i < to; i++) {
    let cp = <u32>load<u16>(src + (<usize>i << 1));
    if (cp < 0x80) {
      let c = <i32>cp;
      // An escaped newline ("\\n" typed as two characters) reads as a line break to a model.
      if (c == 0x5c && i + 1 < to) {
        const e = <i32>load<u16>(src + (<usize>(i + 1) << 1));
        if (e == 0x6e || e == 0x72) {
          i++;
          pendingInvisible = false; pendingBidi = false;
          wordLatin = false; wordLookalike = false; wordCounted = false;
          if (++escapes >= 4) out.encodedHint = true;
          store<u16>(dst + (<usize>(n++) << 1), 0x0a);
          prevLatin = false;
          continue;
        }
      }
      const cls = <i32>unchecked(ASCII_CLASS[c]);
      if (cls & UPPER) c += 0x20;
      else if (cls & CONTROL) c = 0x20;
      if (cls & LETTER) {
        if (pendingInvisible || pendingBidi) {
          if (prevLatin) {
            if (pendingInvisible) out.zeroWidthInWord++;
            if (pendingBidi) out.bidiInWord++;
          }
        }
        wordLatin = true;
        if (wordLookalike && !wordCounted) { out.mixedWords++; wordCounted = true; }
      } else if (!(cls & DIGIT)) {
        wordLatin = false; wordLookalike = false; wordCounted = false;
      }
      pendingInvisible = false;
      pendingBidi = false;
      store<u16>(dst + (<usize>(n++) << 1), <u16>c);
      prevLatin = (cls & LETTER) != 0;
      // Hints for the decoding pass, so plain text never pays for it.
      if (c == 0x2e || c == 0x2d || c == 0x20 || c == 0x2f || c == 0x7c || c == 0x5f) {
        morse++;
        if (c == 0x2e) morseSeen |= 1;
        else if (c == 0x2d || c == 0x5f) morseSeen |= 2;
        if (morse >= 16 && morseSeen == 3) out.encodedHint = true;
      } else { morse = 0; morseSeen = 0; }
      if (cls & B64) {
        run++;
        if (!(cls & HEX)) runHex = false;
        if (c != 0x30 && c != 0x31) runBinary = false;
      } else {
        if (run >= 16) out.encodedHint = true;
        else if (run == 8 && runBinary) { if (++binaryGroups >= 3) out.encodedHint = true; }
        else if (run == 2 && runHex) { if (++hexPairs >= 8) out.encodedHint = true; }
        else if (run > 0) hexPairs = 0;
        run = 0;
        runHex = true;
        runBinary = true;
        if (c == 0x25 || c == 0x5c || c == 0x26) { if (++escapes >= 4) out.encodedHint = true; }
      }
      continue;
    }
    if (run >= 16) out.encodedHint = true;
    run = 0;
    runHex = true;
    runBinary = true;
    morse = 0;
    morseSeen = 0;
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < to) {
      const lo = <u32>load<u16>(src + (<usize>(i + 1) << 1));
      if (lo >= 0xdc00 && lo <= 0xdfff) { cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00); i++; }
    }
    out.nonAscii++;
    if (isInvisible(cp)) { pendingInvisible = true; continue; }
    if (isBidiControl(cp)) {
      out.bidi++;
      if (cp == 0x202d || cp == 0x202e) out.bidiOverride++;
      pendingBidi = true;
      continue;
    }
    if (isIgnorable(cp)) {
      if (cp >= 0x0300 && cp <= 0x036f && prevLatin) out.marksOnLatin++;
      continue;
    }
    if (cp >= 0xe0020 && cp <= 0xe007e) {
      // Tag characters: invisible, yet models read them as the ASCII they encode.
      out.tags++;
      let c = <i32>(cp - 0xe0000);
      if (c >= 0x41 && c <= 0x5a) c += 0x20;
      store<u16>(dst + (<usize>(n++) << 1), <u16>c);
      prevLatin = isLatinLetter(c);
      continue;
    }
    const k = lookup(cp);
    if (k >= 0) {
      const v = unchecked(FOLD_VALUES[k]);
      if (v & 0x80000000) {
        out.lookalikes++;
        wordLookalike = true;
        if (wordLatin && !wordCounted) { out.mixedWords++; wordCounted = true; }
      } else if (cp >= 0xff01 || (cp >= 0x2460 && cp <= 0x24ff) || (cp >= 0x1d400) || (cp >= 0xfb00 && cp <= 0xfb06)) {
        out.compat++;
      }
      const c0 = <i32>(v & 0xff);
      if (pendingInvisible && isLatinLetter(c0) && prevLatin) out.zeroWidthInWord++;
      pendingInvisible = false;
      pendingBidi = false;
      store<u16>(dst + (<usize>(n++) << 1), <u16>c0);
      const c1 = <i32>((v >> 8) & 0xff);
      if (c1 != 0) store<u16>(dst + (<usize>(n++) << 1), <u16>c1);
      const c2 = <i32>((v >> 16) & 0xff);
      if (c2 != 0) store<u16>(dst + (<usize>(n++) << 1), <u16>c2);
      prevLatin = isLatinLetter(c2 != 0 ? c2 : c1 != 0 ? c1 : c0);
      continue;
    }
    pendingInvisible = false;
    pendingBidi = false;
    wordLatin = false; wordLookalike = false; wordCounted = false;
    let c = <i32>cp;
    if (c >= 0x410 && c <= 0x42f) c += 0x20; // Cyrillic capitals
    else if (c >= 0x391 && c <= 0x3a9) c += 0x20; // Greek capitals
    else if (c == 0x2028 || c == 0x2029 || c == 0x85) c = 0x0a;
    if (c > 0xffff) c = 0x20; // astral symbols (emoji...) separate words
    store<u16>(dst + (<usize>(n++) << 1), <u16>c);
    prevLatin = false;
  }
  out.len = n;
  if (run >= 16) out.encodedHint = true;
}
