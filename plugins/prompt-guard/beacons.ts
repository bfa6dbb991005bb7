// URLs built to carry data out: a markdown image or link whose query has a slot to fill
// (`?q={DATA}`, `?k=$KEY`, `?d=SUMMARY`, or a trailing `=` to append to). Rendering the image is the
// leak, so these are judged on the raw text (placeholders are upper case; folding would hide them).
import { Hits } from "./matcher";
import { SIG_MARKDOWN_BEACON, SIG_URL_PLACEHOLDER, SIG_URL_OPEN_PARAMETER } from "./patterns";

@inline function lower(c: i32): i32 { return c >= 0x41 && c <= 0x5a ? c + 0x20 : c; }

function endsUrl(c: i32): bool {
  return c <= 0x20 || c == 0x29 || c == 0x22 || c == 0x27 || c == 0x3e || c == 0x60 || c == 0x5d;
}

export function urlBeacons(s: string, from: i32, to: i32, hits: Hits): void {
  let i = from;
  while (i + 8 < to) {
    const at = s.indexOf("http", i);
    if (at < 0 || at + 8 >= to) return;
    i = at + 4;
    if (at > from && lower(s.charCodeAt(at - 1)) >= 0x61 && lower(s.charCodeAt(at - 1)) <= 0x7a) continue;
    const markdown = at >= from + 2 && s.charCodeAt(at - 1) == 0x28 && s.charCodeAt(at - 2) == 0x5d;
    let end = at;
    let query = -1;
    while (end < to && !endsUrl(s.charCodeAt(end))) {
      if (s.charCodeAt(end) == 0x3f && query < 0) query = end;
      end++;
    }
    i = end;
    if (query < 0) continue;
    let placeholder = false;
    let valueStart = -1;
    for (let k = query + 1; k <= end; k++) {
      const c = k < end ? s.charCodeAt(k) : 0x26;
      if (c == 0x7b || c == 0x7d || c == 0x24 || c == 0x3c || c == 0x5b) placeholder = true;
      if (c == 0x25 && k + 2 < end && s.charCodeAt(k + 1) == 0x37 && lower(s.charCodeAt(k + 2)) == 0x62) placeholder = true; // %7B
      if (c == 0x3d) valueStart = k + 1;
      else if (c == 0x26) {
        // A whole value in capitals (`?d=SUMMARY`, `&k=API_KEY`) names what to put there.
        if (valueStart >= 0 && k - valueStart >= 4 && allCaps(s, valueStart, k)) placeholder = true;
        valueStart = -1;
      }
    }
    // A closing bracket ends the URL early: "?q=[DATA]" keeps going to the "]".
    if (end < to && s.charCodeAt(end) == 0x5d) placeholder = true;
    const open = s.charCodeAt(end - 1) == 0x3d;
    if (markdown && (placeholder || open)) hits.add(SIG_MARKDOWN_BEACON);
    else if (placeholder) hits.add(SIG_URL_PLACEHOLDER);
    else if (open) hits.add(SIG_URL_OPEN_PARAMETER);
  }
}

function allCaps(s: string, from: i32, to: i32): bool {
  for (let k = from; k < to; k++) {
    const c = s.charCodeAt(k);
    if (!((c >= 0x41 && c <= 0x5a) || c == 0x5f)) return false;
  }
  return true;
}
