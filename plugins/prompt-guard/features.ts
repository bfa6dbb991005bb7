// The learned classifier's features: hashed word unigrams and bigrams of the folded text (the same
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
  n: i32 = 0;
  tmp: Uint16Array = new Uint16Array(MAX_WORD + 4);
  lastHash: u32 = 0;

  reset(): void { this.n = 0; }

  push(h: u32, prefix: i32): void {
    if (this.n >= this.uni.length) {
      const u = new Int32Array(this.uni.length * 2);
      u.set(this.uni);
      this.uni = u;
      const b = new Int32Array(this.bi.length * 2);
      b.set(this.bi);
      this.bi = b;
      const p = new Int32Array(this.pre.length * 2);
      p.set(this.pre);
      this.pre = p;
    }
    unchecked((this.pre[this.n] = prefix));
    unchecked((this.uni[this.n] = bucket(h)));
    unchecked((this.bi[this.n] = this.n > 0 ? bucket(mix2(this.lastHash, h)) : -1));
    this.lastHash = h;
    this.n++;
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

/** Tokens of `f` to `out`. */
export function extractFeatures(f: Folded, out: TokenFeatures): void {
  out.reset();
  const bp = f.buf.dataStart; // raw reads: see fold.ts on the shadow stack
  const len = f.len;
  const tp = out.tmp.dataStart;
  let i = 0;
  while (i < len) {
    let c = <i32>load<u16>(bp + (<usize>i << 1));
    if (!isWordChar(c)) { i++; continue; }
    if (isCjk(c)) {
      // Characters in pairs: "忽略" "略之" "之前" ... (a lone character counts alone).
      const start = i;
      while (i < len && isCjk(<i32>load<u16>(bp + (<usize>i << 1)))) i++;
      if (i - start == 1) out.push(fnv(bp + (<usize>start << 1), 1), -1);
      for (let k = start; k + 1 < i; k++) out.push(fnv(bp + (<usize>k << 1), 2), -1);
      continue;
    }
    const start = i;
    let digits = 0;
    let letters = 0;
    while (i < len) {
      c = <i32>load<u16>(bp + (<usize>i << 1));
      if (!isWordChar(c) || isCjk(c)) break;
      if (c >= 0x30 && c <= 0x39) digits++; else letters++;
      i++;
    }
    const n = min(i - start, MAX_WORD);
    const deleet = digits > 0 && letters > 0;
    for (let k = 0; k < n; k++) {
      let ch = <i32>load<u16>(bp + (<usize>(start + k) << 1));
      if (deleet) ch = unleet(ch);
      store<u16>(tp + (<usize>k << 1), <u16>ch);
    }
    // Pure numbers are one feature: "1999" and "2024" say the same thing here.
    if (letters == 0) { out.push(0x6e756d, -1); continue; }
    // The prefix before stemming (stem() rewrites tmp); words of 6+ characters only.
    const prefix = n >= 6 ? bucket(fnv(tp, 4) ^ 0x70726566) : -1;
    out.push(fnv(tp, stem(out.tmp, n)), prefix);
  }
}
