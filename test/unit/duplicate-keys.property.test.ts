// The config's duplicate-key scanner (src/config/duplicate-keys.ts) against an oracle: the `yaml`
// package's syntax tree (a dev dependency only), on random YAML that Bun.YAML accepts. Block and
// flow collections, compact and indented sequences, quoted and numeric keys that collide by the
// property name they become, block scalars and quoted strings whose text looks like keys, comments,
// anchors and merge keys. Both must name the same first repeat, by path and line, or both none. And
// hostile text: random YAML punctuation never makes the scanner throw, deep or long files stay fast.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Node } from "yaml";
import { findDuplicateKey, type DuplicateKey } from "../../src/config/duplicate-keys.ts";

function oracle(text: string): DuplicateKey | undefined {
  const doc = parseDocument(text, { uniqueKeys: false, merge: true, prettyErrors: false });
  if (doc.errors.length > 0) return undefined;
  const walk = (node: unknown, path: PropertyKey[]): { path: PropertyKey[]; offset: number } | undefined => {
    if (isAlias(node)) return undefined;
    if (isSeq(node)) {
      for (let i = 0; i < node.items.length; i++) {
        const found = walk(node.items[i], [...path, i]);
        if (found) return found;
      }
      return undefined;
    }
    if (!isMap(node)) return undefined;
    const seen = new Set<string>();
    for (const pair of node.items) {
      // A merge key is a symbol there; Bun.YAML merges every `<<` of a mapping, so repeats of it are fine.
      const key = isScalar(pair.key) ? (typeof pair.key.value === "symbol" ? "<<" : String(pair.key.value)) : pair.key == null ? "" : String(pair.key);
      if (key !== "<<") {
        if (seen.has(key)) return { path: [...path, key], offset: (pair.key as Node | null)?.range?.[0] ?? 0 };
        seen.add(key);
      }
      const found = walk(pair.value, [...path, key]);
      if (found) return found;
    }
    return undefined;
  };
  const found = walk(doc.contents, []);
  if (found === undefined) return undefined;
  return { path: found.path, line: text.slice(0, found.offset).split("\n").length };
}

// ---- random documents -------------------------------------------------------------------------

type Tree =
  | { t: "scalar"; text: string }
  | { t: "block"; style: "|" | ">"; lines: string[] }
  | { t: "map"; entries: [string, Tree][]; flow: boolean; anchor: boolean }
  | { t: "seq"; items: Tree[]; flow: boolean; compact: boolean };

const keyText = fc.constantFrom("a", "b", "keys", "value", "model", "1", "01", "0x1", "true", "x y", '"a"', "'b'", '"1"', '"x y"', "'it''s'", '"q\\"s"', "<<");
const plain = fc.constantFrom("x", "hello world", "42", "3.5", "null", "http://h:80/v1", "a:b", "~", "*base");
const quoted = fc.constantFrom('"a: b"', '"# not a comment"', "'{ x: 1 }'", '"- item"', "'x: y, z: w'", '"esc \\" q: 1"', "''");
const comment = fc.constantFrom("", "", "", "  # note", " # key: dup");

const tree: fc.Arbitrary<Tree> = fc.letrec<{ node: Tree }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.oneof(plain, quoted).map((text) => ({ t: "scalar" as const, text })),
    fc.record({ style: fc.constantFrom("|" as const, ">" as const), lines: fc.array(fc.constantFrom("key: v", "- item", "a: 1", "text", "  indented: x", ""), { minLength: 1, maxLength: 3 }) })
      .map((b) => ({ t: "block" as const, ...b })),
    fc.record({ entries: fc.array(fc.tuple(keyText, tie("node")), { minLength: 1, maxLength: 4 }), flow: fc.boolean(), anchor: fc.boolean() })
      .map((m) => ({ t: "map" as const, ...m })),
    fc.record({ items: fc.array(tie("node"), { minLength: 1, maxLength: 3 }), flow: fc.boolean(), compact: fc.boolean() })
      .map((s) => ({ t: "seq" as const, ...s })),
  ),
})).node;

/** A flow rendering, or undefined where flow cannot hold the node (block scalars). */
function flowText(node: Tree): string | undefined {
  switch (node.t) {
    case "scalar":
      return node.text.startsWith("*") || /^[a-z0-9.~]/i.test(node.text) && !node.text.includes(":") ? node.text : node.text.startsWith('"') || node.text.startsWith("'") ? node.text : undefined;
    case "block":
      return undefined;
    case "map": {
      const parts: string[] = [];
      for (const [k, v] of node.entries) {
        if (k === "<<") continue;
        const value = flowText(v);
        if (value === undefined) return undefined;
        parts.push(`${k}: ${value}`);
      }
      return `{ ${parts.join(", ")} }`;
    }
    case "seq": {
      const parts: string[] = [];
      for (const item of node.items) {
        const value = flowText(item);
        if (value === undefined) return undefined;
        parts.push(value);
      }
      return `[${parts.join(", ")}]`;
    }
  }
}

/** Block lines for a node that is the value after `key:` or `-` (`head`), at `indent`. */
function render(node: Tree, indent: number, head: string, out: string[], notes: string[]): void {
  const pad = " ".repeat(indent);
  const note = () => notes[out.length % notes.length] ?? "";
  if (node.t === "scalar") {
    out.push(`${head} ${node.text}${note()}`);
    return;
  }
  if (node.t === "block") {
    out.push(`${head} ${node.style}`);
    for (const line of node.lines) out.push(line === "" ? "" : `${pad}  ${line}`);
    return;
  }
  const flow = node.flow ? flowText(node) : undefined;
  if (flow !== undefined) {
    out.push(`${head} ${flow}${note()}`);
    return;
  }
  if (node.t === "map") {
    out.push(`${head}${node.anchor ? " &anc" : ""}${note()}`);
    for (const [k, v] of node.entries) {
      if (k === "<<") {
        out.push(`${pad}  <<: *base`);
        continue;
      }
      if (v.t === "seq" && v.compact && !v.flow) render(v, indent, `${pad}  ${k}:`, out, notes);
      else render(v, indent + 2, `${pad}  ${k}:`, out, notes);
    }
    return;
  }
  out.push(`${head}${note()}`);
  for (const item of node.items) render(item, indent + 2, `${pad}  -`, out, notes);
}

function documentOf(root: [string, Tree][], notes: string[]): string {
  const out: string[] = ["base: &base { a: 1, b: 2 }"];
  for (const [k, v] of root) {
    if (k === "<<") out.push("<<: *base");
    else render(v, 0, `${k}:`, out, notes);
  }
  return out.join("\n") + "\n";
}

/** Bun.YAML is the parser of record: only text it accepts reaches the scanner. */
function acceptedByBun(text: string): boolean {
  try {
    Bun.YAML.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe("duplicate-key scanner agrees with the yaml package's syntax tree", () => {
  test("random documents: same first repeat (path and line), or none", () => {
    let compared = 0;
    let repeats = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(keyText, tree), { minLength: 1, maxLength: 5 }), fc.array(comment, { minLength: 1, maxLength: 4 }), (root, notes) => {
        const text = documentOf(root, notes);
        if (!acceptedByBun(text) || parseDocument(text, { uniqueKeys: false, merge: true }).errors.length > 0) return;
        compared++;
        const expected = oracle(text);
        if (expected !== undefined) repeats++;
        expect({ text, found: findDuplicateKey(text) }).toEqual({ text, found: expected });
      }),
      { numRuns: 1500 },
    );
    // The generator must mostly produce text both parsers accept, with and without repeats.
    expect(compared).toBeGreaterThan(500);
    expect(repeats).toBeGreaterThan(100);
    expect(compared - repeats).toBeGreaterThan(100);
  });

  test("hand-picked shapes", () => {
    const cases = [
      "a:\n- x: 1\n  x: 2\n",
      "a: |\n  a: 1\n  a: 1\nb: 1\nb: 2\n",
      "a: 'x\n  a: 1'\na: 2\n",
      "a: \"multi\n  line: x\"\nb: {k: 1,\n  k: 2}\n",
      "- &x a: 1\n  a: 2\n",
      "a: !!map\n  b: 1\n  b: 2\n",
      '{"a":1,"a":2}\n',
      "a: [1, {b: 2, c: [3, {d: 4, d: 5}]}]\n",
      "a: plain\n  continued text # x: 1\na: again\n",
      "# only a comment\n---\na: 1\nb: 2 # b: 3\n",
      "a:\n  # comment\n  b: 1\n  'b': 2\n",
      "x: {a, b, a}\n",
      "1: one\n0x1: also one\n",
    ];
    for (const text of cases) {
      expect(acceptedByBun(text)).toBe(true);
      expect({ text, found: findDuplicateKey(text) }).toEqual({ text, found: oracle(text) });
    }
  });

  test("hostile text: never throws, whatever Bun.YAML says of it, and stays fast on deep or long documents", () => {
    const piece = fc.constantFrom("a", "b", ":", ": ", "- ", "-", "\n", "\n  ", "  ", "\t", "{", "}", "[", "]", ",", "#", " #", "'", '"', "\\", "|", ">", "&x ", "*x", "!t ", "? ", "---", "<<: ", "\r\n", "\u00e9", "\ud800");
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), (parts) => {
        const text = parts.join("");
        const found = findDuplicateKey(text);
        if (found !== undefined) {
          expect(found.line).toBeGreaterThanOrEqual(1);
          expect(found.path.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 3000 },
    );
    const started = performance.now();
    findDuplicateKey(Array.from({ length: 1500 }, (_, i) => " ".repeat(i) + "k:").join("\n") + " 1\n");
    findDuplicateKey("a: " + "[".repeat(3000) + "]".repeat(3000) + "\n");
    expect(findDuplicateKey(Array.from({ length: 50_000 }, (_, i) => `k${i}: ${i}`).join("\n") + "\nk7: x\n")).toEqual({ path: ["k7"], line: 50_001 });
    expect(performance.now() - started).toBeLessThan(3000);
  });

  test("what it does not follow it leaves alone rather than guess", () => {
    expect(findDuplicateKey("? a\n: 1\n? a\n: 2\n")).toBeUndefined();
  });
});
