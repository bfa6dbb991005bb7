// Trains prompt-guard's learned classifier and writes ../model-weights.ts (committed, so builds never
// retrain). Logistic regression over hashed word unigrams + bigrams (features.ts) for injection vs
// benign, plus a small softmax head over the same buckets that names the category; quantised to i8.
// Data: our own rows only — test/guard/dataset/*.jsonl except heldout-*, and dataset/train/*.jsonl.
// The held-out sets are never read here. Deterministic: fixed seed, full-batch Adam, fixed epochs.
// The default threshold is chosen by 5-fold cross-validation for ≤ 1% false positives.
// Run: bun plugins/prompt-guard/tools/train.ts [--cv-only] [--show-fp] [--dump-oof FILE]  (then bun scripts/build-plugins.ts)
import createPlugin from "@extism/extism";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const ROOT = join(import.meta.dir, "../../..");
const DATA = join(ROOT, "test/guard/dataset");
const OUT = join(ROOT, "plugins/prompt-guard/model-weights.ts");
process.chdir(ROOT); // asc resolves entries and node_modules from the working directory

// Must match features.ts / classifier.ts.
const FEATURE_BITS = 16;
const CATEGORY_BITS = 12;
const WINDOW = 48;
const STEP = 24;
const MIN_COUNT = 8;
const CATEGORIES = ["instruction_override", "role_hijack", "prompt_extraction", "delimiter_injection", "encoded_payload", "data_exfiltration", "tool_abuse", "unicode_obfuscation"];

const SEED = 20261201;
// Overridable from the environment for experiments (GUARD_L2=...); the committed weights use these defaults.
const num = (name: string, dflt: number) => (process.env[name] ? Number(process.env[name]) : dflt);
const EPOCHS = num("GUARD_EPOCHS", 400);
const LR = num("GUARD_LR", 0.05);
const L2 = num("GUARD_L2", 2e-6);
const CAT_EPOCHS = num("GUARD_CAT_EPOCHS", 300);
const CAT_L2 = num("GUARD_CAT_L2", 5e-4);
const FOLDS = 5;
const USE_PREFIX = num("GUARD_PREFIX", 1) === 1;
const TARGET_FPR = 0.01;

interface Row { text: string; label: "injection" | "benign"; category?: string; file: string }
interface Example { uni: Int32Array; bi: Int32Array; pre: Int32Array; y: number; cat: number; file: string; row: Row }

function loadRows(): Row[] {
  const files = [
    ...readdirSync(DATA).filter((f) => f.endsWith(".jsonl") && !f.startsWith("heldout-")).map((f) => join(DATA, f)),
    ...readdirSync(join(DATA, "train")).filter((f) => f.endsWith(".jsonl")).map((f) => join(DATA, "train", f)),
  ].sort();
  return files.flatMap((path) => readFileSync(path, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => ({ ...(JSON.parse(l) as Omit<Row, "file">), file: relative(DATA, path) })));
}

async function featurizer(): Promise<(texts: string[]) => Promise<{ uni: Int32Array; bi: Int32Array; pre: Int32Array }[]>> {
  const asc = (await import("assemblyscript/asc")).default;
  const out = join(mkdtempSync(join(tmpdir(), "guard-train-")), "featurize.wasm");
  const entry = "plugins/prompt-guard/tools/featurize.ts";
  let stderr = "";
  const { error } = await asc.main([entry, "--outFile", out, "-O3", "--noColors", "--use", "abort=plugins/prompt-guard/tools/featurize/myAbort"], {
    stdout: { write: () => true } as never,
    stderr: { write: (s: string | Uint8Array) => ((stderr += typeof s === "string" ? s : new TextDecoder().decode(s)), true) } as never,
  });
  if (error) throw new Error(`featurize.ts did not compile\n${stderr}`);
  const plugin = await createPlugin({ wasm: [{ data: new Uint8Array(readFileSync(out)) }] }, { useWasi: false });
  return async (texts) => {
    const res: { uni: Int32Array; bi: Int32Array; pre: Int32Array }[] = [];
    for (let i = 0; i < texts.length; i += 200) {
      const batch = texts.slice(i, i + 200).map((t) => t.replaceAll("\u0001", " "));
      const text = (await plugin.call("features", batch.join("\u0001")))!.text();
      await plugin.reset();
      for (const line of text.split("\n")) {
        const [u, b, p] = line.split("|") as [string, string, string];
        const nums = (s: string) => Int32Array.from(s === "" ? [] : s.split(" ").map(Number));
        res.push({ uni: nums(u), bi: nums(b), pre: nums(p) });
      }
    }
    return res;
  };
}

/** Windows of a token sequence, as the guard cuts them: [from, to) pairs. */
function windows(n: number): [number, number][] {
  if (n === 0) return [];
  const out: [number, number][] = [];
  for (let s = 0; ; s += STEP) {
    const e = Math.min(n, s + WINDOW);
    out.push([s, e]);
    if (e >= n) break;
  }
  return out;
}

/** A window's distinct features (buckets), each with value 1/sqrt(count) — as classifier.ts computes them. */
function windowFeatures(x: Example, from: number, to: number): { idx: Int32Array; val: number } {
  const idx = new Set<number>();
  for (let k = from; k < to; k++) {
    idx.add(x.uni[k]!);
    if (k > from) idx.add(x.bi[k]!);
    if (USE_PREFIX && x.pre[k]! >= 0) idx.add(x.pre[k]!);
  }
  return { idx: Int32Array.from(idx), val: 1 / Math.sqrt(Math.max(idx.size, MIN_COUNT)) };
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Adam {
  m: Float64Array; v: Float64Array; t = 0;
  constructor(n: number, readonly lr: number) { this.m = new Float64Array(n); this.v = new Float64Array(n); }
  step(w: Float64Array, g: Float64Array): void {
    this.t++;
    const b1 = 0.9, b2 = 0.999;
    const c1 = 1 - b1 ** this.t, c2 = 1 - b2 ** this.t;
    for (let i = 0; i < w.length; i++) {
      const gi = g[i]!;
      if (gi === 0 && this.m[i] === 0) continue;
      this.m[i] = b1 * this.m[i]! + (1 - b1) * gi;
      this.v[i] = b2 * this.v[i]! + (1 - b2) * gi * gi;
      w[i] = w[i]! - (this.lr * (this.m[i]! / c1)) / (Math.sqrt(this.v[i]! / c2) + 1e-8);
    }
  }
}

interface Model { w: Float64Array; b: number; cw: Float64Array; cb: Float64Array }

function logit(w: Float64Array, b: number, f: { idx: Int32Array; val: number }): number {
  let s = 0;
  for (const i of f.idx) s += w[i]!;
  return b + s * f.val;
}

/** The guard's score of a text: the highest window logit, and that window. */
function scoreOf(w: Float64Array, b: number, x: Example): { z: number; f: { idx: Int32Array; val: number } | null } {
  let best = -Infinity;
  let bestF: { idx: Int32Array; val: number } | null = null;
  for (const [s, e] of windows(x.uni.length)) {
    const f = windowFeatures(x, s, e);
    const z = logit(w, b, f);
    if (z > best) { best = z; bestF = f; }
  }
  return { z: best, f: bestF };
}

function train(xs: Example[]): Model {
  const D = 1 << FEATURE_BITS;
  const w = new Float64Array(D);
  const bArr = new Float64Array(1);
  const opt = new Adam(D, LR);
  const optB = new Adam(1, LR);
  // Benign texts longer than a window: every window is a benign example. Injections: the window the
  // model currently finds most suspicious (the attack sits somewhere in a long document).
  const benign: { idx: Int32Array; val: number }[] = [];
  const positives: Example[] = [];
  for (const x of xs) {
    if (x.y === 0) for (const [s, e] of windows(x.uni.length)) benign.push(windowFeatures(x, s, e));
    else if (x.uni.length > 0) positives.push(x);
  }
  const posFixed = positives.map((x) => (x.uni.length <= WINDOW ? windowFeatures(x, 0, x.uni.length) : null));
  // Both classes weigh the same in total.
  const wPos = 0.5 / Math.max(1, positives.length), wNeg = 0.5 / Math.max(1, benign.length);
  const g = new Float64Array(D);
  const gb = new Float64Array(1);
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    g.fill(0);
    gb[0] = 0;
    const add = (f: { idx: Int32Array; val: number }, y: number, weight: number) => {
      const p = 1 / (1 + Math.exp(-logit(w, bArr[0]!, f)));
      const d = (p - y) * weight;
      for (const i of f.idx) g[i] = g[i]! + d * f.val;
      gb[0] = gb[0]! + d;
    };
    for (const f of benign) add(f, 0, wNeg);
    for (let k = 0; k < positives.length; k++) add(posFixed[k] ?? scoreOf(w, bArr[0]!, positives[k]!).f!, 1, wPos);
    for (let i = 0; i < D; i++) if (w[i] !== 0) g[i] = g[i]! + L2 * w[i]!;
    opt.step(w, g);
    optB.step(bArr, gb);
  }
  // The category head: softmax over the injection rows' (most suspicious window) features.
  const C = CATEGORIES.length, CD = 1 << CATEGORY_BITS;
  const cw = new Float64Array(C * CD);
  const cb = new Float64Array(C);
  const copt = new Adam(C * CD, LR), cbopt = new Adam(C, LR);
  const catX = positives.map((x, k) => ({ f: posFixed[k] ?? scoreOf(w, bArr[0]!, x).f!, c: x.cat }));
  const cg = new Float64Array(C * CD), cgb = new Float64Array(C);
  const z = new Float64Array(C);
  for (let epoch = 0; epoch < CAT_EPOCHS; epoch++) {
    cg.fill(0);
    cgb.fill(0);
    for (const { f, c } of catX) {
      let max = -Infinity;
      for (let k = 0; k < C; k++) {
        let s = 0;
        for (const i of f.idx) s += cw[k * CD + (i & (CD - 1))]!;
        z[k] = cb[k]! + s * f.val;
        if (z[k]! > max) max = z[k]!;
      }
      let sum = 0;
      for (let k = 0; k < C; k++) { z[k] = Math.exp(z[k]! - max); sum += z[k]!; }
      for (let k = 0; k < C; k++) {
        const d = (z[k]! / sum - (k === c ? 1 : 0)) / catX.length;
        cgb[k] = cgb[k]! + d;
        for (const i of f.idx) cg[k * CD + (i & (CD - 1))] = cg[k * CD + (i & (CD - 1))]! + d * f.val;
      }
    }
    for (let i = 0; i < cw.length; i++) if (cw[i] !== 0) cg[i] = cg[i]! + CAT_L2 * cw[i]!;
    copt.step(cw, cg);
    cbopt.step(cb, cgb);
  }
  return { w, b: bArr[0]!, cw, cb };
}

function categoryOf(m: Model, f: { idx: Int32Array; val: number }): number {
  const CD = 1 << CATEGORY_BITS;
  let best = -1, bestZ = -Infinity;
  for (let k = 0; k < CATEGORIES.length; k++) {
    let s = 0;
    for (const i of f.idx) s += m.cw[k * CD + (i & (CD - 1))]!;
    const z = m.cb[k]! + s * f.val;
    if (z > bestZ) { bestZ = z; best = k; }
  }
  return best;
}

function quantise(w: Float64Array): { q: Int8Array; scale: number } {
  let max = 0;
  for (const v of w) max = Math.max(max, Math.abs(v));
  const scale = max / 127 || 1;
  const q = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) q[i] = Math.max(-127, Math.min(127, Math.round(w[i]! / scale)));
  return { q, scale };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

const rows = loadRows();
const featurize = await featurizer();
const feats = await featurize(rows.map((r) => r.text));
const xs: Example[] = rows.map((r, i) => ({
  uni: feats[i]!.uni, bi: feats[i]!.bi, pre: feats[i]!.pre, y: r.label === "injection" ? 1 : 0,
  cat: Math.max(0, CATEGORIES.indexOf(r.category ?? "role_hijack")), file: r.file, row: r,
}));
const nPos = xs.filter((x) => x.y === 1).length;
console.log(`rows: ${xs.length} (${nPos} injection, ${xs.length - nPos} benign) from ${new Set(xs.map((x) => x.file)).size} files`);

// k-fold cross-validation: out-of-fold scores of every row, folds stratified by label.
const rand = rng(SEED);
const order = xs.map((_, i) => i);
for (let i = order.length - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [order[i], order[j]] = [order[j]!, order[i]!]; }
const fold = new Int32Array(xs.length);
let seenPos = 0, seenNeg = 0;
for (const i of order) fold[i] = xs[i]!.y === 1 ? seenPos++ % FOLDS : seenNeg++ % FOLDS;
const oof = new Float64Array(xs.length);
const oofCat = new Int32Array(xs.length);
for (let k = 0; k < FOLDS; k++) {
  const m = train(xs.filter((_, i) => fold[i] !== k));
  xs.forEach((x, i) => {
    if (fold[i] !== k) return;
    const s = scoreOf(m.w, m.b, x);
    oof[i] = s.z;
    oofCat[i] = s.f ? categoryOf(m, s.f) : -1;
  });
  console.log(`fold ${k + 1}/${FOLDS} done`);
}
const benignScores = xs.map((x, i) => (x.y === 0 ? oof[i]! : NaN)).filter((v) => !Number.isNaN(v)).sort((a, b) => b - a);
// The threshold: just above the benign score ranked at TARGET_FPR (so at most that share is flagged).
const allowed = Math.floor(benignScores.length * TARGET_FPR);
const threshold = Math.max(0, benignScores[allowed]! + 1e-6);
function report(t: number): string[] {
  const lines: string[] = [];
  const flagged = (i: number) => oof[i]! >= t;
  const pos = xs.map((x, i) => [x, i] as const).filter(([x]) => x.y === 1);
  const neg = xs.map((x, i) => [x, i] as const).filter(([x]) => x.y === 0);
  const rec = pos.filter(([, i]) => flagged(i)).length / pos.length;
  const fpr = neg.filter(([, i]) => flagged(i)).length / neg.length;
  const catOk = pos.filter(([x, i]) => flagged(i) && oofCat[i] === x.cat).length / Math.max(1, pos.filter(([, i]) => flagged(i)).length);
  lines.push(`threshold p=${(1 / (1 + Math.exp(-t))).toFixed(3)} (logit ${t.toFixed(3)}): recall ${pct(rec)}, false positives ${pct(fpr)} (${neg.filter(([, i]) => flagged(i)).length}/${neg.length}), category right on ${pct(catOk)} of hits`);
  // Templated rows have near-twins in every training fold: the hand-written ones are the fairer estimate.
  const hand = ([x]: readonly [Example, number]) => !x.file.startsWith("train/templated");
  const hp = pos.filter(hand), hn = neg.filter(hand);
  lines.push(`  hand-written rows only: recall ${pct(hp.filter(([, i]) => flagged(i)).length / hp.length)} of ${hp.length}, false positives ${pct(hn.filter(([, i]) => flagged(i)).length / hn.length)} of ${hn.length}`);
  const by = new Map<string, { n: number; hit: number }>();
  for (const [x, i] of pos) {
    for (const key of [`category ${x.row.category ?? "?"}`, `file ${x.file}`]) {
      const c = by.get(key) ?? { n: 0, hit: 0 };
      c.n++;
      if (flagged(i)) c.hit++;
      by.set(key, c);
    }
  }
  for (const [x, i] of neg) {
    const key = `file ${x.file} (benign FP)`;
    const c = by.get(key) ?? { n: 0, hit: 0 };
    c.n++;
    if (flagged(i)) c.hit++;
    by.set(key, c);
  }
  for (const [k, v] of [...by].sort()) lines.push(`  ${k.padEnd(48)} ${String(v.n).padStart(5)}  ${pct(v.hit / v.n)}`);
  return lines;
}
const cvLines = report(threshold);
console.log(`cross-validated (${FOLDS} folds, out-of-fold scores):\n${cvLines.join("\n")}`);
for (const p of [0.5, 0.7, 0.9]) console.log(`  at p=${p}: ${report(Math.log(p / (1 - p)))[0]}`);
if (process.argv.includes("--show-fp")) {
  xs.forEach((x, i) => { if (x.y === 0 && oof[i]! >= threshold) console.log(`  FP ${oof[i]!.toFixed(2)} ${x.file}: ${x.row.text.slice(0, 140)}`); });
  xs.forEach((x, i) => { if (x.y === 1 && oof[i]! < threshold) console.log(`  FN ${oof[i]!.toFixed(2)} ${x.file}: ${x.row.text.slice(0, 140)}`); });
}
// --dump-oof FILE: each row's out-of-fold probability (JSONL), to combine with the patterns' verdicts.
const dump = process.argv.indexOf("--dump-oof");
if (dump > 0) writeFileSync(process.argv[dump + 1]!, xs.map((x, i) => JSON.stringify({ file: x.file, text: x.row.text, label: x.row.label, p: 1 / (1 + Math.exp(-oof[i]!)), flagged: oof[i]! >= threshold })).join("\n") + "\n");
if (process.argv.includes("--cv-only")) process.exit(0);

const model = train(xs);
const wq = quantise(model.w);
const cq = quantise(model.cw);
// In-sample check with the quantised weights, as the guard will compute them.
const qw = Float64Array.from(wq.q, (v) => v * wq.scale);
let inFp = 0, inTp = 0;
for (const x of xs) {
  const z = scoreOf(qw, model.b, x).z;
  if (z >= threshold) { if (x.y === 1) inTp++; else inFp++; }
}
const inSample = `in-sample (quantised): recall ${pct(inTp / nPos)}, false positives ${inFp}/${xs.length - nPos}`;
console.log(inSample);

const literal = (a: Int8Array) => {
  const parts: string[] = [];
  for (let i = 0; i < a.length; i += 64) parts.push(Array.from(a.subarray(i, i + 64)).join(","));
  return parts.join(",\n");
};
const prob = 1 / (1 + Math.exp(-threshold));
const source = `// GENERATED by plugins/prompt-guard/tools/train.ts — do not edit; retrain instead (README "prompt-guard").
// Logistic regression over 2^${FEATURE_BITS} hashed word unigram/bigram buckets (features.ts), i8-quantised,
// and a ${CATEGORIES.length}-category softmax head over 2^${CATEGORY_BITS} buckets. Trained on ${xs.length} of our own rows
// (${nPos} injection, ${xs.length - nPos} benign; held-out sets not read), seed ${SEED}, ${EPOCHS} epochs.
// ${FOLDS}-fold cross-validation, ${cvLines[0]}
// ${inSample}

/** Default decision threshold (probability) chosen by cross-validation for ≤ ${TARGET_FPR * 100}% false positives. */
export const DEFAULT_THRESHOLD: f64 = ${prob.toFixed(4)};
export const BIAS: f64 = ${model.b};
export const SCALE: f64 = ${wq.scale};
export const CATEGORY_SCALE: f64 = ${cq.scale};
export const CATEGORY_BIAS: StaticArray<f64> = [${Array.from(model.cb).join(", ")}];

export const WEIGHTS: StaticArray<i8> = [
${literal(wq.q)}
];

/** Category k's weight of bucket i is CATEGORY_WEIGHTS[k << ${CATEGORY_BITS} | (i & ${(1 << CATEGORY_BITS) - 1})]. */
export const CATEGORY_WEIGHTS: StaticArray<i8> = [
${literal(cq.q)}
];
`;
writeFileSync(OUT, source);
console.log(`wrote ${relative(ROOT, OUT)} (${(source.length / 1024).toFixed(0)} KB)`);
process.exit(0);
