// Decoders for the hand ciphers of jailbreak prompts: Morse, 8-bit binary groups, HTML character
// references and \uXXXX escapes. Each rewrites the encoded regions in place and keeps the text around
// them (so "please &#105;gnore ..." reads whole), and returns "" when it found fewer than `min` units
// — the caller then skips a rescan.
import { hexValue } from "./json";

// Morse letters a..z then digits 0..9, "." and "-" written as 1 and 2 in base 3 (most significant first).
const MORSE_CODES: StaticArray<string> = [".-", "-...", "-.-.", "-..", ".", "..-.", "--.", "....", "..", ".---", "-.-", ".-..", "--",
  "-.", "---", ".--.", "--.-", ".-.", "...", "-", "..-", "...-", ".--", "-..-", "-.--", "--..",
  "-----", ".----", "..---", "...--", "....-", ".....", "-....", "--...", "---..", "----."];
const MORSE_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789";

let morseTable: StaticArray<u8> | null = null;

/** Base-3 value of a code with a leading 1 digit (so "." and ".." differ); codes are at most 6 symbols. */
function morseKey(code: string): i32 {
  let k = 1;
  for (let i = 0; i < code.length; i++) k = k * 3 + (code.charCodeAt(i) == 0x2e ? 1 : 2);
  return k;
}

function table(): StaticArray<u8> {
  if (morseTable !== null) return morseTable!;
  const t = new StaticArray<u8>(3 * 3 * 3 * 3 * 3 * 3 * 3);
  for (let i = 0; i < MORSE_CODES.length; i++) t[morseKey(MORSE_CODES[i])] = <u8>MORSE_CHARS.charCodeAt(i);
  morseTable = t;
  return t;
}

@inline function isMorseSymbol(c: i32): bool { return c == 0x2e || c == 0x2d || c == 0x5f || c == 0x2022 || c == 0x2212 || c == 0x2013; }

/** Morse regions (codes separated by spaces; words by "/", "|" or two spaces) decoded to letters. */
export function decodeMorse(s: string, from: i32, to: i32, min: i32): string {
  const t = table();
  const out = new Array<i32>();
  let letters = 0;
  let i = from;
  while (i < to) {
    const c = s.charCodeAt(i);
    if (!isMorseSymbol(c)) {
      out.push(c);
      i++;
      continue;
    }
    // A code: up to 6 symbols, ended by a space, "/", "|" or the end.
    let k = 1;
    let j = i;
    while (j < to && isMorseSymbol(s.charCodeAt(j)) && j - i < 7) {
      const d = s.charCodeAt(j);
      k = k * 3 + (d == 0x2e || d == 0x2022 ? 1 : 2);
      j++;
    }
    const end = j >= to || !isMorseSymbol(s.charCodeAt(j));
    const letter = end && j - i <= 6 ? <i32>t[k] : 0;
    if (letter == 0) {
      for (let q = i; q < j; q++) out.push(s.charCodeAt(q));
      i = j;
      continue;
    }
    out.push(letter);
    letters++;
    i = j;
    // Separators between codes vanish; a word break becomes one space.
    let gap = 0;
    let word = false;
    while (i < to) {
      const g = s.charCodeAt(i);
      if (g == 0x20) gap++;
      else if (g == 0x2f || g == 0x7c) word = true;
      else break;
      i++;
    }
    if (i < to && isMorseSymbol(s.charCodeAt(i))) { if (word || gap >= 2) out.push(0x20); }
    else if (gap > 0 || word) out.push(0x20);
  }
  return letters >= min ? String.fromCharCodes(out) : "";
}

/** Groups of eight 0/1 digits (separated by spaces or not at all) decoded to bytes. */
export function decodeBinary(s: string, from: i32, to: i32, min: i32): string {
  const out = new Array<i32>();
  let bytes = 0;
  let i = from;
  while (i < to) {
    const c = s.charCodeAt(i);
    if ((c == 0x30 || c == 0x31) && (i == from || !isAlnum(s.charCodeAt(i - 1)))) {
      let j = i;
      while (j < to && (s.charCodeAt(j) == 0x30 || s.charCodeAt(j) == 0x31)) j++;
      if ((j - i) % 8 == 0 && (j >= to || !isAlnum(s.charCodeAt(j)))) {
        for (let g = i; g < j; g += 8) {
          let v = 0;
          for (let b = 0; b < 8; b++) v = (v << 1) | (s.charCodeAt(g + b) - 0x30);
          out.push(v < 0x20 && v != 0x0a ? 0x20 : v);
          bytes++;
        }
        i = j;
        // One space between groups is a separator, not a character.
        if (i + 1 < to && s.charCodeAt(i) == 0x20 && (s.charCodeAt(i + 1) == 0x30 || s.charCodeAt(i + 1) == 0x31)) i++;
        continue;
      }
      for (let q = i; q < j; q++) out.push(s.charCodeAt(q));
      i = j;
      continue;
    }
    out.push(c);
    i++;
  }
  return bytes >= min ? String.fromCharCodes(out) : "";
}

/** `&#73;`, `&#x49;` and the few named references a markup injection needs. */
export function decodeEntities(s: string, from: i32, to: i32, min: i32): string {
  const out = new Array<i32>();
  let n = 0;
  let i = from;
  while (i < to) {
    const c = s.charCodeAt(i);
    if (c == 0x26) {
      const semi = s.indexOf(";", i);
      if (semi > i + 1 && semi < to && semi - i <= 10) {
        const v = entityValue(s, i + 1, semi);
        if (v >= 0) {
          pushCodePoint(out, v);
          n++;
          i = semi + 1;
          continue;
        }
      }
    }
    out.push(c);
    i++;
  }
  return n >= min ? String.fromCharCodes(out) : "";
}

function entityValue(s: string, from: i32, to: i32): i32 {
  if (s.charCodeAt(from) == 0x23) {
    let v = 0;
    if (from + 1 < to && (s.charCodeAt(from + 1) | 0x20) == 0x78) {
      for (let i = from + 2; i < to; i++) { const h = hexValue(s.charCodeAt(i)); if (h < 0) return -1; v = v * 16 + h; }
      return to > from + 2 && v <= 0x10ffff ? v : -1;
    }
    for (let i = from + 1; i < to; i++) { const d = s.charCodeAt(i) - 0x30; if (d < 0 || d > 9) return -1; v = v * 10 + d; }
    return to > from + 1 && v <= 0x10ffff ? v : -1;
  }
  const name = s.substring(from, to);
  if (name == "lt") return 0x3c;
  if (name == "gt") return 0x3e;
  if (name == "amp") return 0x26;
  if (name == "quot") return 0x22;
  if (name == "apos") return 0x27;
  if (name == "vert" || name == "verbar") return 0x7c;
  return -1;
}

/** `\u0049` (and surrogate pairs `\ud83d\ude00`, `\u{49}`) decoded. */
export function decodeUnicodeEscapes(s: string, from: i32, to: i32, min: i32): string {
  const out = new Array<i32>();
  let n = 0;
  let i = from;
  while (i < to) {
    const c = s.charCodeAt(i);
    if (c == 0x5c && i + 1 < to && (s.charCodeAt(i + 1) | 0x20) == 0x75) {
      let v = -1;
      let len = 0;
      if (i + 2 < to && s.charCodeAt(i + 2) == 0x7b) {
        const close = s.indexOf("}", i + 3);
        if (close > i + 3 && close < to && close - i <= 10) {
          v = 0;
          for (let q = i + 3; q < close; q++) { const h = hexValue(s.charCodeAt(q)); if (h < 0) { v = -1; break; } v = v * 16 + h; }
          len = close + 1 - i;
        }
      } else if (i + 5 < to) {
        v = 0;
        for (let q = i + 2; q < i + 6; q++) { const h = hexValue(s.charCodeAt(q)); if (h < 0) { v = -1; break; } v = v * 16 + h; }
        len = 6;
      }
      if (v >= 0 && v <= 0x10ffff) {
        // Surrogate halves arrive as two escapes; emitting both code units rebuilds the pair.
        if (v > 0xffff) pushCodePoint(out, v);
        else out.push(v);
        n++;
        i += len;
        continue;
      }
    }
    out.push(c);
    i++;
  }
  return n >= min ? String.fromCharCodes(out) : "";
}

function pushCodePoint(out: Array<i32>, v: i32): void {
  if (v > 0xffff) {
    v -= 0x10000;
    out.push(0xd800 + (v >> 10));
    out.push(0xdc00 + (v & 0x3ff));
  } else out.push(v);
}

@inline function isAlnum(c: i32): bool { return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a); }
