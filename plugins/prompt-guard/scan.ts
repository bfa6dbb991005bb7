// Scanning one text: fold, tokenize, match phrases and markers, add the Unicode signals, and
// decode what looks encoded (base64, hex, %XX, Caesar shifts, reversed text, Morse, binary, HTML
// entities, \u escapes) to scan it again, one level down.
import { Folded, fold, TRICK_ENCODED, TRICK_LEET, TRICK_SPACED } from "./fold";
import { urlBeacons } from "./beacons";
import { Tokens, tokenize } from "./words";
import { Compiled, Hits, matchPhrases, matchMarkers, decodeTriggers, TRIGGER_REVERSED } from "./matcher";
import { decodeBinary, decodeEntities, decodeMorse, decodeUnicodeEscapes } from "./ciphers";
import { DEFS, SIG_ZERO_WIDTH_MANY, SIG_ZERO_WIDTH, SIG_BIDI_IN_WORD, SIG_BIDI, SIG_MIXED_SCRIPT_MANY, SIG_MIXED_SCRIPT,
  SIG_TAGS, SIG_OBFUSCATED_HIT, SIGNAL, SIG_BASE64, SIG_HEX, SIG_URL_ENCODED, SIG_ROT13, SIG_REVERSED,
  SIG_CAESAR, SIG_MORSE, SIG_BINARY, SIG_ENTITIES, SIG_UNICODE_ESCAPES } from "./patterns";
import { hexValue } from "./json";
import { TokenFeatures, extractFeatures } from "./features";
import { Classification, classify, categoryOf } from "./classifier";
import { DEFAULT_THRESHOLD } from "./model-weights";
import { SIG_CLASSIFIER } from "./patterns";

export class Settings {
  threshold: f64 = 1;
  enabled: StaticArray<bool> = new StaticArray<bool>(8).fill(true);
  decode: bool = true;
  /** The learned classifier (classifier.ts) as a second signal, and its threshold as log-odds. */
  classifier: bool = true;
  classifierLogit: f64 = Math.log(DEFAULT_THRESHOLD / (1 - DEFAULT_THRESHOLD));
}

export class Verdict {
  score: f64 = 0;
  best: i32 = -1;
  tricks: i32 = 0;
  /** Reported by the classifier alone (no pattern reached the threshold); score is then its probability. */
  classified: bool = false;
}

const MAX_DEPTH: i32 = 2;

/** Per nesting level: decoded payloads are scanned with their own buffers. */
class Level {
  folded: Folded = new Folded();
  tokens: Tokens = new Tokens();
  hits: Hits = new Hits();
  aux: Folded = new Folded();
}

export class Scanner {
  levels: Array<Level> = [];
  features: TokenFeatures = new TokenFeatures();
  classification: Classification = new Classification();
  constructor(public c: Compiled, public settings: Settings) {
    for (let i = 0; i <= MAX_DEPTH; i++) this.levels.push(new Level());
  }

  scan(s: string, from: i32, to: i32): Verdict {
    return this.scanAt(s, from, to, 0);
  }

  scanAt(s: string, from: i32, to: i32, depth: i32): Verdict {
    const L = this.levels[depth];
    const f = L.folded;
    f.reset();
    fold(s, from, to, f);
    const hits = L.hits;
    hits.reset(DEFS.length);
    this.matchFolded(f, L.tokens, hits);
    const tokensTricks = L.tokens.tricks;
    const triggers = decodeTriggers(this.c, L.tokens);
    const ftricks = f.tricks();

    if (f.zeroWidthInWord >= 3) hits.add(SIG_ZERO_WIDTH_MANY);
    else if (f.zeroWidthInWord > 0) hits.add(SIG_ZERO_WIDTH);
    if (f.bidiInWord > 0 || f.bidiOverride > 0) hits.add(SIG_BIDI_IN_WORD);
    else if (f.bidi > 0) hits.add(SIG_BIDI);
    if (f.mixedWords >= 3) hits.add(SIG_MIXED_SCRIPT_MANY);
    else if (f.mixedWords > 0) hits.add(SIG_MIXED_SCRIPT);
    if (f.tags >= 4) hits.add(SIG_TAGS);

    urlBeacons(s, from, to, hits);
    if (this.settings.decode && depth < MAX_DEPTH) {
      // At most two shifts: a shifted text names several trigger words, all under the same shift.
      let shifts = triggers & ~TRIGGER_REVERSED;
      for (let tries = 0; shifts != 0 && tries < 2; tries++) {
        const k = ctz(shifts);
        shifts &= shifts - 1;
        this.rescanTransformed(f, L, hits, depth, k == 13 ? SIG_ROT13 : SIG_CAESAR, 26 - k);
      }
      if (triggers & TRIGGER_REVERSED) this.rescanTransformed(f, L, hits, depth, SIG_REVERSED, 0);
      if (f.encodedHint) {
        this.decodeRuns(s, from, to, hits, depth);
        this.decodeCiphers(s, from, to, hits, depth);
      }
    }

    const v = new Verdict();
    v.tricks = ftricks | tokensTricks;
    let phraseHit = false;
    for (let i = 0; i < hits.list.length; i++) {
      const d = DEFS[hits.list[i]];
      if (!this.settings.enabled[d.category]) continue;
      if (d.kind != SIGNAL) phraseHit = true;
      v.score += d.weight;
      if (v.best < 0 || d.weight > DEFS[v.best].weight) v.best = hits.list[i];
      if ((hits.list[i] >= SIG_BASE64 && hits.list[i] <= SIG_REVERSED) || (hits.list[i] >= SIG_CAESAR && hits.list[i] <= SIG_UNICODE_ESCAPES)) v.tricks |= TRICK_ENCODED;
    }
    // A suspicious phrase written with a bypass trick is worse than either alone.
    const obfuscation = ftricks | (tokensTricks & (TRICK_LEET | TRICK_SPACED));
    if (phraseHit && obfuscation != 0 && this.settings.enabled[DEFS[SIG_OBFUSCATED_HIT].category]) {
      v.score += DEFS[SIG_OBFUSCATED_HIT].weight;
      if (v.best < 0) v.best = SIG_OBFUSCATED_HIT;
    }
    // The classifier reads the outer text only, and only when the patterns did not already decide.
    if (depth == 0 && this.settings.classifier && v.score < this.settings.threshold) this.classifyFolded(f, v);
    return v;
  }

  classifyFolded(f: Folded, v: Verdict): void {
    const c = this.classification;
    extractFeatures(f, this.features);
    classify(this.features, c);
    if (c.logit < this.settings.classifierLogit) return;
    const k = categoryOf(this.features, c, this.settings.enabled);
    if (k < 0) return;
    v.classified = true;
    v.best = SIG_CLASSIFIER + k;
    v.score = 1 / (1 + Math.exp(-c.logit));
  }

  matchFolded(f: Folded, t: Tokens, hits: Hits): void {
    tokenize(f, this.c.lex, t);
    matchPhrases(this.c, t, hits);
    matchMarkers(this.c, f, hits);
  }

  /** The folded text shifted by `rot` letters (1..25), or reversed (0), matched again; a hit there is an encoded payload. */
  rescanTransformed(f: Folded, L: Level, hits: Hits, depth: i32, signal: i32, rot: i32): void {
    const aux = L.aux;
    aux.reset();
    for (let i = 0; i < f.len; i++) {
      let ch = rot != 0 ? f.at(i) : f.at(f.len - 1 - i);
      if (rot != 0 && ch >= 0x61 && ch <= 0x7a) ch = ((ch - 0x61 + rot) % 26) + 0x61;
      aux.push(ch);
    }
    const inner = this.levels[depth + 1];
    inner.hits.reset(DEFS.length);
    this.matchFolded(aux, inner.tokens, inner.hits);
    if (this.strongEnough(inner.hits)) hits.add(signal);
  }

  strongEnough(h: Hits): bool {
    let score: f64 = 0;
    for (let i = 0; i < h.list.length; i++) {
      const d = DEFS[h.list[i]];
      if (d.weight >= 0.6) return true;
      score += d.weight;
    }
    return score >= 0.6;
  }

  /** Runs of base64, hex or %XX in the raw text, decoded to printable ASCII and scanned. */
  decodeRuns(s: string, from: i32, to: i32, hits: Hits, depth: i32): void {
    let i = from;
    let percents = 0;
    while (i < to) {
      const ch = s.charCodeAt(i);
      if (ch == 0x5c && i + 3 < to && s.charCodeAt(i + 1) == 0x78) {
        const decoded = decodeSeparatedHex(s, i + 2, to);
        if (decoded.length > 0) { this.tryDecoded(decoded, hits, depth, SIG_HEX); i += 2 + decoded.length * 4; continue; }
      }
      if (ch == 0x25 && i + 2 < to && hexValue(s.charCodeAt(i + 1)) >= 0 && hexValue(s.charCodeAt(i + 2)) >= 0) percents++;
      if (!isBase64Char(ch)) { i++; continue; }
      const start = i;
      let letters = 0;
      let upper = 0;
      let digits = 0;
      while (i < to && isBase64Char(s.charCodeAt(i))) {
        const c = s.charCodeAt(i);
        if (c >= 0x41 && c <= 0x5a) upper++;
        else if (c >= 0x30 && c <= 0x39) digits++;
        else if (c >= 0x61 && c <= 0x7a) letters++;
        i++;
      }
      let end = i;
      while (end < to && s.charCodeAt(end) == 0x3d) end++;
      const n = i - start;
      if (n >= 16) {
        if (isHexRun(s, start, i)) this.tryDecoded(decodeHex(s, start, i), hits, depth, SIG_HEX);
        else if (upper > 0 && letters > 0) this.tryDecoded(decodeBase64(s, start, i), hits, depth, SIG_BASE64);
      }
      if (n == 2 && hexValue(s.charCodeAt(start)) >= 0 && hexValue(s.charCodeAt(start + 1)) >= 0) {
        // "69 67 6e 6f ..." or "\x69\x67...": pairs with one separator between them.
        const decoded = decodeSeparatedHex(s, start, to);
        if (decoded.length > 0) {
          this.tryDecoded(decoded, hits, depth, SIG_HEX);
          i = max(i, start + decoded.length * 3);
        }
      }
      i = max(i, end);
    }
    if (percents >= 6) this.tryDecoded(decodePercent(s, from, to), hits, depth, SIG_URL_ENCODED);
  }

  /** Morse, binary, HTML entities and \u escapes, decoded in place (a few units at least) and scanned. */
  decodeCiphers(s: string, from: i32, to: i32, hits: Hits, depth: i32): void {
    let amps = 0, escapes = 0, bits = 0, morse = 0;
    for (let i = from; i < to; i++) {
      const c = s.charCodeAt(i);
      if (c == 0x26) amps++;
      else if (c == 0x5c && i + 1 < to && (s.charCodeAt(i + 1) | 0x20) == 0x75) escapes++;
      else if (c == 0x30 || c == 0x31) bits++;
      else if (c == 0x2e || c == 0x2d || c == 0x5f) morse++;
    }
    // Decoded text is judged by what it adds: a benign text with a weak phrase must not count twice.
    const base = plainScore(hits);
    if (amps >= 3) this.tryGain(decodeEntities(s, from, to, 3), hits, depth, SIG_ENTITIES, base);
    if (escapes >= 3) this.tryGain(decodeUnicodeEscapes(s, from, to, 3), hits, depth, SIG_UNICODE_ESCAPES, base);
    if (bits >= 24) this.tryGain(decodeBinary(s, from, to, 3), hits, depth, SIG_BINARY, base);
    if (morse >= 12) this.tryGain(decodeMorse(s, from, to, 5), hits, depth, SIG_MORSE, base);
  }

  tryGain(text: string, hits: Hits, depth: i32, signal: i32, base: f64): void {
    if (text.length < 8) return;
    const inner = this.scanAt(text, 0, text.length, depth + 1);
    if (inner.best >= 0 && inner.score - base >= 0.6) hits.add(signal);
  }

  tryDecoded(text: string, hits: Hits, depth: i32, signal: i32): void {
    if (text.length < 8 || !mostlyPrintable(text)) return;
    const inner = this.scanAt(text, 0, text.length, depth + 1);
    if (inner.best >= 0 && (inner.score >= 0.6)) hits.add(signal);
  }
}

function plainScore(h: Hits): f64 {
  let score: f64 = 0;
  for (let i = 0; i < h.list.length; i++) score += DEFS[h.list[i]].weight;
  return score;
}

@inline function isBase64Char(c: i32): bool {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c == 0x2b || c == 0x2f || c == 0x2d || c == 0x5f;
}

function isHexRun(s: string, from: i32, to: i32): bool {
  if ((to - from) % 2 != 0) return false;
  for (let i = from; i < to; i++) if (hexValue(s.charCodeAt(i)) < 0) return false;
  return true;
}

function mostlyPrintable(t: string): bool {
  let ok = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if ((c >= 0x20 && c < 0x7f) || c == 0x0a || c == 0x09 || c == 0x0d) ok++;
  }
  return ok * 10 >= t.length * 9;
}

function b64(c: i32): i32 {
  if (c >= 0x41 && c <= 0x5a) return c - 0x41;
  if (c >= 0x61 && c <= 0x7a) return c - 0x61 + 26;
  if (c >= 0x30 && c <= 0x39) return c - 0x30 + 52;
  if (c == 0x2b || c == 0x2d) return 62;
  if (c == 0x2f || c == 0x5f) return 63;
  return -1;
}

export function decodeBase64(s: string, from: i32, to: i32): string {
  const codes = new Array<i32>();
  let acc = 0;
  let bits = 0;
  for (let i = from; i < to; i++) {
    const v = b64(s.charCodeAt(i));
    if (v < 0) break;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      codes.push((acc >> bits) & 0xff);
    }
  }
  return bytesToString(codes);
}

/** UTF-8 bytes to a string; invalid sequences become U+FFFD (and fail the printable check). */
function bytesToString(bytes: Array<i32>): string {
  const buf = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) buf[i] = <u8>bytes[i];
  return String.UTF8.decode(buf.buffer);
}

function decodeHex(s: string, from: i32, to: i32): string {
  const codes = new Array<i32>();
  for (let i = from; i + 1 < to; i += 2) codes.push((hexValue(s.charCodeAt(i)) << 4) | hexValue(s.charCodeAt(i + 1)));
  return bytesToString(codes);
}

function decodeSeparatedHex(s: string, start: i32, to: i32): string {
  const codes = new Array<i32>();
  let i = start;
  while (i + 1 < to) {
    const a = hexValue(s.charCodeAt(i));
    const b = hexValue(s.charCodeAt(i + 1));
    if (a < 0 || b < 0) break;
    if (i + 2 < to && isBase64Char(s.charCodeAt(i + 2)) && s.charCodeAt(i + 2) != 0x78) break;
    codes.push((a << 4) | b);
    i += 2;
    if (i < to) {
      const sep = s.charCodeAt(i);
      if (sep == 0x5c && i + 1 < to && s.charCodeAt(i + 1) == 0x78) i += 2;
      else if (sep == 0x20 || sep == 0x2c || sep == 0x3a || sep == 0x2d) {
        i++;
        if (i + 1 < to && s.charCodeAt(i) == 0x30 && s.charCodeAt(i + 1) == 0x78) i += 2;
      } else break;
    }
  }
  if (codes.length < 8) return "";
  return bytesToString(codes);
}

function decodePercent(s: string, from: i32, to: i32): string {
  const codes = new Array<i32>();
  let i = from;
  while (i < to) {
    const c = s.charCodeAt(i);
    if (c == 0x25 && i + 2 < to && hexValue(s.charCodeAt(i + 1)) >= 0 && hexValue(s.charCodeAt(i + 2)) >= 0) {
      codes.push((hexValue(s.charCodeAt(i + 1)) << 4) | hexValue(s.charCodeAt(i + 2)));
      i += 3;
    } else {
      codes.push(c < 0x80 ? c : 0x3f);
      i++;
    }
  }
  return bytesToString(codes);
}
