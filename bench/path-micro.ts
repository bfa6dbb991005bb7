// In-process cost of the gateway's own request path, with fetch replaced by a canned upstream answer:
// what Butter adds per request besides the sockets (the floor's fetch and Bun.serve costs are not in it).
// Usage: bun bench/path-micro.ts [iterations]
import { parseConfigText } from "../src/config/load.ts";
import { buildGeneration } from "../src/runtime/generation.ts";
import { GenerationHolder } from "../src/runtime/reloader.ts";
import { dispatch } from "../src/server/server.ts";
import { CHAT_BODY, PROVIDERS_YAML, stubUpstreamFetch } from "./stub-upstream.ts";

const N = Number(process.argv[2] ?? 200_000);
const body = CHAT_BODY;
stubUpstreamFetch();

const { config } = parseConfigText(PROVIDERS_YAML, {});
const deps = new GenerationHolder(await buildGeneration(config));

async function once(): Promise<void> {
  const req = new Request("http://127.0.0.1:8080/v1/chat/completions", { method: "POST", body, headers: { "content-type": "application/json", "content-length": String(body.length) } });
  const res = await dispatch(deps, req);
  await res.text();
}

async function baseline(): Promise<void> {
  // The floor's JS: parse, rewrite, serialise, "fetch", answer with the upstream body.
  const req = new Request("http://127.0.0.1:8080/v1/chat/completions", { method: "POST", body, headers: { "content-type": "application/json" } });
  const obj = (await req.json()) as { model: string };
  obj.model = obj.model.replace(/^openai\//, "");
  const up = await fetch("http://x/v1/chat/completions", { method: "POST", body: JSON.stringify(obj) });
  await new Response(up.body, { status: up.status }).text();
}

for (const [name, fn] of [["floor-equivalent", baseline], ["butter dispatch", once]] as const) {
  for (let i = 0; i < 20_000; i++) await fn();
  Bun.gc(true);
  const t0 = performance.now();
  for (let i = 0; i < N; i++) await fn();
  const us = ((performance.now() - t0) * 1000) / N;
  console.log(`${name}: ${us.toFixed(2)} µs/request`);
}
