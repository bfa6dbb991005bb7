// Markdown rendering of the benchmark results.
import { fmtInt, fmtMB } from "./util.ts";

export interface RowResult {
  name: string;
  na?: string; // reason the row could not be measured
  direct?: boolean;
  p50?: number; // absolute, µs (median over rounds)
  p99?: number;
  addedP50?: number; // vs direct, µs (median over rounds of the per-round difference)
  addedP99?: number;
  /** The gateway's own processing per request, measured inside (Server-Timing), µs. */
  ownP50?: number;
  ownP99?: number;
  ttfb?: number;
  addedTtfb?: number;
  gap?: number; // mean inter-chunk gap, µs
  addedGap?: number;
  rps?: number;
  errors?: number;
  errorNotes?: string[]; // per run with load errors, and the process's last output lines
  cpuPerReq?: number; // proxy CPU time (user+sys) per request at c=64, µs
  proxyBusy?: number; // busy share 0..1 of the proxy core during the c=64 runs
  clientBusy?: number; // ... and of the client core (mock + load generator)
  idleKB?: number;
  loadedKB?: number;
}

export interface RunInfo {
  date: string;
  bunVersion: string;
  quick: boolean;
  pinned: boolean;
  loadTool: string;
  latencyRequests: string;
  streamRequests: string;
  loadRuns: string;
  streamDelayMs: number;
}

const dash = "—";

function cell(x: number | undefined, signed = false): string {
  if (x === undefined || !Number.isFinite(x)) return "n/a";
  const s = fmtInt(x);
  return signed && x > 0 ? `+${s}` : s;
}

const pct = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? "n/a" : `${Math.round(x * 100)}%`);

export function renderMarkdown(rows: RowResult[], info: RunInfo): string {
  const L: string[] = [];
  const floor = rows.find((r) => r.name === "bun floor" && !r.na);
  const direct = rows.find((r) => r.direct);
  L.push(`## Butter benchmark — ${info.date}`);
  L.push("");
  L.push(
    `| what | own p50 / p99 (µs) | added p50 (µs) | added p99 (µs) | req/s (${info.pinned ? "1 core" : "unpinned"}, c=64) | ` +
      "stream TTFB added (µs) | idle RSS (MB) | loaded RSS (MB) |",
  );
  L.push("|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    if (r.na) {
      L.push(`| ${r.name} | n/a | n/a | n/a | n/a | n/a | n/a | n/a |`);
    } else if (r.direct) {
      L.push(`| ${r.name} (baseline; req/s = ceiling) | ${dash} | ${dash} | ${dash} | ${cell(r.rps)} | ${dash} | ${dash} | ${dash} |`);
    } else {
      const own = r.ownP50 === undefined ? dash : `${cell(r.ownP50)} / ${cell(r.ownP99)}`;
      L.push(
        `| ${r.name} | ${own} | ${cell(r.addedP50, true)} | ${cell(r.addedP99, true)} | ${cell(r.rps)} | ${cell(r.addedTtfb, true)} | ${fmtMB(r.idleKB)} | ${fmtMB(r.loadedKB)} |`,
      );
    }
  }
  L.push("");
  L.push("Raw numbers (medians over interleaved rounds; µs unless noted):");
  L.push("");
  L.push(
    "| what | p50 | p99 | stream TTFB p50 | inter-chunk gap (added) | req/s | req/s ÷ floor | req/s ÷ direct | proxy CPU/req at c=64 | proxy core / client core busy | load errors |",
  );
  L.push("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    if (r.na) continue;
    const gap = r.direct ? cell(r.gap) : `${cell(r.gap)} (${cell(r.addedGap, true)})`;
    const vsFloor = floor?.rps && r.rps ? (r.rps / floor.rps).toFixed(2) : "n/a";
    const vsDirect = direct?.rps && r.rps ? (r.rps / direct.rps).toFixed(2) : "n/a";
    L.push(
      `| ${r.name} | ${cell(r.p50)} | ${cell(r.p99)} | ${cell(r.ttfb)} | ${gap} | ${cell(r.rps)} | ${vsFloor} | ${vsDirect} | ${r.direct ? dash : cell(r.cpuPerReq)} | ${info.pinned ? `${pct(r.proxyBusy)} / ${pct(r.clientBusy)}` : "n/a"} | ${cell(r.errors)} |`,
    );
  }
  const errs = rows.filter((r) => !r.na && r.errorNotes?.length);
  if (errs.length) {
    L.push("");
    L.push("Load errors (runs with errors are left out of the req/s median when a clean run exists):");
    for (const r of errs) {
      L.push(`- **${r.name}**:`);
      for (const n of r.errorNotes!) {
        const [first, ...rest] = n.split("\n");
        L.push(`  - ${first}`);
        if (rest.length) L.push("", "    ```", ...rest.map((l) => `    ${l}`), "    ```");
      }
    }
  }
  const nas = rows.filter((r) => r.na);
  if (nas.length) {
    L.push("");
    L.push("Rows not measured:");
    for (const r of nas) {
      L.push(`- **${r.name}**: ${r.na!.split("\n")[0]}`);
      const rest = r.na!.split("\n").slice(1).join("\n").trim();
      if (rest) L.push("", "  ```", ...rest.split("\n").map((l) => `  ${l}`), "  ```");
    }
  }
  L.push("");
  L.push("Setup:");
  L.push(`- bun ${info.bunVersion}${info.quick ? "; **BENCH_QUICK=1** (smoke run, numbers are rough)" : ""}`);
  L.push(
    info.pinned
      ? "- proxy under test pinned to core 0 (`taskset -c 0`); mock upstream, load generator and latency client on core 1"
      : "- **not pinned** (no `taskset`, fewer than 2 cores, or BENCH_NO_PIN=1): proxy, mock and load generator share all cores",
  );
  L.push(
    `- load generator: ${info.loadTool === "wrk" ? "wrk (1 thread, 64 connections, keep-alive)" : "Bun fetch loops in a separate process (64 concurrent, keep-alive): install `wrk` for a lighter generator"}; ${info.loadRuns}`,
  );
  L.push(
    "- during the c=64 runs the mock answers from a static route (no request body read), so the upstream costs as little as possible; the direct row's req/s is the ceiling of mock + generator sharing one core, and a proxied row near it is limited by the client side, not by the proxy",
  );
  L.push(
    "- proxy CPU/req = the proxy process's user+sys CPU time over a c=64 run ÷ requests served (steadier than req/s on a noisy machine); a client core near 100% busy means that row's req/s is capped by mock + generator",
  );
  L.push(`- latency: ${info.latencyRequests}; added = row − direct in the same round, median over rounds`);
  L.push("- own = the gateway's own processing per request as it measures it (arrival to the answer handed to Bun, less the upstream wait), read from its `Server-Timing` header (`server.server_timing: true` in every Butter row); the p50 and p99 of each round, median over rounds");
  L.push(
    `- streaming: ${info.streamRequests}; the mock sends the OpenAI SSE fixture one event per write, ${info.streamDelayMs} ms apart; TTFB = request start → first body chunk`,
  );
  L.push("- RSS: idle = VmRSS after warm-up + 1 s settle; loaded = peak VmRSS sampled every 50 ms during the c=64 runs");
  L.push("");
  return L.join("\n");
}
