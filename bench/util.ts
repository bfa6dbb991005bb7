// Small shared helpers for the benchmark harness: stats, CPU pinning, timing.

export const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
export const BUN = process.execPath;
export const QUICK = process.env.BENCH_QUICK === "1";

export const sleep = (ms: number) => Bun.sleep(ms);
export const nowUs = () => Bun.nanoseconds() / 1e3;

export function percentile(xs: ArrayLike<number>, p: number): number {
  const a = Float64Array.from(xs).sort();
  if (a.length === 0) return NaN;
  const i = Math.min(a.length - 1, Math.max(0, Math.ceil((p / 100) * a.length) - 1));
  return a[i]!;
}

export const median = (xs: ArrayLike<number>) => percentile(xs, 50);

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return xs.length ? s / xs.length : NaN;
}

/** `taskset` (util-linux) present and usable on a machine with at least 2 CPUs? */
export const CAN_PIN: boolean = (() => {
  if (process.env.BENCH_NO_PIN === "1") return false;
  if (!Bun.which("taskset")) return false;
  if (navigator.hardwareConcurrency < 2) return false;
  return Bun.spawnSync(["taskset", "-c", "0", "true"]).exitCode === 0;
})();

/** The proxy under test gets core 0; mock upstream, load generator and this runner share core 1. */
export const PROXY_CPU = 0;
export const CLIENT_CPU = 1;

/** Space-separated words, none empty (an empty variable must not hand a program an empty argument). */
export const words = (text: string | undefined): string[] => (text ?? "").split(" ").filter((w) => w !== "");

/** `"NAME=value NAME2=value"` as an environment. */
export function envPairs(text: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of words(text)) {
    const at = pair.indexOf("=");
    if (at > 0) env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return env;
}

export function pinned(cpu: number, argv: string[]): string[] {
  return CAN_PIN ? ["taskset", "-c", String(cpu), ...argv] : argv;
}

/** Pin every thread of this process (the runner doing c=1 latency requests) to a core. */
export function pinSelf(cpu: number): void {
  if (CAN_PIN) Bun.spawnSync(["taskset", "-a", "-p", "-c", String(cpu), String(process.pid)]);
}

export function fmtInt(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? "n/a" : Math.round(x).toLocaleString("en-US");
}

export function fmtMB(kb: number | undefined): string {
  return kb === undefined || !Number.isFinite(kb) ? "n/a" : (kb / 1024).toFixed(1);
}

export function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}
