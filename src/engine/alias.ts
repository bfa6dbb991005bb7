/**
 * Vose's alias method: after an O(n) build, one uniform draw picks index i with probability
 * weights[i] / sum(weights) in O(1) — split the draw into a column (integer part) and a coin
 * (fractional part), and take the column or its alias.
 */
export interface AliasTable {
  readonly size: number;
  readonly prob: Float64Array;
  readonly alias: Uint32Array;
}

export function buildAlias(weights: readonly number[]): AliasTable {
  const n = weights.length;
  const prob = new Float64Array(n);
  const alias = new Uint32Array(n);
  if (n === 0) return { size: 0, prob, alias };
  let sum = 0;
  for (const w of weights) sum += w;
  const scaled = weights.map((w) => (w * n) / sum);
  const small: number[] = [];
  const large: number[] = [];
  scaled.forEach((p, i) => (p < 1 ? small : large).push(i));
  while (small.length > 0 && large.length > 0) {
    const s = small.pop()!;
    const l = large.pop()!;
    prob[s] = scaled[s]!;
    alias[s] = l;
    scaled[l] = scaled[l]! + scaled[s]! - 1;
    (scaled[l]! < 1 ? small : large).push(l);
  }
  // What remains is 1 up to rounding error.
  for (const i of large) (prob[i] = 1), (alias[i] = i);
  for (const i of small) (prob[i] = 1), (alias[i] = i);
  return { size: n, prob, alias };
}

/** `u` is uniform in [0, 1). */
export function drawAlias(table: AliasTable, u: number): number {
  const x = u * table.size;
  const i = x | 0;
  return x - i < table.prob[i]! ? i : table.alias[i]!;
}
