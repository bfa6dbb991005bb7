// In-process cost of the built-in plugins (ratelimit memory + logging + metrics) on the request path,
// with fetch replaced by a canned upstream answer: µs/request with and without them, same deps otherwise.
// Access-log lines go to stdout, so run it as: bun bench/plugins-micro.ts [iterations] >/dev/null
// (results are printed on stderr). Every 1000 requests /metrics is scraped, as Prometheus would.
import { parseConfigText } from "../src/config/load.ts";
import { buildGeneration } from "../src/runtime/generation.ts";
import { GenerationHolder } from "../src/runtime/reloader.ts";
import { dispatch } from "../src/server/server.ts";
import { CHAT_BODY, PROVIDERS_YAML, stubUpstreamFetch } from "./stub-upstream.ts";

const N = Number(process.argv[2] ?? 200_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const body = CHAT_BODY;
stubUpstreamFetch();

const providers = PROVIDERS_YAML;
// PLUGINS=ratelimit,logging picks a subset (to see what each costs); RL_MODE=per-ip keys buckets by address.
const enabled = (process.env.PLUGINS ?? "ratelimit,logging,metrics").split(",");
const pluginConfig: Record<string, string> = {
  ratelimit: `{ mode: ${process.env.RL_MODE ?? "global"}, rate: 100000000, burst: 100000000, backend: memory }`,
  logging: "{}",
  metrics: "{}",
};
const plugins = "plugins:\n" + enabled.map((name) => `  - name: ${name}\n    config: ${pluginConfig[name]}\n`).join("");

async function depsFor(yaml: string) {
  const { config } = parseConfigText(yaml, {});
  return new GenerationHolder(await buildGeneration(config));
}

const plain = await depsFor(providers);
const withPlugins = await depsFor(providers + plugins);
// What Bun.serve passes: requestIP is asked for by the dispatcher when plugins are on; timeout by the
// connection's idle handling (keep-alive.ts), a no-op without a socket.
const server = { requestIP: () => ({ address: "127.0.0.1", family: "IPv4", port: 40000 }), timeout: () => {} } as unknown as Parameters<typeof dispatch>[2];

function request(): Request {
  return new Request("http://127.0.0.1:8080/v1/chat/completions", {
    method: "POST", body, headers: { "content-type": "application/json", "content-length": String(body.length), "user-agent": "bench" },
  });
}

async function run(deps: Parameters<typeof dispatch>[0], n: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const res = await dispatch(deps, request(), server);
    if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`);
    await res.text();
    if (deps.current.plugins !== undefined && i % 1000 === 999) await deps.current.plugins.scrape();
  }
  return ((performance.now() - t0) * 1000) / n;
}

// ONLY=plugins measures the plugin row alone (for --cpu-prof: the profile then holds nothing else).
const rows = ([["no plugins", plain], [enabled.join("+"), withPlugins]] as const).filter(([name]) => process.env.ONLY !== "plugins" || name !== "no plugins");
for (const [, deps] of rows) await run(deps, 20_000);
const results = new Map<string, number[]>(rows.map(([name]) => [name, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, deps] of rows) {
    Bun.gc(true);
    results.get(name)!.push(await run(deps, N));
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = results.has("no plugins") ? median(results.get("no plugins")!) : 0;
for (const [name, xs] of results) {
  const m = median(xs);
  console.error(`${name}: ${m.toFixed(2)} µs/request (rounds: ${xs.map((x) => x.toFixed(1)).join(", ")})${m === base ? "" : `, +${(m - base).toFixed(2)} µs`}`);
}
await withPlugins.current.close();
