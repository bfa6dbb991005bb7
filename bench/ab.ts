// A/B at concurrency 1: the Bun floor and two gateways (this checkout, and another checkout or the same one with
// other settings) in alternating rounds against one mock upstream, for changes too small for `npm run bench` to
// resolve: on a shared machine the c=1 numbers of one row move by ±15 µs from run to run, so a change is judged by
// its difference from the other gateway in the same rounds.
// Usage: AB_B=<dir> bun bench/ab.ts   (B = the gateway in <dir>, e.g. `git worktree add /tmp/base HEAD~1` with a
//        node_modules link: `ln -s $PWD/node_modules /tmp/base/`)
//   AB_A_ENV / AB_B_ENV="NAME=value ..."  each gateway's extra environment (B is this checkout when AB_B is unset)
//   AB_B_CONFIG="ledger:\n  enabled: false\n"  YAML appended to B's config (`\n` for newlines)
//   AB_ROUNDS (16), AB_N (1,500 requests per round and target; streams a quarter of that)
//   AB_WHAT (json,stream,raw): JSON round trips (fetch), stream TTFB (fetch), stream TTFB on a raw socket
//   AB_IDLE_MS (0): every target idles this long before each of its turns, as a row of `npm run bench` does
//   while the other rows are measured
import { join } from "node:path";
import { killAll, startService, type Service } from "./proc.ts";
import { timeRawStreams, timeRequests, timeStreams } from "./latency.ts";
import { BUN, CLIENT_CPU, PROXY_CPU, ROOT, envPairs, median, percentile, pinSelf, pinned } from "./util.ts";

const ROUNDS = Number(process.env.AB_ROUNDS ?? 16);
const N = Number(process.env.AB_N ?? 1_500);
const WHAT = (process.env.AB_WHAT ?? "json,stream,raw").split(",");
const IDLE_MS = Number(process.env.AB_IDLE_MS ?? 0);
const B_DIR = process.env.AB_B;
if (B_DIR === undefined && !process.env.AB_B_ENV && !process.env.AB_B_CONFIG) {
  console.error("bench/ab.ts: set AB_B (another checkout), AB_B_ENV or AB_B_CONFIG: B must differ from A");
  process.exit(2);
}

const tmp = `/tmp/butter-ab-${process.pid}`;
await Bun.$`mkdir -p ${tmp}`;
pinSelf(CLIENT_CPU);

interface Target { name: string; svc: Service }

async function main(): Promise<void> {
  const mock = await startService({ name: "mock", argv: pinned(CLIENT_CPU, [BUN, join(ROOT, "bench/mock-upstream.ts")]), env: { PORT: "0" }, tmpDir: tmp });
  const config = `server:\n  address: "127.0.0.1:0"\nproviders:\n  openai:\n    base_url: ${mock.baseUrl}/v1\n    keys:\n      - value: sk-bench\n`;
  await Bun.write(`${tmp}/a.yaml`, config);
  await Bun.write(`${tmp}/b.yaml`, config + (process.env.AB_B_CONFIG ?? "").replaceAll("\\n", "\n"));
  const gateway = (name: string, dir: string, file: string, env: string | undefined) =>
    startService({ name, argv: pinned(PROXY_CPU, [BUN, join(dir, "src/main.ts"), "--config", `${tmp}/${file}`, "--no-watch"]), env: envPairs(env), tmpDir: tmp });
  const targets: Target[] = [
    { name: "floor", svc: await startService({ name: "floor", argv: pinned(PROXY_CPU, [BUN, join(ROOT, "bench/floor-bun.ts")]), env: { PORT: "0", UPSTREAM: mock.baseUrl }, tmpDir: tmp }) },
    { name: "A", svc: await gateway("a", ROOT, "a.yaml", process.env.AB_A_ENV) },
    { name: "B", svc: await gateway("b", B_DIR ?? ROOT, "b.yaml", process.env.AB_B_ENV) },
  ];
  const json = JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hello!" }] });
  const stream = JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hello!" }], stream: true });
  const measures: Record<string, (t: Target) => Promise<number>> = {
    json: async (t) => median(await timeRequests(`${t.svc.baseUrl}/v1/chat/completions`, json, N)),
    stream: async (t) => median((await timeStreams(`${t.svc.baseUrl}/v1/chat/completions`, stream, N >> 2)).ttfbUs),
    raw: async (t) => median(await timeRawStreams(t.svc.port, stream, N >> 2)),
  };
  const what = WHAT.filter((w) => measures[w] !== undefined);
  // Warm-up: the JIT compiles each target's request and stream paths before anything counts.
  for (const t of targets) for (const w of what) await measures[w]!(t);
  const samples: Record<string, number[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    // A before B in even rounds, B before A in odd ones: whichever runs second may find the core warmer.
    const order = round % 2 === 0 ? targets : [targets[0]!, targets[2]!, targets[1]!];
    for (const w of what) {
      for (const t of order) {
        if (IDLE_MS > 0) await Bun.sleep(IDLE_MS);
        (samples[`${w}:${t.name}`] ??= []).push(await measures[w]!(t));
      }
    }
    process.stderr.write(`round ${round + 1}/${ROUNDS}\r`);
  }
  console.log(`\nA = ${ROOT}${process.env.AB_A_ENV ? ` (${process.env.AB_A_ENV})` : ""}; B = ${B_DIR ?? ROOT}${process.env.AB_B_ENV ? ` (${process.env.AB_B_ENV})` : ""}${process.env.AB_B_CONFIG ? ` + config ${JSON.stringify(process.env.AB_B_CONFIG)}` : ""}`);
  console.log(`${ROUNDS} alternating rounds${IDLE_MS > 0 ? `, ${IDLE_MS} ms idle before each turn` : ""}; medians of the rounds' medians (µs), the rounds' spread in brackets\n`);
  console.log("| measure | floor | A | B | A − floor | B − floor | B − A per round: median (quartiles) |\n|---|---:|---:|---:|---:|---:|---:|");
  const label: Record<string, string> = { json: "JSON round trip (fetch)", stream: "stream TTFB (fetch)", raw: "stream TTFB (raw socket)" };
  for (const w of what) {
    const of = (name: string) => samples[`${w}:${name}`]!;
    const cell = (xs: number[]) => `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
    const diff = (x: number) => (x >= 0 ? "+" : "") + x.toFixed(0);
    const paired = of("B").map((b, i) => b - of("A")[i]!);
    const quartiles = `${diff(percentile(paired, 25))} … ${diff(percentile(paired, 75))}`;
    console.log(`| ${label[w]} | ${cell(of("floor"))} | ${cell(of("A"))} | ${cell(of("B"))} | ${diff(median(of("A")) - median(of("floor")))} | ${diff(median(of("B")) - median(of("floor")))} | ${diff(median(paired))} (${quartiles}) |`);
  }
}

try {
  await main();
} finally {
  killAll();
  await Bun.$`rm -rf ${tmp}`.quiet();
}
