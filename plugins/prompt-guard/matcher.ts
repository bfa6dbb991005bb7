// Compiled patterns and the matcher: phrase patterns are indexed by the words their first slot
// accepts, so one pass over the tokens tries only the patterns a token can start.
import { Folded, fold } from "./fold";
import { Lexicon, Tokens, stemString } from "./words";
import { DEFS, PatternDef, definePatterns, SHIFT_TRIGGERS, SIGNAL, MARKER } from "./patterns";

const DEFAULT_GAP: i32 = 3;

export class Phrase {
  // Word ids while compiling; dropped once the bitsets exist.
  slots: Array<Int32Array> = [];
  nots: Int32Array = new Int32Array(0);
  gapList: Array<i32> = [];
  gaps: Int32Array = new Int32Array(0);
  /** Slot k accepts word id w when bit w of bits[k * stride ..] is set; the last block is the cancelling words. */
  bits: Uint32Array = new Uint32Array(0);
  stride: i32 = 0;
  slotCount: i32 = 0;
  hasNots: bool = false;
  constructor(public def: i32) {}
}

export class Marker {
  chars: Uint16Array;
  lineStart: bool;
  /** A trailing "$": the next character must not continue a word ("rm -rf /" but not "rm -rf /tmp"). */
  boundary: bool;
  constructor(public def: i32, literal: string, lineStart: bool) {
    const boundary = literal.endsWith("$") && literal.length > 1;
    const text = boundary ? literal.substring(0, literal.length - 1) : literal;
    const chars = new Uint16Array(text.length);
    for (let i = 0; i < text.length; i++) chars[i] = <u16>text.charCodeAt(i);
    this.chars = chars;
    this.lineStart = lineStart;
    this.boundary = boundary;
  }
}

export class Compiled {
  lex: Lexicon = new Lexicon();
  phrases: Array<Phrase> = [];
  /** Phrases whose first slot accepts word w: firstList[firstStart[w] .. firstStart[w + 1]). */
  firstStart: Int32Array = new Int32Array(0);
  firstList: Int32Array = new Int32Array(0);
  markers: Array<Marker> = [];
  /** Markers by their first character (ASCII), the rest (CJK...) apart, line-start ones apart. */
  markersByChar: Array<Array<Marker>> = [];
  markersHigh: Array<Marker> = [];
  markersLine: Array<Marker> = [];
  /** 1 where some marker starts with that ASCII character. */
  markerFirst: StaticArray<u8> = new StaticArray<u8>(128);
  /** The Caesar shift (1..25) a word is a trigger word shifted by, else 0. */
  shiftTrigger: Uint8Array = new Uint8Array(0);
  reverseTrigger: Uint8Array = new Uint8Array(0);
}

const scratch = new Folded();

/** A pattern word in the text's form: folded like text, then stemmed. */
function canonical(word: string): string {
  scratch.reset();
  fold(word, 0, word.length, scratch);
  const codes = new Array<i32>(scratch.len);
  for (let i = 0; i < scratch.len; i++) codes[i] = scratch.at(i);
  return stemString(String.fromCharCodes(codes));
}

function wordIds(c: Compiled, alternatives: string): Int32Array {
  const parts = alternatives.split("|");
  const ids = new Int32Array(parts.length);
  for (let i = 0; i < parts.length; i++) ids[i] = c.lex.intern(canonical(parts[i]));
  return ids;
}

function compilePhrase(c: Compiled, index: i32, def: PatternDef): Phrase {
  const p = new Phrase(index);
  const parts = def.text.split(" ");
  let gap = DEFAULT_GAP;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part.length == 0) continue;
    if (part.startsWith("~")) { gap = I32.parseInt(part.substring(1)); continue; }
    if (part.startsWith("!")) { p.nots = wordIds(c, part.substring(1)); continue; }
    p.slots.push(wordIds(c, part));
    p.gapList.push(gap);
    gap = DEFAULT_GAP;
  }
  return p;
}

function shifted(w: string, k: i32): string {
  const codes = new Array<i32>(w.length);
  for (let i = 0; i < w.length; i++) {
    const ch = w.charCodeAt(i);
    codes[i] = ch >= 0x61 && ch <= 0x7a ? ((ch - 0x61 + k) % 26) + 0x61 : ch;
  }
  return String.fromCharCodes(codes);
}

function reversed(w: string): string {
  const codes = new Array<i32>(w.length);
  for (let i = 0; i < w.length; i++) codes[i] = w.charCodeAt(w.length - 1 - i);
  return String.fromCharCodes(codes);
}

export function compile(): Compiled {
  definePatterns();
  const c = new Compiled();
  for (let i = 0; i < DEFS.length; i++) {
    const def = DEFS[i];
    if (def.kind == SIGNAL) continue;
    if (def.kind == MARKER) {
      const line = def.text.startsWith("^");
      c.markers.push(new Marker(i, line ? def.text.substring(1) : def.text, line));
    } else c.phrases.push(compilePhrase(c, i, def));
  }
  // Words some pattern names are not triggers: plain text must not pay for a rescan.
  const plain = c.lex.count;
  const shiftIds = new Array<i32>();
  const shifts = new Array<i32>();
  const rev = new Array<i32>();
  for (let i = 0; i < SHIFT_TRIGGERS.length; i++) {
    const w = SHIFT_TRIGGERS[i];
    for (let k = 1; k < 26; k++) { shiftIds.push(c.lex.intern(stemString(shifted(w, k)))); shifts.push(k); }
    rev.push(c.lex.intern(stemString(reversed(w))));
  }
  const n = c.lex.count;
  c.shiftTrigger = new Uint8Array(n);
  c.reverseTrigger = new Uint8Array(n);
  for (let i = 0; i < shiftIds.length; i++) if (shiftIds[i] >= plain && c.shiftTrigger[shiftIds[i]] == 0) c.shiftTrigger[shiftIds[i]] = <u8>shifts[i];
  for (let i = 0; i < rev.length; i++) if (rev[i] >= plain) c.reverseTrigger[rev[i]] = 1;
  const counts = new Int32Array(n + 1);
  for (let k = 0; k < c.phrases.length; k++) {
    const first = c.phrases[k].slots[0];
    for (let j = 0; j < first.length; j++) counts[first[j] + 1]++;
  }
  for (let i = 0; i < n; i++) counts[i + 1] += counts[i];
  c.firstStart = counts;
  c.firstList = new Int32Array(counts[n]);
  const fill = new Int32Array(n);
  for (let k = 0; k < c.phrases.length; k++) {
    const first = c.phrases[k].slots[0];
    for (let j = 0; j < first.length; j++) { const w = first[j]; c.firstList[counts[w] + fill[w]++] = k; }
  }
  const stride = (n >>> 5) + 1;
  for (let k = 0; k < c.phrases.length; k++) {
    const p = c.phrases[k];
    p.slotCount = p.slots.length;
    p.stride = stride;
    p.hasNots = p.nots.length > 0;
    p.bits = new Uint32Array(stride * (p.slotCount + 1));
    for (let j = 0; j < p.slotCount; j++) setBits(p.bits, j * stride, p.slots[j]);
    setBits(p.bits, p.slotCount * stride, p.nots);
    p.gaps = new Int32Array(p.slotCount);
    for (let j = 0; j < p.slotCount; j++) p.gaps[j] = p.gapList[j];
    p.slots = [];
    p.gapList = [];
    p.nots = new Int32Array(0);
  }
  for (let i = 0; i < 128; i++) c.markersByChar.push(new Array<Marker>());
  for (let k = 0; k < c.markers.length; k++) {
    const m = c.markers[k];
    const first = <i32>m.chars[0];
    if (m.lineStart) c.markersLine.push(m);
    else if (first < 128) { c.markersByChar[first].push(m); c.markerFirst[first] = 1; }
    else c.markersHigh.push(m);
  }
  for (let i = 0; i < DEFS.length; i++) DEFS[i].text = "";
  return c;
}

function setBits(bits: Uint32Array, at: i32, ids: Int32Array): void {
  for (let i = 0; i < ids.length; i++) bits[at + (ids[i] >>> 5)] |= 1 << (ids[i] & 31);
}

@inline function has(bits: Uint32Array, at: i32, id: i32): bool {
  return id >= 0 && (unchecked(bits[at + (id >>> 5)]) & (1 << (id & 31))) != 0;
}

function matchFrom(p: Phrase, slot: i32, pos: i32, t: Tokens): i32 {
  if (slot == p.slotCount) return pos;
  const at = slot * p.stride;
  const last = min(t.n - 1, pos + 1 + unchecked(p.gaps[slot]));
  for (let q = pos + 1; q <= last; q++) {
    if (has(p.bits, at, unchecked(t.ids[q]))) {
      const end = matchFrom(p, slot + 1, q, t);
      if (end >= 0) return end;
    }
  }
  return -1;
}

function cancelled(p: Phrase, start: i32, end: i32, t: Tokens): bool {
  if (!p.hasNots) return false;
  const at = p.slotCount * p.stride;
  for (let q = max(0, start - 2); q <= min(end + 1, t.n - 1); q++) if (has(p.bits, at, unchecked(t.ids[q]))) return true;
  return false;
}

/** Hits are pattern (DEFS) indexes, added once each to `hits`. */
export class Hits {
  seen: Array<bool> = [];
  list: Array<i32> = [];
  reset(n: i32): void {
    while (this.seen.length < n) this.seen.push(false);
    for (let i = 0; i < this.list.length; i++) this.seen[this.list[i]] = false;
    this.list.length = 0;
  }
  add(def: i32): void {
    if (this.seen[def]) return;
    this.seen[def] = true;
    this.list.push(def);
  }
}

export function matchPhrases(c: Compiled, t: Tokens, hits: Hits): void {
  for (let pos = 0; pos < t.n; pos++) {
    const id = unchecked(t.ids[pos]);
    if (id < 0) continue;
    const end = unchecked(c.firstStart[id + 1]);
    for (let k = unchecked(c.firstStart[id]); k < end; k++) {
      const p = unchecked(c.phrases[unchecked(c.firstList[k])]);
      if (hits.seen[p.def]) continue;
      const to = matchFrom(p, 1, pos, t);
      if (to >= 0 && !cancelled(p, pos, to, t)) hits.add(p.def);
    }
  }
}

export const TRIGGER_REVERSED: i32 = 1 << 26;

/** The rescans some token asks for: bit k for a Caesar shift by k (1..25), TRIGGER_REVERSED for reversal. */
export function decodeTriggers(c: Compiled, t: Tokens): i32 {
  let r = 0;
  for (let pos = 0; pos < t.n; pos++) {
    const id = unchecked(t.ids[pos]);
    if (id < 0) continue;
    const k = <i32>unchecked(c.shiftTrigger[id]);
    if (k != 0) r |= 1 << k;
    if (unchecked(c.reverseTrigger[id])) r |= TRIGGER_REVERSED;
  }
  return r;
}

function markerAt(m: Marker, f: Folded, i: i32): bool {
  const chars = m.chars;
  let j = i;
  for (let k = 0; k < chars.length; k++) {
    while (j < f.len && (f.at(j) == 0x20) && k > 0) j++;
    if (j >= f.len || f.at(j) != <i32>unchecked(chars[k])) return false;
    j++;
  }
  if (m.boundary && j < f.len) {
    const next = f.at(j);
    if ((next >= 0x61 && next <= 0x7a) || (next >= 0x30 && next <= 0x39) || next == 0x2e || next == 0x5f || next == 0x2d) return false;
  }
  return true;
}

export function matchMarkers(c: Compiled, f: Folded, hits: Hits): void {
  const byChar = c.markersByChar;
  const line = c.markersLine;
  const high = c.markersHigh;
  const first = changetype<usize>(c.markerFirst); // raw reads: see fold.ts on the shadow stack
  const bp = f.buf.dataStart;
  const len = f.len;
  let lineStart = true;
  for (let i = 0; i < len; i++) {
    const ch = <i32>load<u16>(bp + (<usize>i << 1));
    // Line-start markers look past markdown decoration: "### System:", "**System:**", "> System:".
    if (lineStart && ch != 0x20 && ch != 0x0a && ch != 0x23 && ch != 0x2a && ch != 0x3e) {
      for (let k = 0; k < line.length; k++) {
        const m = unchecked(line[k]);
        if (markerAt(m, f, i)) hits.add(m.def);
      }
      lineStart = false;
    }
    if (ch == 0x0a) { lineStart = true; continue; }
    if (ch < 128) {
      if (load<u8>(first + <usize>ch) == 0) continue;
    } else if (ch < 0x3000) continue;
    const bucket = ch < 128 ? unchecked(byChar[ch]) : high;
    for (let k = 0; k < bucket.length; k++) {
      const m = unchecked(bucket[k]);
      if (<i32>unchecked(m.chars[0]) == ch && markerAt(m, f, i)) hits.add(m.def);
    }
  }
}
