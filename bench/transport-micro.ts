// The upstream client alone: Bun's fetch against our HTTP/1.1 client (src/transport/http1-client.ts),
// both with keep-alive, against a local Bun.serve upstream in another process. Per client: p50/p99
// of one request at a time, and requests/s (and the client's CPU per request) with 64 in flight, for a JSON answer (Content-Length)
// and an SSE answer (20 events, chunked). Clients alternate over several rounds; medians reported.
//
//   bun bench/transport-micro.ts            (BENCH_QUICK=1 for a short run)
import { Http1Client } from "../src/transport/http1-client.ts";
import { BUN, CLIENT_CPU, fmtInt, median, percentile, pinned, pinSelf, PROXY_CPU, QUICK } from "./util.ts";

if (process.argv[2] === "--upstream") {
  const chat = JSON.stringify(JSON.parse(await Bun.file(new URL("./fixtures/openai/chat.response.json", import.meta.url)).text()));
  const events = Array.from({ length: 20 }, (_, i) => new TextEncoder().encode(`data: {"choices":[{"index":0,"delta":{"content":"token ${i}"}}]}\n\n`));
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      if (new URL(req.url).pathname === "/sse") {
        let i = 0;
        return new Response(new ReadableStream({
          pull(c) {
            if (i < events.length) c.enqueue(events[i++]!);
            else c.close();
          },
        }), { headers: { "content-type": "text/event-stream" } });
      }
      return new Response(chat, { headers: { "content-type": "application/json" } });
    },
  });
  console.log(server.port);
  await new Promise(() => {});
}

type Fetch = (url: string, init?: RequestInit) => Promise<Response>;
const body = JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hello!" }] });
const init: RequestInit = { method: "POST", body, headers: { "content-type": "application/json", authorization: "Bearer sk-bench" } };

async function once(call: Fetch, url: string): Promise<void> {
  const r = await call(url, { ...init, signal: new AbortController().signal, redirect: "manual" });
  await r.text();
}

async function latency(call: Fetch, url: string, n: number): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < n / 10; i++) await once(call, url);
  const us = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t = Bun.nanoseconds();
    await once(call, url);
    us[i] = (Bun.nanoseconds() - t) / 1e3;
  }
  return { p50: percentile(us, 50), p99: percentile(us, 99) };
}

/** Requests/s with `inFlight` loops, and the client process's CPU µs per request (steadier on a shared machine). */
async function throughput(call: Fetch, url: string, ms: number, inFlight = 64): Promise<{ rps: number; cpuUs: number }> {
  let done = 0;
  let running = true;
  const worker = async () => {
    while (running) {
      await once(call, url);
      done++;
    }
  };
  const workers = Array.from({ length: inFlight }, worker);
  await Bun.sleep(ms / 5); // warm-up: connections opened, JIT settled
  const start = done;
  const t = performance.now();
  const cpu = process.cpuUsage();
  await Bun.sleep(ms);
  const used = process.cpuUsage(cpu);
  const served = done - start;
  const rate = (served * 1000) / (performance.now() - t);
  running = false;
  await Promise.all(workers);
  return { rps: rate, cpuUs: (used.user + used.system) / served };
}

const upstream = Bun.spawn(pinned(PROXY_CPU, [BUN, import.meta.path, "--upstream"]), { stdout: "pipe", stderr: "inherit" });
const port = Number(await readFirstLine(upstream.stdout));
pinSelf(CLIENT_CPU);

async function readFirstLine(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return text.trim();
}

const clients: Record<string, Fetch> = { fetch: (u, i) => fetch(u, { ...i, decompress: false } as RequestInit), http1: new Http1Client().fetch };
const rounds = QUICK ? 1 : 3;
const n = QUICK ? 2_000 : 10_000;
const ms = QUICK ? 1_000 : 3_000;
const results: Record<string, { p50: number[]; p99: number[]; rps: number[]; cpu: number[] }> = {};
for (let round = 0; round < rounds; round++) {
  for (const path of ["/json", "/sse"]) {
    for (const [name, call] of Object.entries(clients)) {
      const key = `${name} ${path}`;
      const r = (results[key] ??= { p50: [], p99: [], rps: [], cpu: [] });
      const l = await latency(call, `http://127.0.0.1:${port}${path}`, n);
      r.p50.push(l.p50);
      r.p99.push(l.p99);
      const t = await throughput(call, `http://127.0.0.1:${port}${path}`, ms);
      r.rps.push(t.rps);
      r.cpu.push(t.cpuUs);
    }
  }
}
upstream.kill();

console.log(`| client | answer | p50 µs (c=1) | p99 µs (c=1) | requests/s (64 in flight) | client CPU µs/request (64 in flight) |`);
console.log(`|---|---|---:|---:|---:|---:|`);
for (const [key, r] of Object.entries(results)) {
  const [name, path] = key.split(" ");
  console.log(`| ${name} | ${path === "/sse" ? "SSE, 20 events (chunked)" : "JSON (Content-Length)"} | ${median(r.p50).toFixed(1)} | ${median(r.p99).toFixed(1)} | ${fmtInt(median(r.rps))} | ${median(r.cpu).toFixed(1)} |`);
}
for (const path of ["/json", "/sse"]) {
  const f = results[`fetch ${path}`]!;
  const h = results[`http1 ${path}`]!;
  console.log(`${path}: http1/fetch p50 ${(median(h.p50) / median(f.p50)).toFixed(2)}×, requests/s ${(median(h.rps) / median(f.rps)).toFixed(2)}×, CPU/request ${(median(h.cpu) / median(f.cpu)).toFixed(2)}× (${rounds} rounds, medians)`);
}
process.exit(0);
