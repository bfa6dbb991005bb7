// prompt-guard: a pre_llm hook that scans user messages, tool results and (configurably) documents
// for prompt injection, and blocks, logs or tags what it finds. See patterns.ts for what it looks
// for and README "prompt-guard" for the configuration.
import { Host, Config, Memory } from "@extism/as-pdk";
import { error_set } from "@extism/as-pdk/lib/env";
import { JsonValue, Kind, parseJson, quote } from "./json";
import { compile } from "./matcher";
import { DEFS } from "./patterns";
import { Scanner, Settings, Verdict, decodeBase64 } from "./scan";
import { CATEGORY_NAMES, CATEGORY_COUNT, categoryIndex } from "./categories";
import { TRICK_ZERO_WIDTH, TRICK_BIDI, TRICK_HOMOGLYPH, TRICK_COMPAT, TRICK_TAGS, TRICK_LEET, TRICK_SPACED, TRICK_ENCODED } from "./fold";

function myAbort(message: string | null, fileName: string | null, lineNumber: u32, columnNumber: u32): void {}

const MODE_BLOCK: i32 = 0;
const MODE_LOG: i32 = 1;
const MODE_TAG: i32 = 2;

const TARGET_USER: i32 = 1;
const TARGET_TOOL: i32 = 2;
const TARGET_DOCUMENTS: i32 = 4;
const TARGET_SYSTEM: i32 = 8;
const TARGET_ASSISTANT: i32 = 16;

class Options {
  mode: i32 = MODE_BLOCK;
  targets: i32 = TARGET_USER | TARGET_TOOL | TARGET_DOCUMENTS;
  maxChars: i32 = 200000;
  settings: Settings = new Settings();
  error: string = "";
}

let options: Options | null = null;
let scanner: Scanner | null = null;
// Compiled when the module is instantiated (the host's start budget), not inside a hook's timeout.
const compiled = compile();

/** Config values: a comma list, or a JSON array of strings (non-string config values arrive JSON-encoded). */
function listOf(raw: string): Array<string> {
  const out = new Array<string>();
  const parts = raw.split(",");
  for (let i = 0; i < parts.length; i++) {
    let p = parts[i].trim();
    while (p.startsWith("[") || p.startsWith("\"")) p = p.substring(1);
    while (p.endsWith("]") || p.endsWith("\"")) p = p.substring(0, p.length - 1);
    p = p.trim();
    if (p.length > 0) out.push(p);
  }
  return out;
}

function readOptions(): Options {
  const o = new Options();
  const mode = Config.get("mode");
  if (mode !== null) {
    if (mode == "block") o.mode = MODE_BLOCK;
    else if (mode == "log") o.mode = MODE_LOG;
    else if (mode == "tag") o.mode = MODE_TAG;
    else o.error = "config mode: expected block, log or tag, got " + quote(mode);
  }
  const scan = Config.get("scan");
  if (scan !== null) {
    o.targets = 0;
    const items = listOf(scan);
    for (let i = 0; i < items.length; i++) {
      const t = items[i];
      if (t == "user") o.targets |= TARGET_USER;
      else if (t == "tool") o.targets |= TARGET_TOOL;
      else if (t == "documents") o.targets |= TARGET_DOCUMENTS;
      else if (t == "system") o.targets |= TARGET_SYSTEM;
      else if (t == "assistant") o.targets |= TARGET_ASSISTANT;
      else o.error = "config scan: unknown target " + quote(t) + " (user, tool, documents, system, assistant)";
    }
  }
  const categories = Config.get("categories");
  if (categories !== null) {
    const items = listOf(categories);
    for (let i = 0; i < CATEGORY_COUNT; i++) o.settings.enabled[i] = false;
    for (let i = 0; i < items.length; i++) {
      const k = categoryIndex(items[i]);
      if (k < 0) o.error = "config categories: unknown category " + quote(items[i]);
      else o.settings.enabled[k] = true;
    }
  }
  const threshold = Config.get("threshold");
  if (threshold !== null) {
    const v = F64.parseFloat(threshold);
    if (isNaN(v) || v <= 0) o.error = "config threshold: expected a positive number";
    else o.settings.threshold = v;
  }
  const maxChars = Config.get("max_scan_chars");
  if (maxChars !== null) {
    const v = I32.parseInt(maxChars);
    if (v <= 0) o.error = "config max_scan_chars: expected a positive integer";
    else o.maxChars = v;
  }
  const decode = Config.get("decode");
  if (decode !== null) {
    if (decode == "true") o.settings.decode = true;
    else if (decode == "false") o.settings.decode = false;
    else o.error = "config decode: expected true or false";
  }
  const classifier = Config.get("classifier");
  if (classifier !== null) {
    if (classifier == "on" || classifier == "true") o.settings.classifier = true;
    else if (classifier == "off" || classifier == "false") o.settings.classifier = false;
    else o.error = "config classifier: expected on or off";
  }
  const classifierThreshold = Config.get("classifier_threshold");
  if (classifierThreshold !== null) {
    // A probability; the scanner compares log-odds.
    const p = F64.parseFloat(classifierThreshold);
    if (isNaN(p) || p <= 0 || p >= 1) o.error = "config classifier_threshold: expected a number between 0 and 1";
    else o.settings.classifierLogit = Math.log(p / (1 - p));
  }
  return o;
}

class Finding {
  verdict: Verdict;
  target: string;
  index: i32;
  constructor(verdict: Verdict, target: string, index: i32) { this.verdict = verdict; this.target = target; this.index = index; }
}

class Run {
  budget: i32;
  found: Finding | null = null;
  constructor(public s: Scanner, public o: Options) { this.budget = o.maxChars; }

  text(t: string, from: i32, to: i32, target: string, index: i32): void {
    if (this.found !== null || this.budget <= 0) return;
    if (to - from > this.budget) {
      // Too long to read whole: its start and its end, where padding would push an attack.
      const half = this.budget >> 1;
      this.scanSpan(t, from, from + half, target, index);
      this.scanSpan(t, to - half, to, target, index);
      this.budget = 0;
      return;
    }
    this.budget -= to - from;
    this.scanSpan(t, from, to, target, index);
  }

  scanSpan(t: string, from: i32, to: i32, target: string, index: i32): void {
    if (this.found !== null) return;
    const v = this.s.scan(t, from, to);
    if (v.best >= 0 && (v.score >= this.o.settings.threshold || v.classified)) this.found = new Finding(v, target, index);
  }

  /** Text parts, and text files (data: URLs) as documents. */
  content(c: JsonValue, target: string, index: i32, scanText: bool): void {
    if (c.kind == Kind.Str) { if (scanText) this.text(c.src, c.from, c.to, target, index); return; }
    if (c.kind != Kind.Arr) return;
    for (let i = 0; i < c.items.length; i++) {
      const part = c.items[i];
      if (part.kind != Kind.Obj) continue;
      const type = part.text("type");
      if (type == "file") {
        if ((this.o.targets & TARGET_DOCUMENTS) == 0) continue;
        const file = part.get("file");
        if (file === null || file.kind != Kind.Obj) continue;
        const doc = textOfDataUrl(file.text("file_data"));
        this.text(doc, 0, doc.length, "document", index);
      } else if (scanText) {
        const t = part.span("text");
        if (t !== null && t.to > t.from) this.text(t.src, t.from, t.to, target, index);
      }
    }
  }

  /** `<document>...</document>` regions of an operator's message: retrieved content placed there. */
  documents(c: JsonValue, index: i32): void {
    if (c.kind == Kind.Str) { this.documentRegions(c.str, index); return; }
    if (c.kind != Kind.Arr) return;
    for (let i = 0; i < c.items.length; i++) {
      const part = c.items[i];
      if (part.kind == Kind.Obj) this.documentRegions(part.text("text"), index);
    }
  }

  documentRegions(t: string, index: i32): void {
    let at = 0;
    while (at < t.length) {
      const open = t.indexOf("<document", at);
      if (open < 0) return;
      const bodyStart = t.indexOf(">", open);
      if (bodyStart < 0) return;
      let close = t.indexOf("</document", bodyStart);
      if (close < 0) close = t.length;
      this.text(t, bodyStart + 1, close, "document", index);
      at = close + 1;
    }
  }
}

/** The text of a `data:text/...;base64,` URL (text, JSON, XML, CSV, markdown...); "" for other media. */
function textOfDataUrl(url: string): string {
  if (!url.startsWith("data:")) return "";
  const comma = url.indexOf(",");
  if (comma < 0) return "";
  const meta = url.substring(5, comma).toLowerCase();
  const textual = meta.startsWith("text/") || meta.startsWith("application/json") || meta.startsWith("application/xml") ||
    meta.startsWith("application/x-yaml") || meta.startsWith("application/yaml");
  if (!textual) return "";
  if (meta.endsWith(";base64")) return decodeBase64(url, comma + 1, url.length);
  return url.substring(comma + 1);
}

function trickNames(t: i32): string {
  const names = new Array<string>();
  if (t & TRICK_ZERO_WIDTH) names.push("zero_width");
  if (t & TRICK_BIDI) names.push("bidi");
  if (t & TRICK_HOMOGLYPH) names.push("homoglyph");
  if (t & TRICK_COMPAT) names.push("compatibility_forms");
  if (t & TRICK_TAGS) names.push("tag_characters");
  if (t & TRICK_LEET) names.push("leetspeak");
  if (t & TRICK_SPACED) names.push("spaced_letters");
  if (t & TRICK_ENCODED) names.push("encoded");
  return names.join(",");
}

function logJson(f: Finding, o: Options): string {
  const v = f.verdict;
  const d = DEFS[v.best];
  const mode = o.mode == MODE_BLOCK ? "block" : o.mode == MODE_LOG ? "log" : "tag";
  return "{\"level\":\"warn\",\"message\":\"prompt-guard: possible prompt injection\",\"fields\":{" +
    "\"category\":" + quote(CATEGORY_NAMES[d.category]) +
    ",\"pattern\":" + quote(d.id) +
    ",\"score\":" + (Math.round(v.score * 100) / 100).toString() +
    ",\"target\":" + quote(f.target) +
    ",\"message_index\":" + f.index.toString() +
    ",\"tricks\":" + quote(trickNames(v.tricks)) +
    ",\"mode\":" + quote(mode) + "}}";
}

function output(s: string): void {
  Host.output(Uint8Array.wrap(String.UTF8.encode(s)));
}

function fail(message: string): i32 {
  const mem = Memory.allocateString(message);
  error_set(mem.offset);
  return 1;
}

let calls = 0;

export function pre_llm(): i32 {
  // Built with --runtime minimal, garbage is collected every 64 calls (the incremental default collects by itself).
  if (ASC_RUNTIME == 1 && (++calls & 63) == 0) __collect();
  if (options === null) options = readOptions();
  const o = options!;
  if (o.error.length > 0) return fail("prompt-guard: " + o.error);
  if (scanner === null) scanner = new Scanner(compiled, o.settings);
  const payload = parseJson(Host.inputString());
  if (payload === null || payload.kind != Kind.Obj) return fail("prompt-guard: the hook input is not a JSON object");
  const body = payload.get("body");
  if (body === null || body.kind != Kind.Obj) { output("{}"); return 0; }
  const messages = body.get("messages");
  if (messages === null || messages.kind != Kind.Arr) { output("{}"); return 0; }

  const run = new Run(scanner!, o);
  // Newest first: the size budget spends itself on what the model reads last.
  for (let i = messages.items.length - 1; i >= 0 && run.found === null; i--) {
    const m = messages.items[i];
    if (m.kind != Kind.Obj) continue;
    const role = m.text("role");
    const content = m.get("content");
    if (content === null) continue;
    if (role == "user") run.content(content, "user", i, (o.targets & TARGET_USER) != 0);
    else if (role == "tool" || role == "function") run.content(content, "tool", i, (o.targets & TARGET_TOOL) != 0);
    else if (role == "system" || role == "developer") {
      if (o.targets & TARGET_SYSTEM) run.content(content, "system", i, true);
      else if (o.targets & TARGET_DOCUMENTS) run.documents(content, i);
    } else if (role == "assistant") run.content(content, "assistant", i, (o.targets & TARGET_ASSISTANT) != 0);
  }

  const f = run.found;
  if (f === null) { output("{}"); return 0; }
  const category = CATEGORY_NAMES[DEFS[f.verdict.best].category];
  if (o.mode == MODE_BLOCK) {
    output("{\"respond\":{\"status\":400,\"error\":{\"message\":" +
      quote("Request blocked by prompt-guard: possible prompt injection (category: " + category + ")") +
      ",\"type\":\"invalid_request_error\",\"code\":\"prompt_injection\"},\"kind\":\"prompt_blocked\"},\"log\":" + logJson(f, o) + "}");
  } else if (o.mode == MODE_LOG) {
    output("{\"log\":" + logJson(f, o) + "}");
  } else {
    output("{\"headers\":{\"x-butter-guard\":" + quote(category) + "}}");
  }
  return 0;
}
