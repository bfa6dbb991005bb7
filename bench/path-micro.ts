// In-process cost of the gateway's own request path, with fetch replaced by a canned upstream answer:
// what Butter adds per request besides the sockets (the floor's fetch and Bun.serve costs are not in it).
// Usage: bun bench/path-micro.ts [iterations] [stream] [--alloc]  (stream: a streamed answer of 5 events, read to
// its end; also prints the time until the client's first chunk. --alloc: also the bytes each request allocates
// on the JS heap, from JSC's GC log: each side runs in a process of its own with BUN_JSC_logGC=1)
import { parseConfigText } from "../src/config/load.ts";
import { buildGeneration } from "../src/runtime/generation.ts";
import { GenerationHolder } from "../src/runtime/reloader.ts";
import { dispatch } from "../src/server/server.ts";
import { CHAT_BODY, PROVIDERS_YAML, STREAM_BODY, stubUpstreamFetch } from "./stub-upstream.ts";

const args = process.argv.slice(2).filter((a) => a !== "--alloc");
const N = Number(args[0] ?? 200_000);
const streaming = args[1] === "stream";
const WARMUP = 20_000;

if (process.argv.includes("--alloc")) {
  for (const side of ["floor", "butter"]) {
    const child = Bun.spawnSync([process.execPath, import.meta.path, ...args], { env: { ...process.env, BUN_JSC_logGC: "1", PATH_MICRO_ONLY: side } });
    const out = child.stdout.toString().trim();
    let bytes = 0;
    for (const m of child.stderr.toString().matchAll(/bytes allocated this cycle: (\d+)/g)) bytes += Number(m[1]);
    // Approximate: start-up allocations are counted in, the last cycle (no collection yet) is not.
    console.log(`${out}, ${Math.round(bytes / (N + WARMUP))} bytes allocated/request`);
  }
  process.exit(0);
}
const body = streaming ? STREAM_BODY : CHAT_BODY;
let firstChunk = 0;
stubUpstreamFetch();

const { config } = parseConfigText(PROVIDERS_YAML, {});
const deps = new GenerationHolder(await buildGeneration(config));

/** Reads the answer to its end; for a stream, adds the time from `t0` to its first chunk. */
async function drain(res: Response, t0: number): Promise<void> {
  if (!streaming) {
    await res.text();
    return;
  }
  const reader = res.body!.getReader();
  await reader.read();
  firstChunk += performance.now() - t0;
  while (!(await reader.read()).done);
}

async function once(): Promise<void> {
  const req = new Request("http://127.0.0.1:8080/v1/chat/completions", { method: "POST", body, headers: { "content-type": "application/json", "content-length": String(body.length) } });
  const t0 = performance.now();
  await drain(await dispatch(deps, req), t0);
}

async function baseline(): Promise<void> {
  const t0 = performance.now();
  // The floor's JS: parse, rewrite, serialise, "fetch", answer with the upstream body.
  const req = new Request("http://127.0.0.1:8080/v1/chat/completions", { method: "POST", body, headers: { "content-type": "application/json" } });
  const obj = (await req.json()) as { model: string };
  obj.model = obj.model.replace(/^openai\//, "");
  const up = await fetch("http://x/v1/chat/completions", { method: "POST", body: JSON.stringify(obj) });
  await drain(new Response(up.body, { status: up.status }), t0);
}

// PATH_MICRO_ONLY=floor|butter runs one of the two (--alloc does).
const only = process.env.PATH_MICRO_ONLY;
const runs = ([["floor-equivalent", baseline], ["butter dispatch", once]] as const).filter(([name]) => only === undefined || name.startsWith(only));
for (const [name, fn] of runs) {
  for (let i = 0; i < WARMUP; i++) await fn();
  Bun.gc(true);
  firstChunk = 0;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) await fn();
  const us = ((performance.now() - t0) * 1000) / N;
  console.log(`${name}: ${us.toFixed(2)} µs/request` + (streaming ? `, first chunk after ${((firstChunk * 1000) / N).toFixed(2)} µs` : ""));
}
