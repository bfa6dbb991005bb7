// Start a server process (mock, floor or gateway), wait for its JSON "... listening" line (stdout, or stderr as a
// fallback), stop it.
// stdout and stderr go to files, not pipes: a chatty access log can never block the process under test,
// and this runner spends no CPU draining them during the throughput phase.
import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, sleep } from "./util.ts";

export interface Service {
  name: string;
  pid: number;
  port: number;
  baseUrl: string;
  stop(): Promise<void>;
  stderrTail(): string;
}

export interface SpawnOptions {
  name: string;
  argv: string[];
  env?: Record<string, string>;
  tmpDir: string;
  timeoutMs?: number;
  /** Working directory (default: the repository). */
  cwd?: string;
}

const live = new Set<{ kill(sig?: number | NodeJS.Signals): void }>();

export function killAll(): void {
  for (const p of live) {
    try {
      p.kill("SIGKILL");
    } catch {}
  }
  live.clear();
}

function tail(path: string, lines = 15): string {
  try {
    return readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

/** Parses the port from a JSON log line like {"msg":"butter listening","address":"127.0.0.1:8080"}. */
export function listeningPort(stdout: string): number | undefined {
  for (const line of stdout.split("\n")) {
    if (!line.includes("listening")) continue;
    try {
      const o = JSON.parse(line) as { msg?: unknown; address?: unknown };
      if (typeof o.msg !== "string" || !o.msg.endsWith("listening")) continue;
      const m = /:(\d+)\/?$/.exec(String(o.address ?? ""));
      if (m) return Number(m[1]);
    } catch {}
  }
  return undefined;
}

export async function startService(o: SpawnOptions): Promise<Service> {
  const slug = o.name.replace(/[^a-z0-9]+/gi, "-");
  const outPath = join(o.tmpDir, `${slug}.stdout`);
  const errPath = join(o.tmpDir, `${slug}.stderr`);
  const out = openSync(outPath, "w");
  const err = openSync(errPath, "w");
  const proc = Bun.spawn(o.argv, { cwd: o.cwd ?? ROOT, env: { ...process.env, ...o.env }, stdin: "ignore", stdout: out, stderr: err });
  closeSync(out);
  closeSync(err);
  live.add(proc);
  const stderrTail = () => tail(errPath) || tail(outPath);
  const deadline = Date.now() + (o.timeoutMs ?? 10_000);
  let port: number | undefined;
  while (port === undefined) {
    port = listeningPort(readFileSync(outPath, "utf8")) ?? listeningPort(readFileSync(errPath, "utf8"));
    if (port !== undefined) break;
    if (proc.exitCode !== null || proc.signalCode !== null) {
      live.delete(proc);
      throw new Error(`${o.name} exited (${proc.exitCode ?? proc.signalCode}) before listening:\n${stderrTail()}`);
    }
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      live.delete(proc);
      throw new Error(`${o.name} did not log "listening" within ${(o.timeoutMs ?? 10_000) / 1000} s:\n${stderrTail()}`);
    }
    await sleep(20);
  }
  return {
    name: o.name,
    pid: proc.pid,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    stderrTail,
    async stop() {
      proc.kill("SIGTERM");
      const t = setTimeout(() => proc.kill("SIGKILL"), 3000);
      await proc.exited;
      clearTimeout(t);
      live.delete(proc);
    },
  };
}
