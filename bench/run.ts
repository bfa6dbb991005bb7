// `npm run bench`: mock upstream + Bun floor + gateway rows, measured in one run; markdown to stdout and
// bench/last-result.md. BENCH_QUICK=1 for a shorter smoke run. BENCH_LOADGEN=bun forces the Bun load generator.
// BENCH_ROWS=<text>[,<text>...] measures only the rows whose name contains one of them (besides "direct"), and
// leaves bench/last-result.md alone.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_AUTH, probe, timeRequests, timeStreams, type ClientApi } from "./latency.ts";
import { cpuWindow } from "./cpu.ts";
import { LOAD_TOOL, runLoad } from "./load.ts";
import { killAll, startService, type Service } from "./proc.ts";
import { renderMarkdown, type RowResult } from "./report.ts";
import { ROW_SPECS, missing, type BenchContext } from "./rows.ts";
import { readMem, sampleRss } from "./rss.ts";
import { FETCH_CONCURRENCY_ENV, withFetchConcurrency } from "../src/transport/fetch-concurrency.ts";
import {
  BUN,
  CAN_PIN,
  CLIENT_CPU,
  PROXY_CPU,
  QUICK,
  ROOT,
  log,
  mean,
  median,
  percentile,
  pinSelf,
  pinned,
  sleep,
} from "./util.ts";

const P = QUICK
  ? { warm: 50, latRounds: 3, latN: 300, streamWarm: 30, streamRounds: 2, streamN: 30, loadWarm: 1, loadRounds: 1, loadSecs: 3 }
  : { warm: 300, latRounds: 8, latN: 1000, streamWarm: 300, streamRounds: 6, streamN: 100, loadWarm: 2, loadRounds: 3, loadSecs: 5 };
const STREAM_DELAY_MS = 2;
const CONNECTIONS = 64;

const fixture = (p: string) => Bun.file(join(ROOT, "bench/fixtures/openai", p)).json() as Promise<Record<string, unknown>>;
const chatReq = await fixture("chat.request.json");
const streamReq = await fixture("stream.request.json");

interface Target {
  row: RowResult;
  url: string;
  api: ClientApi;
  chatBody: string;
  streamBody: string;
  /** Bearer token for this row's requests. */
  auth: string;
  svc?: Service;
  // per-round results
  p50: number[];
  p99: number[];
  /** The gateway's own processing (Server-Timing), µs: per round p50 and p99. */
  ownP50: number[];
  ownP99: number[];
  ttfb: number[];
  gap: number[];
  rps: number[];
  cpuPerReq: number[];
  proxyBusy: number[];
  clientBusy: number[];
  errors: number;
  cleanRps: number[]; // req/s of the runs without errors
  errorNotes: string[];
  peakKB?: number;
}

// `npm run bench -- --soak`: the long-run memory and long-stream lines instead of the table (bench/soak.ts).
if (process.argv.includes("--soak")) {
  // Its 1,000 streams need fetch's limit on requests at once raised (read when a process starts): in
  // the clients here and in the gateway, as `npm start` raises it (src/transport/fetch-concurrency.ts).
  if (process.env[FETCH_CONCURRENCY_ENV] === undefined) {
    const child = Bun.spawn([process.execPath, ...process.argv.slice(1)], { env: withFetchConcurrency(process.env), stdio: ["inherit", "inherit", "inherit"] });
    process.exit(await child.exited);
  }
  await import("./soak.ts");
  process.exit(0);
}

const only = process.env.BENCH_ROWS?.split(",").filter((s) => s !== "");

const tmpDir = mkdtempSync(join(tmpdir(), "butter-bench-"));
const cleanup = () => {
  killAll();
  rmSync(tmpDir, { recursive: true, force: true });
};
process.on("SIGINT", () => (cleanup(), process.exit(130)));
process.on("SIGTERM", () => (cleanup(), process.exit(143)));

/** The same conversation as an Anthropic Messages body (system lifted, `max_tokens` required). */
function messagesBody(req: Record<string, unknown>, model: string): string {
  const all = req.messages as Array<{ role: string; content: string }>;
  const system = all.filter((m) => m.role === "system" || m.role === "developer").map((m) => m.content).join("\n");
  const body: Record<string, unknown> = {
    model, max_tokens: 256, messages: all.filter((m) => m.role === "user" || m.role === "assistant"), stream: req.stream === true,
  };
  if (system !== "") body.system = system;
  return JSON.stringify(body);
}

/** The same conversation as a Responses body: the messages as input items, stored (the API's default). */
function responsesBody(req: Record<string, unknown>, model: string): string {
  return JSON.stringify({ model, input: req.messages, stream: req.stream === true });
}

const bodyFor = (api: ClientApi, req: Record<string, unknown>, model: string) =>
  api === "messages" ? messagesBody(req, model) : api === "responses" ? responsesBody(req, model) : JSON.stringify({ ...req, model });

const PATHS: Record<ClientApi, string> = { chat: "/v1/chat/completions", messages: "/v1/messages", responses: "/v1/responses" };

function target(name: string, url: string, model: string, svc?: Service, direct = false, api: ClientApi = "chat", auth = DEFAULT_AUTH, temperature?: number): Target {
  const chat = temperature === undefined ? chatReq : { ...chatReq, temperature };
  return {
    row: { name, direct },
    url,
    api,
    auth,
    chatBody: bodyFor(api, chat, model),
    streamBody: bodyFor(api, streamReq, model),
    svc,
    p50: [],
    p99: [],
    ownP50: [],
    ownP99: [],
    ttfb: [],
    gap: [],
    rps: [],
    cpuPerReq: [],
    proxyBusy: [],
    clientBusy: [],
    errors: 0,
    cleanRps: [],
    errorNotes: [],
  };
}

function fail(t: Target, why: string): void {
  t.row.na = why + (t.svc ? `\n${t.svc.stderrTail()}` : "");
  log(`${t.row.name}: n/a — ${why}`);
  void t.svc?.stop();
}

/** Every live target, in an order rotated by round so no row always runs first. */
function rotation(ts: Target[], round: number): Target[] {
  const live = ts.filter((t) => !t.row.na);
  const k = round % Math.max(1, live.length);
  return [...live.slice(k), ...live.slice(0, k)];
}

async function main(): Promise<void> {
  pinSelf(CLIENT_CPU);
  log(`${QUICK ? "quick" : "full"} run; pinning ${CAN_PIN ? "on" : "OFF (no taskset)"}; load generator: ${LOAD_TOOL}`);

  const mock = await startService({
    name: "mock-upstream",
    argv: pinned(CLIENT_CPU, [BUN, join(ROOT, "bench/mock-upstream.ts")]),
    env: { PORT: "0", STREAM_DELAY_MS: String(STREAM_DELAY_MS) },
    tmpDir,
  });
  const ctx: BenchContext = { mockUrl: mock.baseUrl, tmpDir };
  const targets: Target[] = [target("direct", `${mock.baseUrl}/v1/chat/completions`, "gpt-4o-mini", undefined, true)];
  const rows: RowResult[] = [targets[0]!.row];

  for (const spec of ROW_SPECS) {
    if (only && !only.some((s) => spec.name.includes(s))) continue;
    const gone = missing(spec);
    if (gone) {
      rows.push({ name: spec.name, na: gone });
      continue;
    }
    const slug = spec.name.replace(/[^a-z0-9]+/gi, "-");
    const configPath = join(tmpDir, `${slug}.yaml`);
    if (spec.config) await Bun.write(configPath, spec.config(ctx));
    // A directory of its own: a row's relative files (the default store, ./butter.db, where its
    // ledger goes) are neither shared with the other rows nor left in the checkout.
    const cwd = join(tmpDir, slug);
    mkdirSync(cwd);
    try {
      const svc = await startService({
        name: spec.name,
        argv: pinned(PROXY_CPU, spec.argv(ctx, configPath)),
        env: spec.env(ctx),
        tmpDir,
        cwd,
        timeoutMs: 10_000,
      });
      const t = target(spec.name, `${svc.baseUrl}${PATHS[spec.api ?? "chat"]}`, spec.model, svc, false, spec.api, spec.auth, spec.temperature);
      targets.push(t);
      rows.push(t.row);
      log(`${spec.name} listening on ${svc.port} (pid ${svc.pid})`);
    } catch (e) {
      rows.push({ name: spec.name, na: (e as Error).message });
      log(`${spec.name}: n/a — ${(e as Error).message.split("\n")[0]}`);
    }
  }

  // Validate each target's answers, warm up, settle, read idle RSS.
  for (const t of targets) {
    try {
      await probe(t.url, t.chatBody, false, t.api, t.auth);
      await probe(t.url, t.streamBody, true, t.api, t.auth);
      await timeRequests(t.url, t.chatBody, P.warm, t.auth);
      // As many streams as plain requests: a gateway's per-stream code (the first event's path) is
      // otherwise measured while the JIT is still compiling it (README "Benchmark").
      await timeStreams(t.url, t.streamBody, P.streamWarm, t.auth);
    } catch (e) {
      fail(t, `first requests failed: ${(e as Error).message}`);
    }
  }
  if (targets[0]!.row.na) throw new Error(`the mock upstream itself does not answer: ${targets[0]!.row.na}`);
  await sleep(1000);
  for (const t of targets) if (t.svc && !t.row.na) t.row.idleKB = readMem(t.svc.pid)?.rssKB;

  log(`latency: ${P.latRounds} rounds × ${P.latN} requests per row, c=1`);
  for (let r = 0; r < P.latRounds; r++) {
    for (const t of rotation(targets, r)) {
      try {
        const own = new Float64Array(P.latN);
        const xs = await timeRequests(t.url, t.chatBody, P.latN, t.auth, own);
        t.p50.push(percentile(xs, 50));
        t.p99.push(percentile(xs, 99));
        const ownKnown = own.filter(Number.isFinite);
        if (ownKnown.length > 0) {
          t.ownP50.push(percentile(ownKnown, 50));
          t.ownP99.push(percentile(ownKnown, 99));
        }
      } catch (e) {
        fail(t, `latency phase: ${(e as Error).message}`);
      }
    }
  }

  log(`streaming: ${P.streamRounds} rounds × ${P.streamN} requests per row, c=1`);
  for (let r = 0; r < P.streamRounds; r++) {
    for (const t of rotation(targets, r)) {
      try {
        const s = await timeStreams(t.url, t.streamBody, P.streamN, t.auth);
        t.ttfb.push(percentile(s.ttfbUs, 50));
        t.gap.push(mean(s.gapUs.filter(Number.isFinite)));
      } catch (e) {
        fail(t, `streaming phase: ${(e as Error).message}`);
      }
    }
  }

  log(`throughput: ${LOAD_TOOL}, c=${CONNECTIONS}, ${P.loadRounds} × ${P.loadSecs} s per row after ${P.loadWarm} s warm-up`);
  // Non-streaming only from here on: let the mock answer from a static route without reading the body.
  const mode = await fetch(`${mock.baseUrl}/__bench/mode`, { method: "POST", body: "static" });
  if (!mode.ok) throw new Error(`mock refused static mode: ${await mode.text()}`);
  for (const t of targets) {
    if (t.row.na) continue;
    try {
      await runLoad({ url: t.url, body: t.chatBody, connections: CONNECTIONS, seconds: P.loadWarm, tmpDir, auth: t.auth });
    } catch (e) {
      fail(t, `load warm-up: ${(e as Error).message}`);
    }
  }
  for (let r = 0; r < P.loadRounds; r++) {
    for (const t of rotation(targets, r)) {
      const sampler = t.svc ? sampleRss(t.svc.pid) : undefined;
      const cpu = cpuWindow(t.svc?.pid);
      try {
        const res = await runLoad({ url: t.url, body: t.chatBody, connections: CONNECTIONS, seconds: P.loadSecs, tmpDir, auth: t.auth });
        const w = cpu.stop();
        t.rps.push(res.rps);
        t.errors += res.errors;
        if (res.errors === 0) t.cleanRps.push(res.rps);
        else t.errorNotes.push(`run ${r + 1}: ${res.errors} errors (${res.detail ?? "?"}) at ${Math.round(res.rps)} req/s`);
        if (w.procSeconds !== undefined && res.requests > 0) t.cpuPerReq.push((w.procSeconds * 1e6) / res.requests);
        const pb = w.coreBusy[`cpu${PROXY_CPU}`];
        const cb = w.coreBusy[`cpu${CLIENT_CPU}`];
        if (pb !== undefined) t.proxyBusy.push(pb);
        if (cb !== undefined) t.clientBusy.push(cb);
        log(
          `  ${t.row.name}: ${Math.round(res.rps)} req/s${res.errors ? ` (${res.errors} errors: ${res.detail})` : ""}` +
            (CAN_PIN && pb !== undefined && cb !== undefined
              ? `; core ${PROXY_CPU} ${Math.round(pb * 100)}% busy, core ${CLIENT_CPU} ${Math.round(cb * 100)}% busy`
              : ""),
        );
      } catch (e) {
        fail(t, `throughput phase: ${(e as Error).message}`);
      }
      const peak = sampler?.stop();
      if (peak !== undefined) t.peakKB = Math.max(t.peakKB ?? 0, peak);
    }
  }

  // Fold rounds into medians; "added" is row − direct within each round, then the median of those.
  const d = targets[0]!;
  const addedMedian = (xs: number[], base: number[]) =>
    median(xs.map((x, i) => x - (base[i] ?? NaN)).filter(Number.isFinite));
  for (const t of targets) {
    if (t.row.na) continue;
    const row = t.row;
    row.p50 = median(t.p50);
    row.p99 = median(t.p99);
    row.ttfb = median(t.ttfb);
    row.gap = median(t.gap);
    // a run that had errors (a stall, a crash, 5xx) is left out of the median when a clean run exists
    row.rps = median(t.cleanRps.length ? t.cleanRps : t.rps);
    row.errors = t.errors;
    if (t.errorNotes.length) {
      row.errorNotes = [...t.errorNotes];
      const tail = t.svc?.stderrTail();
      if (tail) row.errorNotes.push(`last lines of its output:\n${tail}`);
    }
    row.cpuPerReq = median(t.cpuPerReq);
    row.proxyBusy = median(t.proxyBusy);
    row.clientBusy = median(t.clientBusy);
    row.loadedKB = t.peakKB;
    if (t.ownP50.length > 0) {
      row.ownP50 = median(t.ownP50);
      row.ownP99 = median(t.ownP99);
    }
    if (t !== d) {
      row.addedP50 = addedMedian(t.p50, d.p50);
      row.addedP99 = addedMedian(t.p99, d.p99);
      row.addedTtfb = addedMedian(t.ttfb, d.ttfb);
      row.addedGap = addedMedian(t.gap, d.gap);
    }
  }

  await Promise.all(targets.map((t) => t.svc?.stop()));
  await mock.stop();

  const md = renderMarkdown(rows, {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    bunVersion: Bun.version,
    quick: QUICK,
    pinned: CAN_PIN,
    loadTool: LOAD_TOOL,
    latencyRequests: `${P.latRounds} interleaved rounds × ${P.latN} sequential requests per row (after ${P.warm} warm-up)`,
    streamRequests: `${P.streamRounds} rounds × ${P.streamN} sequential requests per row (after ${P.streamWarm} warm-up)`,
    loadRuns: `${P.loadRounds} run(s) × ${P.loadSecs} s per row after ${P.loadWarm} s warm-up, median`,
    streamDelayMs: STREAM_DELAY_MS,
  });
  process.stdout.write(md);
  // A run of some rows only is not the table the README quotes.
  if (only) return;
  await Bun.write(join(ROOT, "bench/last-result.md"), md);
  log("written to bench/last-result.md");
}

try {
  await main();
} finally {
  cleanup();
}
