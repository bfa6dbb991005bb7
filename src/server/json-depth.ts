// JSON.parse itself copes with deep nesting, but everything after it that recurses does not:
// JSON.stringify of 30k nested arrays takes over half a second, and at 40k it overflows the stack.
// So request bodies nested deeper than MAX_JSON_DEPTH are refused before they are parsed.

/** Objects and arrays inside each other, the root counting as 1. A tool's JSON schema starts at
 *  level 5 and takes 2 levels per level of its own. */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 34; // "
const BACKSLASH = 92;
const OPEN_ARRAY = 91; // [
const OPEN_OBJECT = 123; // {
const CLOSE_ARRAY = 93;
const CLOSE_OBJECT = 125;

/**
 * Whether `text` (JSON or not) nests deeper than `limit`. Cheap for ordinary bodies: nesting deeper
 * than `limit` needs more than `limit` opening brackets, so the brackets are first counted with the
 * native `indexOf` (strings included; it only has to be an upper bound), and the exact scan runs
 * only when there are that many.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let count = 0;
  for (let i = text.indexOf("{"); i !== -1; i = text.indexOf("{", i + 1)) if (++count > limit) return scan(text, limit);
  for (let i = text.indexOf("["); i !== -1; i = text.indexOf("[", i + 1)) if (++count > limit) return scan(text, limit);
  return false;
}

/** Tracks the depth over structural characters; string contents are skipped with `indexOf`. */
function scan(text: string, limit: number): boolean {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = endOfString(text, i);
      if (i === -1) return false; // unterminated: JSON.parse will say so
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}

/** The index of the quote that closes the string opened at `start`, or -1. */
function endOfString(text: string, start: number): number {
  let i = start;
  for (;;) {
    i = text.indexOf('"', i + 1);
    if (i === -1) return -1;
    // Escaped when preceded by an odd number of backslashes.
    let k = i - 1;
    while (text.charCodeAt(k) === BACKSLASH) k--;
    if ((i - 1 - k) % 2 === 0) return i;
  }
}
