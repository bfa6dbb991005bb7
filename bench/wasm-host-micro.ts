// Micro-benchmark of the WASM plugin host: per-call cost (p50, p99) of one hook call (word-block's
// pre_llm reading a 2 KB request and answering "continue"), and RSS growth over N calls; the same
// module through @extism/extism (foreground, with and without reset()) for comparison.
// Usage: bun scripts/build-plugins.ts && bun bench/wasm-host-micro.ts [N] [plugin.wasm]
// (a second argument measures that plugin instead of word-block, with its default config: e.g.
// plugins/prompt-guard.wasm, whose 2 KB benign text is scanned and passes).
import createPlugin from "@extism/extism";
import { loadWasmPlugin } from "../src/plugins/wasm/wasm-plugin.ts";
import type { LlmRequestPayload } from "../src/plugins/types.ts";

const N = Number(process.argv[2] ?? 200_000);
const WASM = process.argv[3] ?? "plugins/word-block.wasm";
const VERDICT = "test/plugins/wasm/fixtures/verdict.wasm";
const config: Record<string, string[]> = process.argv[3] ? {} : { words: ["forbidden", "classified"] };

const payload: LlmRequestPayload = {
  request_id: "req_bench", api: "chat_completions", operation: "chat", client_ip: undefined,
  body: { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "" }] },
};
const base = JSON.stringify(payload).length;
(payload.body as { messages: { content: string }[] }).messages[0]!.content = "lorem ipsum dolor sit amet ".repeat(100).slice(0, 2048 - base);
const input = JSON.stringify(payload);

interface Row { name: string; p50: number; p99: number; rssMb: number; calls: number; note?: string }

async function measure(name: string, calls: number, call: () => unknown): Promise<Row> {
  for (let i = 0; i < 10_000; i++) await call();
  Bun.gc(true);
  const rss0 = process.memoryUsage().rss;
  const times = new Float64Array(calls);
  let done = 0;
  let note: string | undefined;
  try {
    for (; done < calls; done++) {
      const t = Bun.nanoseconds();
      const r = call();
      if (r instanceof Promise) await r;
      times[done] = Bun.nanoseconds() - t;
    }
  } catch (err) {
    note = `failed after ${done} calls: ${String(err).slice(0, 90)}`;
  }
  Bun.gc(true);
  const rssMb = (process.memoryUsage().rss - rss0) / 1e6;
  const sorted = times.subarray(0, done).sort();
  return { name, p50: sorted[done >> 1]! / 1000, p99: sorted[Math.floor(done * 0.99)]! / 1000, rssMb, calls: done, note };
}

const rows: Row[] = [];
for (const [label, wasm] of [["verdict (reads input, answers {})", VERDICT], [process.argv[3] ?? "word-block", WASM]] as const) {
  const entry = { name: "bench", enabled: true, wasm, fail_closed: false, allowed_hosts: [], config } as Parameters<typeof loadWasmPlugin>[0];
  const lean = await loadWasmPlugin(entry, "plugins[0]");
  rows.push(await measure(`${label}: butter host (JSON encode, call, check output)`, N, () => lean.preLlm!(payload)));
  await lean.close?.();

  const bytes = new Uint8Array(await Bun.file(wasm).arrayBuffer());
  const sdkOpts = { useWasi: false, config: (config.words ? { words: JSON.stringify(config.words) } : {}) as Record<string, string>, functions: { env: { abort: () => {} } } };
  const sdk = await createPlugin({ wasm: [{ data: bytes }] }, sdkOpts);
  rows.push(await measure(`${label}: @extism/extism foreground + reset()`, N, async () => {
    await sdk.call("pre_llm", input);
    await sdk.reset();
  }));
  const sdk2 = await createPlugin({ wasm: [{ data: bytes }] }, sdkOpts);
  rows.push(await measure(`${label}: @extism/extism foreground, no reset`, N, () => sdk2.call("pre_llm", input)));
  await Promise.all([sdk.close(), sdk2.close()]);
}

console.log(`input ${input.length} bytes, ${N} calls`);
console.log("| host | p50 µs | p99 µs | RSS growth | calls |");
console.log("|---|---|---|---|---|");
for (const r of rows) console.log(`| ${r.name} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.rssMb.toFixed(1)} MB | ${r.calls}${r.note ? ` (${r.note})` : ""} |`);
process.exit(0);
