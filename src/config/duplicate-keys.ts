// Bun.YAML.parse keeps the last of two equal keys without a word, so `keys:` written twice under a
// provider (an edit pasted below the old block) would silently drop the first. The `yaml` package's
// syntax tree still holds both; this walks it and names the first repeated key by its config path.
// Bun.YAML stays the parser of record: this only looks for repeats.
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Node } from "yaml";

export interface DuplicateKey {
  /** Path of the repeated key itself, e.g. ["providers", "openai", "keys"]. */
  path: PropertyKey[];
  /** 1-based line of the repeat in the (interpolated) text. */
  line: number;
}

export function findDuplicateKey(text: string): DuplicateKey | undefined {
  // `merge: true`: `<<: *anchor` is a merge, and keys written beside it may override merged ones.
  const doc = parseDocument(text, { uniqueKeys: false, merge: true, prettyErrors: false });
  const found = walk(doc.contents, []);
  if (found === undefined) return undefined;
  return { path: found.path, line: lineOf(text, found.offset) };
}

function walk(node: unknown, path: PropertyKey[]): { path: PropertyKey[]; offset: number } | undefined {
  if (isAlias(node)) return undefined; // the anchored node is checked where it is defined
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
    const key = keyName(pair.key);
    if (key !== "<<") {
      // Keys are compared as the property names they become: `1` and "1" collide.
      if (seen.has(key)) return { path: [...path, key], offset: (pair.key as Node | null)?.range?.[0] ?? 0 };
      seen.add(key);
    }
    const found = walk(pair.value, [...path, key]);
    if (found) return found;
  }
  return undefined;
}

function keyName(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  if (key === null || key === undefined) return "";
  return String(key);
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) line++;
  return line;
}
