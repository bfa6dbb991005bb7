// The learned classifier's features: hashed word unigrams, bigrams and prefixes of the folded text (the same
// folding the patterns see, so fullwidth, look-alike and invisible-character tricks do not change
// them). Words are lower-cased, de-leeted when they mix letters and digits, and stemmed like pattern
// words; a run of CJK/kana (no spaces between words) is read as overlapping character pairs.
// tools/featurize.ts exports exactly this to tools/train.ts, so training and scanning agree.
import { Folded } from "./fold";
import { isWordChar, stem, unleet } from "./words";

/** Hashed feature space of the injection-vs-benign weights: 2^FEATURE_BITS buckets. */
export const FEATURE_BITS: i32 = 16;
/** The per-category weights use the low CATEGORY_BITS of the same index. */
export const CATEGORY_BITS: i32 = 12;
const MAX_WORD: i32 = 40;

/**
 * Per token: its unigram bucket, the bucket of the bigram it ends (-1 for the first token), and the
 * bucket of its first four letters for longer words (-1 otherwise), which carries a word's meaning
 * across inflections the stemmer does not know ("restricciones", "restrictions", "Restriktionen").
 */
export class TokenFeatures {
  uni: Int32Array = new Int32Array(1024);
  bi: Int32Array = new Int32Array(1024);
  pre: Int32Array = new Int32Array(1024);
  /** Word hashes, before they become buckets. */
  hashes: Uint32Array = new Uint32Array(1024);
  n: i32 = 0;

  /** Twice the room, keeping the first `n` hashes and prefixes (the extraction loop writes through raw pointers). */
  grow(n: i32): void {
    const size = this.uni.length * 2;
    const h = new Uint32Array(size);
    h.set(this.hashes.subarray(0, n));
    this.hashes = h;
    const p = new Int32Array(size);
    p.set(this.pre.subarray(0, n));
    this.pre = p;
    this.uni = new Int32Array(size);
    this.bi = new Int32Array(size);
  }
}

@inline function bucket(h: u32): i32 {
  return <i32>((h * 0x9e3779b1) >>> (32 - FEATURE_BITS));
}

@inline function mix2(a: u32, b: u32): u32 {
  return ((a ^ 0x5bd1e995) * 16777619 + b) ^ 0x2545f491;
}

@inline function isCjk(c: i32): bool {
  return (c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff);
}

function fnv(p: usize, n: i32): u32 {
  let h: u32 = 2166136261;
  for (let i = 0; i < n; i++) { h ^= <u32>load<u16>(p + (<usize>i << 1)); h *= 16777619; }
  return h;
}

/** The word being hashed (de-leeted when needed); stem() shortens it in place. */
const word = new Uint16Array(MAX_WORD + 4);
/** wordHash's second result. */
let prefixOut: i32 = -1;

// Word → (stemmed hash, prefix bucket) for plain words, remembered across calls: most words of a
// request are common ones seen before, and a hit skips copying and stemming (as words.ts does).
const CACHE_SIZE: i32 = 4096;
const cacheKey = new StaticArray<u32>(CACHE_SIZE);
const cacheLen = new StaticArray<i32>(CACHE_SIZE);
const cacheHash = new StaticArray<u32>(CACHE_SIZE);
const cachePre = new StaticArray<i32>(CACHE_SIZE);

/** The stemmed hash of word[0, n) (words.ts's stemmer), and the bucket of its prefix (6+ letters) in `prefixOut`. */
function wordHash(n: i32): u32 {
  const wp = word.dataStart;
  prefixOut = n >= 6 ? bucket(fnv(wp, 4) ^ 0x70726566) : -1;
  return fnv(wp, stem(word, n));
}

/** Tokens of `f` to `out`. */
// Raw pointers throughout: see fold.ts on the shadow stack.
export function extractFeatures(f: Folded, out: TokenFeatures): void {
  const len = f.len;
  const bp = f.buf.dataStart;
  let hp = out.hashes.dataStart;
  let pp = out.pre.dataStart;
  let cap = out.uni.length;
  const tp = word.dataStart;
  let n = 0;
  let i = 0;
  while (i < len) {
    let c = <i32>load<u16>(bp + (<usize>i << 1));
    if (!isWordChar(c)) { i++; continue; }
    const start = i;
    if (isCjk(c)) {
      // Characters in pairs: "忽略" "略之" "之前" ... (a lone character counts alone).
      while (i < len && isCjk(<i32>load<u16>(bp + (<usize>i << 1)))) i++;
      while (n + (i - start) > cap) {
        out.grow(n);
        hp = out.hashes.dataStart;
        pp = out.pre.dataStart;
        cap = out.uni.length;
      }
      if (i - start == 1) { store<u32>(hp + (<usize>n << 2), fnv(bp + (<usize>start << 1), 1)); store<i32>(pp + (<usize>n << 2), -1); n++; }
      for (let k = start; k + 1 < i; k++) { store<u32>(hp + (<usize>n << 2), fnv(bp + (<usize>k << 1), 2)); store<i32>(pp + (<usize>n << 2), -1); n++; }
      continue;
    }
    if (n >= cap) {
      out.grow(n);
      hp = out.hashes.dataStart;
      pp = out.pre.dataStart;
      cap = out.uni.length;
    }
    let digits = 0;
    let letters = 0;
    let raw: u32 = 2166136261;
    while (i < len) {
      c = <i32>load<u16>(bp + (<usize>i << 1));
      if (!isWordChar(c) || isCjk(c)) break;
      if (c >= 0x30 && c <= 0x39) digits++; else letters++;
      raw = (raw ^ <u32>c) * 16777619;
      i++;
    }
    const wn = min(i - start, MAX_WORD);
    let h: u32;
    let prefix = -1;
    if (letters == 0) {
      h = 0x6e756d; // pure numbers are one feature: "1999" and "2024" say the same thing here
    } else if (digits > 0) {
      // Leetspeak ("1gn0re"): undone, never cached.
      for (let k = 0; k < wn; k++) store<u16>(tp + (<usize>k << 1), <u16>unleet(<i32>load<u16>(bp + (<usize>(start + k) << 1))));
      h = wordHash(wn);
      prefix = prefixOut;
    } else {
      const slot = <usize>((raw ^ (raw >>> 15)) & <u32>(CACHE_SIZE - 1));
      const kp = changetype<usize>(cacheKey) + (slot << 2);
      const lp = changetype<usize>(cacheLen) + (slot << 2);
      if (load<u32>(kp) == raw && load<i32>(lp) == wn) {
        h = load<u32>(changetype<usize>(cacheHash) + (slot << 2));
        prefix = load<i32>(changetype<usize>(cachePre) + (slot << 2));
      } else {
        for (let k = 0; k < wn; k++) store<u16>(tp + (<usize>k << 1), load<u16>(bp + (<usize>(start + k) << 1)));
        h = wordHash(wn);
        prefix = prefixOut;
        store<u32>(kp, raw);
        store<i32>(lp, wn);
        store<u32>(changetype<usize>(cacheHash) + (slot << 2), h);
        store<i32>(changetype<usize>(cachePre) + (slot << 2), prefix);
      }
    }
    store<u32>(hp + (<usize>n << 2), h);
    store<i32>(pp + (<usize>n << 2), prefix);
    n++;
  }
  // Buckets: unigrams, and bigrams of neighbouring tokens.
  const up = out.uni.dataStart;
  const bip = out.bi.dataStart;
  let last: u32 = 0;
  for (let k = 0; k < n; k++) {
    const h = load<u32>(hp + (<usize>k << 2));
    store<i32>(up + (<usize>k << 2), bucket(h));
    store<i32>(bip + (<usize>k << 2), k > 0 ? bucket(mix2(last, h)) : -1);
    last = h;
  }
  out.n = n;
}
