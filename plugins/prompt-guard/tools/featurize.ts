// AssemblyScript entry compiled by tools/train.ts only (not shipped): the classifier's features of
// each text exactly as the guard computes them (fold.ts + features.ts), so the trainer never
// re-implements folding in JS. Input: texts separated by U+0001; output per text one line
// "uni ...|bi ...|prefix ..." of bucket indexes (-1: none).
import { Host } from "@extism/as-pdk";
import { Folded, fold } from "../fold";
import { TokenFeatures, extractFeatures } from "../features";

function myAbort(message: string | null, fileName: string | null, lineNumber: u32, columnNumber: u32): void {}

const folded = new Folded();
const tokens = new TokenFeatures();

export function features(): i32 {
  const input = Host.inputString();
  const texts = input.split("\u0001");
  const lines = new Array<string>();
  for (let k = 0; k < texts.length; k++) {
    const s = texts[k];
    folded.reset();
    fold(s, 0, s.length, folded);
    extractFeatures(folded, tokens);
    const uni = new Array<string>();
    const bi = new Array<string>();
    const pre = new Array<string>();
    for (let i = 0; i < tokens.n; i++) {
      uni.push(tokens.uni[i].toString());
      bi.push(tokens.bi[i].toString());
      pre.push(tokens.pre[i].toString());
    }
    lines.push(uni.join(" ") + "|" + bi.join(" ") + "|" + pre.join(" "));
  }
  Host.outputString(lines.join("\n"));
  return 0;
}
