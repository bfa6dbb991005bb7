// In-process cost of the gateway's own request path, with fetch replaced by a canned upstream answer:
// what Butter adds per request besides the sockets (the floor's fetch and Bun.serve costs are not in it).
// Usage: bun bench/path-micro.ts [iterations] [stream]  (stream: a streamed answer of 5 events, read to its end;
// also prints the time until the client's first chunk)
import { parseConfigText } from "../src/config/load.ts";
import { buildGeneration } from "../src/runtime/generation.ts";
import { GenerationHolder } from "../src/runtime/reloader.ts";
import { dispatch } from "../src/server/server.ts";
import { CHAT_BODY, PROVIDERS_YAML, STREAM_BODY, stubUpstreamFetch } from "./stub-upstream.ts";

const N = Number(process.argv[2] ?? 200_000);
const streaming = process.argv[3] === "stream";
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

for (const [name, fn] of [["floor-equivalent", baseline], ["butter dispatch", once]] as const) {
  for (let i = 0; i < 20_000; i++) await fn();
  Bun.gc(true);
  firstChunk = 0;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) await fn();
  const us = ((performance.now() - t0) * 1000) / N;
  console.log(`${name}: ${us.toFixed(2)} µs/request` + (streaming ? `, first chunk after ${((firstChunk * 1000) / N).toFixed(2)} µs` : ""));
}
