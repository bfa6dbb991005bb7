// `npm run bench -- --soak`: the long-run lines of issue 16, against one gateway (no plugins) pinned to
// core 0, with the upstream and the clients in this process on core 1.
//   1. Memory over a long run: SOAK_REQUESTS (1,000,000) non-streamed requests at c=64; RSS after the
//      first 10% against RSS at the end (target: at most 1.2×).
//   2. Long streams: SOAK_STREAMS (1,000) concurrent streams of SOAK_CHUNKS (2,000) chunks each, one
//      chunk every SOAK_CHUNK_MS (25) ms per stream. Every chunk carries the upstream's send time; the
//      delay to its arrival here is measured through the gateway and, for the same load, directly, so
//      what the gateway adds is the difference (target: no chunk delayed by more than 50 ms). RSS is
//      sampled during and after (target: bounded, and back down afterwards). The same 1,000 streams run
//      once before, SOAK_WARM_CHUNKS (20) chunks each, while the streaming code is still cold: that run
//      has a row of its own, the measured one is the second.
// SOAK_PROXY=floor runs it all through the Bun floor instead (result to stdout and bench/soak-result.md too);
// SOAK_BUN_ARGS adds arguments to the gateway's bun (a profiler's, say), SOAK_GATEWAY_ENV variables to its
// environment ("NAME=value NAME=value": MIMALLOC_PURGE_DELAY=-1, say).
// Numbers go to stdout and bench/soak-result.md.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startService } from "./proc.ts";
import { cpuWindow } from "./cpu.ts";
import { readMem } from "./rss.ts";
import { BUN, PROXY_CPU, ROOT, envPairs, fmtInt, log, percentile, pinSelf, pinned, words, CLIENT_CPU } from "./util.ts";

const REQUESTS = Number(process.env.SOAK_REQUESTS ?? 1_000_000);
const STREAMS = Number(process.env.SOAK_STREAMS ?? 1_000);
const CHUNKS = Number(process.env.SOAK_CHUNKS ?? 2_000);
const CHUNK_MS = Number(process.env.SOAK_CHUNK_MS ?? 25);
/** Chunks per stream of the first, cold run of the same 1,000 streams (reported apart), before the measured one. */
const WARM_CHUNKS = Number(process.env.SOAK_WARM_CHUNKS ?? 20);
const CONCURRENCY = 64;
/** SOAK_PROXY=floor: the same soak through the Bun floor, to tell the gateway's share from Bun's and the machine's. */
const FLOOR = process.env.SOAK_PROXY === "floor";

const gatewayEnv = () => envPairs(process.env.SOAK_GATEWAY_ENV);

const wallMs = () => performance.timeOrigin + performance.now();
const encoder = new TextEncoder();
const COMPLETION = JSON.stringify({
  id: "chatcmpl-soak", object: "chat.completion", created: 1, model: "gpt-4o-mini",
  choices: [{ index: 0, message: { role: "assistant", content: "Hello!" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 },
});

function streamBody(chunks: number): ReadableStream<Uint8Array> {
  let sent = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  return new ReadableStream({
    start(controller) {
      timer = setInterval(() => {
        const chunk = { id: "c", object: "chat.completion.chunk", created: 1, model: "gpt-4o-mini", t: wallMs(), choices: [{ index: 0, delta: { content: "x" }, finish_reason: null }] };
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(chunk)}\n\n`));
        if (++sent === chunks) {
          clearInterval(timer);
          controller.enqueue(encoder.encode("data: [DONE]\n\n"));
          controller.close();
        }
      }, CHUNK_MS);
    },
    cancel() {
      clearInterval(timer);
    },
  });
}

const upstream = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  idleTimeout: 0,
  async fetch(req) {
    // `max_tokens` (a field every gateway passes on) says how many chunks the stream has.
    const body = (await req.json()) as { stream?: boolean; max_tokens?: number };
    if (body.stream === true) return new Response(streamBody(body.max_tokens ?? CHUNKS), { headers: { "content-type": "text/event-stream" } });
    return new Response(COMPLETION, { headers: { "content-type": "application/json" } });
  },
});

const CHAT = JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hello" }] });
const streamRequest = (chunks: number) => JSON.stringify({ model: "openai/gpt-4o-mini", stream: true, max_tokens: chunks, messages: [{ role: "user", content: "Hello" }] });

async function requests(url: string, n: number, onProgress: (done: number) => void): Promise<number> {
  let next = 0;
  let errors = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      const res = await fetch(url, { method: "POST", body: CHAT, headers: { "content-type": "application/json" } });
      await res.arrayBuffer();
      if (res.status !== 200) errors++;
      onProgress(next);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return errors;
}

/**
 * Every chunk's delay from the upstream's send to its arrival here, ms (`first`: the streams' first
 * chunks, which wait behind the other streams' requests when all 1,000 start at once); and the
 * streams that did not complete.
 */
async function streams(url: string, chunks = CHUNKS): Promise<{ delays: Float64Array; first: Float64Array; incomplete: number }> {
  const body = streamRequest(chunks);
  const delays = new Float64Array(STREAMS * chunks);
  const first = new Float64Array(STREAMS);
  let firsts = 0;
  let at = 0;
  let incomplete = 0;
  const one = async () => {
    const res = await fetch(url, { method: "POST", body, headers: { "content-type": "application/json" } });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffered = "";
    let got = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const now = wallMs();
      buffered += decoder.decode(value, { stream: true });
      let i: number;
      while ((i = buffered.indexOf("\n\n")) >= 0) {
        const event = buffered.slice(0, i);
        buffered = buffered.slice(i + 2);
        const m = /"t":([\d.]+)/.exec(event);
        if (m !== null) {
          const delay = now - Number(m[1]);
          delays[at++] = delay;
          if (got === 0) first[firsts++] = delay;
          got++;
        }
      }
    }
    if (got !== chunks) incomplete++;
  };
  await Promise.all(Array.from({ length: STREAMS }, one));
  return { delays: delays.subarray(0, at), first: first.subarray(0, firsts), incomplete };
}

const mb = (kb: number | undefined) => (kb === undefined ? "n/a" : (kb / 1024).toFixed(1));

async function main(): Promise<void> {
  pinSelf(CLIENT_CPU);
  const tmp = mkdtempSync(join(tmpdir(), "butter-soak-"));
  const config = join(tmp, "soak.yaml");
  await Bun.write(config, `server:\n  address: "127.0.0.1:0"\nproviders:\n  openai:\n    base_url: http://127.0.0.1:${upstream.port}/v1\n    keys:\n      - value: sk-soak\nledger:\n  enabled: true\nstore: "sqlite:${join(tmp, "soak.db")}"\n`);
  const gw = FLOOR
    ? await startService({ name: "floor-soak", argv: pinned(PROXY_CPU, [BUN, join(ROOT, "bench/floor-bun.ts")]), env: { PORT: "0", UPSTREAM: `http://127.0.0.1:${upstream.port}` }, tmpDir: tmp, timeoutMs: 10_000 })
    : await startService({ name: "butter-soak", argv: pinned(PROXY_CPU, [BUN, ...words(process.env.SOAK_BUN_ARGS), join(ROOT, "src/main.ts"), "--config", config, "--no-watch"]), env: gatewayEnv(), tmpDir: tmp, timeoutMs: 10_000 });
  const what = FLOOR ? "the Bun floor (bench/floor-bun.ts) instead of the gateway" : "gateway with no plugins (ledger on, SQLite)";
  const extraEnv = process.env.SOAK_GATEWAY_ENV ? ` (with ${process.env.SOAK_GATEWAY_ENV})` : "";
  const lines: string[] = [`## Butter soak — ${new Date().toISOString().slice(0, 19)}Z`, "", `bun ${Bun.version}; ${what}${FLOOR ? "" : extraEnv}, pinned to core ${PROXY_CPU}; upstream and clients in one process on core ${CLIENT_CPU}.`, ""];
  try {
    const url = `${gw.baseUrl}/v1/chat/completions`;
    const idle = readMem(gw.pid)?.rssKB;
    log(`soak 1: ${REQUESTS} requests at c=${CONCURRENCY}`);
    let at10: number | undefined;
    let logged = 0;
    const tenth = Math.floor(REQUESTS / 10);
    const started = performance.now();
    const errors = await requests(url, REQUESTS, (done) => {
      if (at10 === undefined && done >= tenth) at10 = readMem(gw.pid)?.rssKB;
      if (done - logged < 100_000) return;
      logged = done;
      log(`  ${done} requests, RSS ${mb(readMem(gw.pid)?.rssKB)} MB`);
    });
    const seconds = (performance.now() - started) / 1000;
    const end = readMem(gw.pid)?.rssKB;
    lines.push("| long run | value |", "|---|---:|");
    lines.push(`| requests (errors) | ${fmtInt(REQUESTS)} (${errors}) |`, `| req/s | ${fmtInt(REQUESTS / seconds)} |`);
    lines.push(`| RSS idle / after ${fmtInt(tenth)} / after ${fmtInt(REQUESTS)} (MB) | ${mb(idle)} / ${mb(at10)} / ${mb(end)} |`);
    lines.push(`| end ÷ after first 10% (target ≤ 1.2) | ${at10 && end ? (end / at10).toFixed(2) : "n/a"} |`, "");

    log(`soak 2: ${STREAMS} streams × ${CHUNKS} chunks, every ${CHUNK_MS} ms`);
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, readMem(gw.pid)?.rssKB ?? 0)), 250);
    // The streaming code has not run yet (the long run above was JSON only): a first, short run of the
    // same 1,000 streams, reported on its own row, lets the JIT compile it, as any gateway in service has.
    const cold = await streams(url, WARM_CHUNKS);
    const window = cpuWindow(gw.pid);
    const through = await streams(url);
    const cpu = window.stop();
    clearInterval(sampler);
    await Bun.sleep(3000);
    const after = readMem(gw.pid)?.rssKB;
    // And once more 15 s after the streams, during the direct run below (which does not touch the gateway):
    // the JS heap and the allocators give memory back over seconds, not at once.
    let later: number | undefined;
    const laterTimer = setTimeout(() => (later = readMem(gw.pid)?.rssKB), 12_000);
    const direct = await streams(`http://127.0.0.1:${upstream.port}/v1/chat/completions`);
    const p = (xs: Float64Array, q: number) => percentile(xs, q).toFixed(1);
    const max = (xs: Float64Array) => xs.reduce((m, x) => (x > m ? x : m), 0).toFixed(1);
    lines.push("| long streams (ms from upstream send to client arrival) | p50 | p99 | p99.9 | max | max of the first chunks | incomplete streams |", "|---|---:|---:|---:|---:|---:|---:|");
    lines.push(`| through the gateway, first (cold) run, ${WARM_CHUNKS} chunks per stream | ${p(cold.delays, 50)} | ${p(cold.delays, 99)} | ${p(cold.delays, 99.9)} | ${max(cold.delays)} | ${max(cold.first)} | ${cold.incomplete} |`);
    lines.push(`| through the gateway | ${p(through.delays, 50)} | ${p(through.delays, 99)} | ${p(through.delays, 99.9)} | ${max(through.delays)} | ${max(through.first)} | ${through.incomplete} |`);
    lines.push(`| direct (same load, no gateway) | ${p(direct.delays, 50)} | ${p(direct.delays, 99)} | ${p(direct.delays, 99.9)} | ${max(direct.delays)} | ${max(direct.first)} | ${direct.incomplete} |`);
    clearTimeout(laterTimer);
    lines.push("", `Gateway RSS during the streams: peak ${mb(peak)} MB; 3 s after they ended ${mb(after)} MB; 15 s after ${mb(later)} MB.`);
    // Whether the gateway's core kept up: CPU per chunk relayed, and how busy each core was.
    const perChunk = cpu.procSeconds === undefined ? "n/a" : ((cpu.procSeconds * 1e6) / (STREAMS * CHUNKS)).toFixed(1);
    const busy = (core: number) => `${Math.round((cpu.coreBusy[`cpu${core}`] ?? 0) * 100)}%`;
    const faults = cpu.procFaults === undefined ? "n/a" : (cpu.procFaults / (STREAMS * CHUNKS)).toFixed(2);
    lines.push(`Gateway CPU during the measured streams: ${perChunk} µs per chunk, ${faults} minor page faults per chunk; core ${PROXY_CPU} (gateway) ${busy(PROXY_CPU)} busy, core ${CLIENT_CPU} (upstream and clients) ${busy(CLIENT_CPU)}.`, "");
  } finally {
    await gw.stop();
    upstream.stop(true);
    rmSync(tmp, { recursive: true, force: true });
  }
  const text = lines.join("\n");
  console.log(text);
  await Bun.write(join(ROOT, "bench/soak-result.md"), text + "\n");
}

await main();
