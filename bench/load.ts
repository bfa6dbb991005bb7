// Throughput at fixed concurrency: wrk (C, with a Lua script for the POST body) when on PATH, else a Bun
// fetch-loop generator in its own process. Either runs pinned to the client core, next to the mock upstream.
import { join } from "node:path";
import { BUN, CAN_PIN, CLIENT_CPU, ROOT, pinned } from "./util.ts";

export type LoadTool = "wrk" | "bun";

export const LOAD_TOOL: LoadTool = process.env.BENCH_LOADGEN === "bun" || !Bun.which("wrk") ? "bun" : "wrk";

export interface LoadResult {
  rps: number;
  requests: number;
  errors: number; // non-200 answers and socket errors
  detail?: string; // what the errors were, e.g. "non-2xx 3, timeout 64"
}

export interface LoadOptions {
  url: string;
  body: string;
  connections: number;
  seconds: number;
  tmpDir: string;
  /** Bearer token the clients send (default sk-bench). */
  auth?: string;
}

async function run(argv: string[]): Promise<string> {
  const p = Bun.spawn(argv, { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  if ((await p.exited) !== 0) throw new Error(`${argv.join(" ")} failed: ${err || out}`);
  return out;
}

async function wrk(o: LoadOptions): Promise<LoadResult> {
  const script = join(o.tmpDir, "post.lua");
  await Bun.write(
    script,
    [
      `wrk.method = "POST"`,
      `wrk.body = [==[${o.body}]==]`,
      `wrk.headers["Content-Type"] = "application/json"`,
      `wrk.headers["Authorization"] = "Bearer ${o.auth ?? "sk-bench"}"`,
      "",
    ].join("\n"),
  );
  const threads = CAN_PIN ? 1 : 2;
  const out = await run(
    pinned(CLIENT_CPU, ["wrk", `-t${threads}`, `-c${o.connections}`, `-d${o.seconds}s`, "-s", script, o.url]),
  );
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const total = /(\d+) requests in/.exec(out);
  if (!rps || !total) throw new Error(`cannot parse wrk output:\n${out}`);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const kinds: [string, number][] = [["non-2xx", non2xx]];
  if (sock) ["connect", "read", "write", "timeout"].forEach((k, i) => kinds.push([k, Number(sock[i + 1])]));
  const errors = kinds.reduce((a, [, n]) => a + n, 0);
  const detail = kinds.filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(", ");
  return { rps: Number(rps[1]), requests: Number(total[1]), errors, detail: detail || undefined };
}

async function bunGen(o: LoadOptions): Promise<LoadResult> {
  const bodyFile = join(o.tmpDir, "load-body.json");
  await Bun.write(bodyFile, o.body);
  const worker = join(ROOT, "bench", "load-worker.ts");
  const out = await run(
    pinned(CLIENT_CPU, [BUN, worker, o.url, bodyFile, String(o.connections), String(o.seconds), "0.5", o.auth ?? "sk-bench"]),
  );
  const r = JSON.parse(out.trim().split("\n").pop() ?? "{}") as LoadResult;
  return { rps: r.rps, requests: r.requests, errors: r.errors, detail: r.detail };
}

export function runLoad(o: LoadOptions): Promise<LoadResult> {
  return LOAD_TOOL === "wrk" ? wrk(o) : bunGen(o);
}
