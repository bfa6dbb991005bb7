// Compiled patterns and the matcher: phrase patterns are indexed by the words their first slot
// accepts, so one pass over the tokens tries only the patterns a token can start.
import { Folded, fold } from "./fold";
import { Lexicon, Tokens, stemString } from "./words";
import { DEFS, PatternDef, definePatterns, ROT13_TRIGGERS } from "./patterns";

const DEFAULT_GAP: i32 = 3;

export class Phrase {
  slots: Array<Int32Array> = [];
  gaps: Array<i32> = [];
  nots: Int32Array = new Int32Array(0);
  constructor(public def: i32) {}
}

export class Marker {
  chars: Uint16Array;
  lineStart: bool;
  constructor(public def: i32, text: string, lineStart: bool) {
    this.lineStart = lineStart;
    this.chars = new Uint16Array(text.length);
    for (let i = 0; i < text.length; i++) this.chars[i] = <u16>text.charCodeAt(i);
  }
}

export class Compiled {
  lex: Lexicon = new Lexicon();
  phrases: Array<Phrase> = [];
  /** byFirst[wordId] = indexes of phrases whose first slot accepts the word. */
  byFirst: Array<Array<i32>> = [];
  markers: Array<Marker> = [];
  rot13Trigger: Array<bool> = [];
  reverseTrigger: Array<bool> = [];
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
    p.gaps.push(gap);
    gap = DEFAULT_GAP;
  }
  return p;
}

function rot13(w: string): string {
  const codes = new Array<i32>(w.length);
  for (let i = 0; i < w.length; i++) {
    const ch = w.charCodeAt(i);
    codes[i] = ch >= 0x61 && ch <= 0x7a ? ((ch - 0x61 + 13) % 26) + 0x61 : ch;
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
    if (def.text.length == 0) continue;
    if (def.marker) {
      const line = def.text.startsWith("^");
      c.markers.push(new Marker(i, line ? def.text.substring(1) : def.text, line));
    } else c.phrases.push(compilePhrase(c, i, def));
  }
  for (let i = 0; i < ROT13_TRIGGERS.length; i++) {
    const w = ROT13_TRIGGERS[i];
    const r = c.lex.intern(stemString(rot13(w)));
    const v = c.lex.intern(stemString(reversed(w)));
    while (c.rot13Trigger.length < c.lex.words.length) { c.rot13Trigger.push(false); c.reverseTrigger.push(false); }
    c.rot13Trigger[r] = true;
    c.reverseTrigger[v] = true;
  }
  const n = c.lex.words.length;
  while (c.rot13Trigger.length < n) { c.rot13Trigger.push(false); c.reverseTrigger.push(false); }
  for (let i = 0; i < n; i++) c.byFirst.push(new Array<i32>());
  for (let k = 0; k < c.phrases.length; k++) {
    const first = c.phrases[k].slots[0];
    for (let j = 0; j < first.length; j++) c.byFirst[first[j]].push(k);
  }
  return c;
}

@inline function has(ids: Int32Array, id: i32): bool {
  for (let i = 0; i < ids.length; i++) if (unchecked(ids[i]) == id) return true;
  return false;
}

function matchFrom(p: Phrase, slot: i32, pos: i32, t: Tokens): i32 {
  if (slot == p.slots.length) return pos;
  const ids = p.slots[slot];
  const last = min(t.n - 1, pos + 1 + p.gaps[slot]);
  for (let q = pos + 1; q <= last; q++) {
    if (has(ids, unchecked(t.ids[q]))) {
      const end = matchFrom(p, slot + 1, q, t);
      if (end >= 0) return end;
    }
  }
  return -1;
}

function cancelled(p: Phrase, start: i32, end: i32, t: Tokens): bool {
  if (p.nots.length == 0) return false;
  for (let q = max(0, start - 2); q <= end; q++) if (has(p.nots, unchecked(t.ids[q]))) return true;
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
    const candidates = unchecked(c.byFirst[id]);
    for (let k = 0; k < candidates.length; k++) {
      const p = unchecked(c.phrases[unchecked(candidates[k])]);
      if (hits.seen[p.def]) continue;
      const end = matchFrom(p, 1, pos, t);
      if (end >= 0 && !cancelled(p, pos, end, t)) hits.add(p.def);
    }
  }
}

/** Whether any token asks for a rot13 (1) or reversed (2) rescan. */
export function decodeTriggers(c: Compiled, t: Tokens): i32 {
  let r = 0;
  for (let pos = 0; pos < t.n; pos++) {
    const id = unchecked(t.ids[pos]);
    if (id < 0) continue;
    if (c.rot13Trigger[id]) r |= 1;
    if (c.reverseTrigger[id]) r |= 2;
  }
  return r;
}

@inline function isTriggerChar(ch: i32): bool {
  return ch == 0x3c || ch == 0x5b || ch == 0x23 || ch == 0x7b || ch == 0x22 || ch == 0x60 || ch == 0x72 || ch == 0x2f || ch == 0x3a || ch >= 0x3000;
}

function markerAt(m: Marker, f: Folded, i: i32): bool {
  const chars = m.chars;
  let j = i;
  for (let k = 0; k < chars.length; k++) {
    while (j < f.len && (f.at(j) == 0x20) && k > 0) j++;
    if (j >= f.len || f.at(j) != <i32>unchecked(chars[k])) return false;
    j++;
  }
  return true;
}

export function matchMarkers(c: Compiled, f: Folded, hits: Hits): void {
  const markers = c.markers;
  let lineStart = true;
  for (let i = 0; i < f.len; i++) {
    const ch = f.at(i);
    if (lineStart && ch != 0x20 && ch != 0x0a) {
      for (let k = 0; k < markers.length; k++) {
        const m = unchecked(markers[k]);
        if (m.lineStart && markerAt(m, f, i)) hits.add(m.def);
      }
      lineStart = false;
    }
    if (ch == 0x0a) { lineStart = true; continue; }
    if (!isTriggerChar(ch)) continue;
    for (let k = 0; k < markers.length; k++) {
      const m = unchecked(markers[k]);
      if (!m.lineStart && <i32>unchecked(m.chars[0]) == ch && markerAt(m, f, i)) hits.add(m.def);
    }
  }
}
