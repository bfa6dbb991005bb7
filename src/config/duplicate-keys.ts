// Bun.YAML.parse keeps the last of two equal keys without a word, so `keys:` written twice under a
// provider (an edit pasted below the old block) would silently drop the first. This scanner walks the
// text Bun.YAML already accepted and names the first repeated key by its config path. It follows
// block mappings and sequences by indentation and flow collections by brackets, skipping comments,
// quoted and block scalars. Bun.YAML stays the parser of record: this only looks for repeats, and
// where it meets something it does not follow (explicit `? ` keys, several documents) it says nothing
// rather than guess. It replaced the `yaml` package's syntax tree, which cost 3–7 MB of resident
// memory for as long as the gateway ran; test/unit/duplicate-keys.property.test.ts checks the two agree.

export interface DuplicateKey {
  /** Path of the repeated key itself, e.g. ["providers", "openai", "keys"]. */
  path: PropertyKey[];
  /** 1-based line of the repeat in the (interpolated) text. */
  line: number;
}

export function findDuplicateKey(text: string): DuplicateKey | undefined {
  try {
    return new Scanner(text.split(/\r?\n/)).run();
  } catch (err) {
    if (err instanceof NotFollowed) return undefined;
    throw err;
  }
}

/** Thrown where the scanner meets YAML it does not follow; findDuplicateKey then reports nothing. */
class NotFollowed extends Error {}

interface Block {
  /** Column of the block's keys, or of its dashes. */
  indent: number;
  kind: "map" | "seq";
  path: PropertyKey[];
  keys: Set<string>;
  /** The last sequence item's index. */
  index: number;
}

/** A value still to come on the following lines: what `key:` or `-` with nothing after it opens. */
interface Pending {
  /** Column of the key or dash that owns the value. */
  owner: number;
  path: PropertyKey[];
  /** A mapping's value may be a sequence at the key's own column. */
  fromMap: boolean;
}

class Found {
  constructor(readonly at: DuplicateKey) {}
}

class Scanner {
  private stack: Block[] = [];
  private pending: Pending | undefined;
  /** Lines indented deeper than this belong to the scalar before them (block or multi-line plain); -1: none. */
  private scalarOwner = -1;
  private line = 0;
  private seenRoot = false;

  constructor(private readonly lines: string[]) {}

  run(): DuplicateKey | undefined {
    try {
      for (; this.line < this.lines.length; this.line++) this.scanLine();
    } catch (err) {
      if (err instanceof Found) return err.at;
      throw err;
    }
    return undefined;
  }

  private scanLine(): void {
    const raw = this.lines[this.line]!;
    const indent = leadingSpaces(raw);
    const content = raw.slice(indent);
    const blank = content.trim() === "" || content.startsWith("#");
    if (this.scalarOwner >= 0) {
      if (blank || indent > this.scalarOwner) return;
      this.scalarOwner = -1;
    }
    if (blank) return;
    if (indent === 0 && (content.startsWith("---") || content.startsWith("...") || content.startsWith("%"))) {
      const rest = content.slice(3).trim();
      if (this.seenRoot || (rest !== "" && !rest.startsWith("#"))) throw new NotFollowed();
      return;
    }
    this.node(indent, content);
  }

  /** A node that starts at `col` on the current line, as the next entry of an enclosing block. */
  private node(col: number, s: string): void {
    const seqItem = isSeqItem(s);
    const pending = this.pending;
    this.pending = undefined;
    if (pending !== undefined && (col > pending.owner || (col === pending.owner && pending.fromMap && seqItem))) {
      while (this.top() !== undefined && this.top()!.indent > pending.owner) this.stack.pop();
      this.value(col, s, pending.path, pending.owner, pending.fromMap);
      return;
    }
    for (;;) {
      const top = this.top();
      if (top === undefined || top.indent < col) break;
      if (top.indent === col && (top.kind === "seq") === seqItem) break;
      this.stack.pop();
    }
    const top = this.top();
    if (top === undefined) {
      // Only the document's root node starts with nothing around it.
      if (this.seenRoot) throw new NotFollowed();
      this.seenRoot = true;
      this.value(col, s, [], -1, false);
      return;
    }
    if (top.indent !== col) throw new NotFollowed();
    if (seqItem) this.seqItem(top, col, s);
    else this.mapEntry(top, col, s);
  }

  private open(kind: Block["kind"], indent: number, path: PropertyKey[]): Block {
    const block: Block = { indent, kind, path, keys: new Set(), index: -1 };
    this.stack.push(block);
    return block;
  }

  private top(): Block | undefined {
    return this.stack[this.stack.length - 1];
  }

  /** A value starting at `col` (after its key or dash, or on a line of its own), owned by column `owner`. */
  private value(col: number, s: string, path: PropertyKey[], owner: number, fromMap: boolean): void {
    if (isSeqItem(s)) {
      this.seqItem(this.open("seq", col, path), col, s);
      return;
    }
    if (keyAt(s) !== undefined) {
      // A mapping starts here, its anchor or tag (if any) on its first key.
      this.mapEntry(this.open("map", col, path), col, s);
      return;
    }
    const props = nodeProperties(s);
    if (props > 0) {
      s = s.slice(props);
      col += props;
    }
    if (s === "" || s.startsWith("#")) {
      this.pending = { owner, path, fromMap };
      return;
    }
    const c = s[0];
    if (c === "?") throw new NotFollowed();
    if (c === "|" || c === ">") {
      this.scalarOwner = Math.max(owner, 0);
      return;
    }
    if (c === "[" || c === "{") {
      this.flow(col, path);
      return;
    }
    this.scalar(s, owner);
  }

  private seqItem(block: Block, col: number, s: string): void {
    block.index++;
    const rest = s.slice(1);
    const gap = rest.length - rest.trimStart().length;
    this.value(col + 1 + gap, rest.trimStart(), [...block.path, block.index], col, false);
  }

  private mapEntry(block: Block, col: number, s: string): void {
    const key = keyAt(s);
    if (key === undefined) throw new NotFollowed();
    if (key.name !== "<<") {
      if (block.keys.has(key.name)) throw new Found({ path: [...block.path, key.name], line: this.line + 1 });
      block.keys.add(key.name);
    }
    const rest = s.slice(key.end);
    const gap = rest.length - rest.trimStart().length;
    this.value(col + key.end + gap, rest.trimStart(), [...block.path, key.name], col, true);
  }

  /** A scalar value on this line: a quoted one may go on over the next lines, a plain one over deeper ones. */
  private scalar(s: string, owner: number): void {
    if (s[0] === '"' || s[0] === "'") this.closeQuote(s, 0);
    this.scalarOwner = Math.max(owner, 0);
  }

  /**
   * From the quote at `start` of line `s` (the current line) to the quote closing it, on this line or
   * a later one (the scanner moves there): that line's text and the closing quote's index in it.
   */
  private closeQuote(s: string, start: number): { text: string; end: number } {
    const quote = s[start]!;
    let end = closingQuote(s, start);
    while (end === -1) {
      this.line++;
      if (this.line >= this.lines.length) throw new NotFollowed();
      s = this.lines[this.line]!;
      // A continuation line is searched as if the quote opened it, so the index found is one past.
      const at = closingQuote(quote + s, 0);
      if (at !== -1) end = at - 1;
    }
    return { text: s, end };
  }

  /** A flow collection starting at `col` of the current line, possibly over several lines. */
  private flow(col: number, path: PropertyKey[]): void {
    interface Frame { kind: "map" | "seq"; path: PropertyKey[]; keys: Set<string>; index: number; key: string | undefined; afterColon: boolean; candidate: { name: string; line: number } | undefined }
    const frames: Frame[] = [];
    const addKey = (f: Frame, name: string, line: number) => {
      if (name === "<<") return;
      if (f.keys.has(name)) throw new Found({ path: [...f.path, name], line: line + 1 });
      f.keys.add(name);
    };
    const childPath = (): PropertyKey[] => {
      const f = frames[frames.length - 1];
      if (f === undefined) return path;
      return f.kind === "map" ? [...f.path, f.key ?? ""] : [...f.path, f.index];
    };
    /** A key written without a value (`{a, b}`) counts as a key. */
    const settleKey = (f: Frame) => {
      if (f.kind === "map" && !f.afterColon && f.candidate !== undefined) addKey(f, f.candidate.name, f.candidate.line);
      f.candidate = undefined;
      f.afterColon = false;
      f.key = undefined;
    };
    let s = this.lines[this.line]!;
    let i = col;
    for (;;) {
      if (i >= s.length) {
        if (frames.length === 0) return;
        this.line++;
        if (this.line >= this.lines.length) throw new NotFollowed();
        s = this.lines[this.line]!;
        i = 0;
        continue;
      }
      const c = s[i]!;
      if (c === " " || c === "\t") {
        i++;
        continue;
      }
      if (c === "#" && (i === 0 || s[i - 1] === " " || s[i - 1] === "\t")) {
        i = s.length;
        continue;
      }
      if (frames.length === 0 && c !== "[" && c !== "{") {
        // What follows a complete flow collection on its line: only a comment may.
        i = s.length;
        continue;
      }
      const f = frames[frames.length - 1];
      if (c === "[" || c === "{") {
        frames.push({ kind: c === "{" ? "map" : "seq", path: childPath(), keys: new Set(), index: 0, key: undefined, afterColon: false, candidate: undefined });
        i++;
        continue;
      }
      if (c === "]" || c === "}") {
        if (f === undefined) throw new NotFollowed();
        settleKey(f);
        frames.pop();
        i++;
        if (frames.length === 0) {
          this.scalarOwner = -1;
          i = s.length;
        }
        continue;
      }
      if (c === ",") {
        if (f === undefined) throw new NotFollowed();
        settleKey(f);
        if (f.kind === "seq") f.index++;
        i++;
        continue;
      }
      if (c === ":" && isFlowIndicatorColon(s, i)) {
        if (f === undefined) throw new NotFollowed();
        if (f.kind === "seq") throw new NotFollowed(); // `[a: 1]`: a single-pair mapping
        if (!f.afterColon) {
          const name = f.candidate?.name ?? "";
          addKey(f, name, f.candidate?.line ?? this.line);
          f.key = name;
          f.candidate = undefined;
          f.afterColon = true;
        }
        i++;
        continue;
      }
      if (c === "?") throw new NotFollowed();
      // A scalar: quoted (possibly over several lines) or plain.
      const startLine = this.line;
      let name: string;
      if (c === '"' || c === "'") {
        const closed = this.closeQuote(s, i);
        // A key is on one line; a string over several is a value.
        name = this.line === startLine ? unquote(s.slice(i, closed.end + 1)) : "";
        s = closed.text;
        i = closed.end + 1;
      } else {
        let j = i;
        while (j < s.length) {
          const d = s[j]!;
          if (d === "," || d === "[" || d === "]" || d === "{" || d === "}") break;
          if (d === ":" && isFlowIndicatorColon(s, j)) break;
          if (d === "#" && (s[j - 1] === " " || s[j - 1] === "\t")) break;
          j++;
        }
        name = plainKeyName(s.slice(i, j).trim());
        i = j;
      }
      if (f !== undefined && f.kind === "map" && !f.afterColon) f.candidate = { name, line: startLine };
    }
  }
}

function leadingSpaces(s: string): number {
  let i = 0;
  while (i < s.length && s.charCodeAt(i) === 32) i++;
  return i;
}

function isSeqItem(s: string): boolean {
  return s[0] === "-" && (s.length === 1 || s[1] === " " || s[1] === "\t");
}

/** Length of the anchor and tag (`&name`, `!tag`) a node starts with, if any. */
function nodeProperties(s: string): number {
  let i = 0;
  for (;;) {
    if (s[i] !== "&" && s[i] !== "!") return i;
    let j = i;
    while (j < s.length && s[j] !== " " && s[j] !== "\t") j++;
    // `!` alone or a tag glued to a flow opener (`!!map{`) is not followed here.
    if (/[{}[\],]/.test(s.slice(i, j))) throw new NotFollowed();
    i = j;
    while (i < s.length && (s[i] === " " || s[i] === "\t")) i++;
  }
}

/** `key: …` at the start of `s`: the key as the property name it becomes, and where its `:` ends. */
function keyAt(s: string): { name: string; end: number } | undefined {
  const props = nodeProperties(s);
  if (props === 0) return implicitKey(s);
  const key = implicitKey(s.slice(props));
  return key === undefined ? undefined : { name: key.name, end: key.end + props };
}

function implicitKey(s: string): { name: string; end: number } | undefined {
  const c = s[0];
  if (c === '"' || c === "'") {
    const close = closingQuote(s, 0);
    if (close === -1) return undefined;
    let i = close + 1;
    while (s[i] === " " || s[i] === "\t") i++;
    if (s[i] !== ":" || !(i + 1 === s.length || s[i + 1] === " " || s[i + 1] === "\t")) return undefined;
    return { name: unquote(s.slice(0, close + 1)), end: i + 1 };
  }
  if (c === "[" || c === "{" || c === "*" || c === "|" || c === ">" || c === "#") return undefined;
  for (let i = 0; i < s.length; i++) {
    const d = s[i];
    if (d === "#" && i > 0 && (s[i - 1] === " " || s[i - 1] === "\t")) return undefined;
    if (d === ":" && (i + 1 === s.length || s[i + 1] === " " || s[i + 1] === "\t")) {
      return { name: plainKeyName(s.slice(0, i).trim()), end: i + 1 };
    }
  }
  return undefined;
}

function isFlowIndicatorColon(s: string, i: number): boolean {
  const next = s[i + 1];
  if (next === undefined || next === " " || next === "\t" || next === "," || next === "]" || next === "}" || next === "[" || next === "{") return true;
  // JSON-style `"key":value`
  const prev = s[i - 1];
  return prev === '"' || prev === "'";
}

/** Index of the quote closing the one at `start`, or -1 when the line ends first. */
function closingQuote(s: string, start: number): number {
  const q = s[start];
  for (let i = start + 1; i < s.length; i++) {
    const c = s[i];
    if (q === '"' && c === "\\") {
      i++;
      continue;
    }
    if (c === q) {
      if (q === "'" && s[i + 1] === "'") {
        i++;
        continue;
      }
      return i;
    }
  }
  return -1;
}

const ESCAPES: Record<string, string> = { "0": "\0", a: "\x07", b: "\b", t: "\t", "\t": "\t", n: "\n", v: "\v", f: "\f", r: "\r", e: "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", N: "\x85", _: "\xa0", L: "\u2028", P: "\u2029" };

function unquote(quoted: string): string {
  const body = quoted.slice(1, -1);
  if (quoted[0] === "'") return body.replaceAll("''", "'");
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (all, e: string) => {
    if (e.length > 1) return String.fromCodePoint(parseInt(e.slice(1), 16));
    return ESCAPES[e] ?? all;
  });
}

/** A plain key as the property name it becomes under YAML 1.2's core schema: `1` and "1" collide, as do `0x1` and `1`. */
function plainKeyName(s: string): string {
  if (s === "" || s === "~" || s === "null" || s === "Null" || s === "NULL") return s === "" ? "" : "null";
  if (s === "true" || s === "True" || s === "TRUE") return "true";
  if (s === "false" || s === "False" || s === "FALSE") return "false";
  if (/^[-+]?[0-9]+$/.test(s)) return String(Number(s));
  if (/^0o[0-7]+$/.test(s)) return String(parseInt(s.slice(2), 8));
  if (/^0x[0-9a-fA-F]+$/.test(s)) return String(parseInt(s.slice(2), 16));
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(s)) return String(Number(s));
  if (/^[-+]?\.(inf|Inf|INF)$/.test(s)) return s[0] === "-" ? "-Infinity" : "Infinity";
  if (/^\.(nan|NaN|NAN)$/.test(s)) return "NaN";
  return s;
}
