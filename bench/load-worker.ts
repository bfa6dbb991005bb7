// Fallback load generator (when wrk is not installed): C concurrent keep-alive fetch loops for S seconds.
// Usage: bun bench/load-worker.ts <url> <body-file> <connections> <seconds> [warmup-seconds]
// Prints one JSON line: {"requests":n,"errors":n,"detail":"HTTP 502 3","seconds":s,"rps":r}, counting only
// requests that completed inside the measured window.
export {};

const [url, bodyFile, conns = "64", secs = "5", warm = "0.5", auth = "sk-bench"] = process.argv.slice(2);
if (!url || !bodyFile) {
  console.error("usage: bun bench/load-worker.ts <url> <body-file> <connections> <seconds> [warmup-seconds]");
  process.exit(2);
}
const body = await Bun.file(bodyFile).text();
const headers = { "content-type": "application/json", authorization: `Bearer ${auth}` };
const t0 = performance.now();
const start = t0 + Number(warm) * 1000;
const end = start + Number(secs) * 1000;
let ok = 0;
let errors = 0;
const kinds = new Map<string, number>();

async function loop(): Promise<void> {
  for (;;) {
    const now = performance.now();
    if (now >= end) return;
    let kind = "ok";
    try {
      const res = await fetch(url!, { method: "POST", body, headers });
      await res.arrayBuffer();
      if (res.status !== 200) kind = `HTTP ${res.status}`;
    } catch (e) {
      kind = (e as Error).name || "exception";
    }
    const done = performance.now();
    if (done < start || done >= end) continue;
    if (kind === "ok") ok++;
    else {
      errors++;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
  }
}

await Promise.all(Array.from({ length: Number(conns) }, loop));
const seconds = (end - start) / 1000;
const detail = [...kinds].map(([k, n]) => `${k} ${n}`).join(", ") || undefined;
console.log(JSON.stringify({ requests: ok + errors, errors, detail, seconds, rps: (ok + errors) / seconds }));
