// `server.workers` > 1: the process the user starts checks that the port is free, then starts N
// workers (this same program, marked by BUTTER_WORKER) that all listen on it with SO_REUSEPORT, so the
// kernel spreads connections over them. It serves nothing itself: it restarts a worker that dies
// (with backoff, giving up on one that keeps dying at once), watches the config file and passes each
// reload on as a SIGHUP, and on SIGTERM/SIGINT stops the workers gracefully and waits for them.
import type { Subprocess } from "bun";
import type { Config } from "../config/schema.ts";
import { watchConfig, type ConfigWatcher } from "../config/watch.ts";
import { logger } from "../observability/logger.ts";
import { drainLines } from "../observability/stdout.ts";
import { ListenError, listenFailure } from "../server/server.ts";
import { isMetricsMessage, MetricsCollector, type MetricsMessage } from "./cluster-metrics.ts";
import { perWorkerState } from "./per-worker-state.ts";
import { encodeWorker, WORKER_ENV, workerCount, type ReadyMessage } from "./worker-identity.ts";
import { withFetchConcurrency } from "../transport/fetch-concurrency.ts";

export interface SuperviseOptions {
  configPath: string;
  /** The config as loaded at start: the address, the number of workers, the shutdown timeout. */
  config: Config;
  /** Watch the file (the workers do not: one watcher, one reload signal each). */
  watch: boolean;
  /** How to start a worker; this program again by default. */
  command?: string[];
}

/** A worker that dies sooner than this after it started crashed "fast"; this many in a row and it stays down. */
const FAST_CRASH_MS = 10_000;
const MAX_FAST_CRASHES = 5;
const MAX_BACKOFF_MS = 5_000;

interface Slot {
  index: number;
  proc: Subprocess | undefined;
  startedAt: number;
  ready: boolean;
  /** Consecutive fast crashes. */
  crashes: number;
  restart: ReturnType<typeof setTimeout> | undefined;
  abandoned: boolean;
}

/**
 * This program as it was started: `bun [flags] main.ts args…`, or the compiled binary and its args
 * (a binary's argv[1] is its own embedded entry, not an argument to pass back).
 */
export function selfCommand(): string[] {
  if (Bun.isStandaloneExecutable) return [process.execPath, ...process.argv.slice(2)];
  return [process.execPath, ...process.execArgv, ...process.argv.slice(1)];
}

/** Binds the address the way a single process would, and lets go: the workers' SO_REUSEPORT would not see a taker. */
function checkPortFree(hostname: string, port: number): void {
  try {
    Bun.serve({ hostname, port, reusePort: false, development: false, fetch: () => new Response(null, { status: 503 }) }).stop(true);
  } catch (err) {
    throw new ListenError(`cannot listen on ${hostname}:${port}: ${listenFailure(err)}`);
  }
}

/** A worker that is going away cannot take the message: the collection's timeout leaves it out. */
function sendTo(proc: Subprocess | undefined, message: MetricsMessage): void {
  try {
    proc?.send(message);
  } catch {
    // Its IPC channel has closed.
  }
}

function fail(reason: string): never {
  process.stderr.write(`butter: ${reason}\n`);
  process.exit(1);
}

/** Runs the workers until a signal stops them; exits the process. Throws ListenError when the port is taken. */
export function supervise(options: SuperviseOptions): void {
  const { config } = options;
  const count = workerCount(config.server.workers);
  const { hostname, port } = config.server.address;
  checkPortFree(hostname, port);
  const shared = perWorkerState(config, count);
  if (shared.length > 0) logger.warn("with several workers this state is per worker; Redis shares it", { workers: count, per_worker: shared });

  const command = options.command ?? selfCommand();
  const slots: Slot[] = Array.from({ length: count }, (_, i) => ({ index: i + 1, proc: undefined, startedAt: 0, ready: false, crashes: 0, restart: undefined, abandoned: false }));
  let phase: "starting" | "running" | "stopping" = "starting";
  let lastReload = 0;
  let watcher: ConfigWatcher | undefined;
  const collector = new MetricsCollector();

  const start = (slot: Slot) => {
    slot.restart = undefined;
    slot.ready = false;
    slot.startedAt = performance.now();
    const proc: Subprocess = Bun.spawn(command, {
      env: { ...withFetchConcurrency(process.env), [WORKER_ENV]: encodeWorker({ index: slot.index, hostname, port }) },
      stdio: ["ignore", "inherit", "inherit"],
      ipc: (message: ReadyMessage | MetricsMessage) => {
        if (slot.proc !== proc) return;
        if (message?.type === "ready") ready(slot, proc, message);
        else if (isMetricsMessage(message)) metrics(slot, message);
      },
    });
    slot.proc = proc;
    logger.info("worker started", { worker: slot.index, pid: proc.pid });
    void proc.exited.then(() => exited(slot, proc));
  };

  const ready = (slot: Slot, proc: Subprocess, message: ReadyMessage) => {
    slot.ready = true;
    // A reload while it was starting may have come after it read the file, and found no handler to take the signal.
    if (lastReload > slot.startedAt) proc.kill("SIGHUP");
    if (phase === "starting" && slots.every((s) => s.ready)) {
      phase = "running";
      logger.info("butter listening", { address: message.address, workers: count, pid: process.pid });
    }
  };

  // A scrape of /metrics on one worker gathers every ready worker's exposition.
  const metrics = (slot: Slot, message: MetricsMessage) => {
    if (message.type === "metrics-text") return collector.received(slot.index, message);
    if (message.type !== "metrics-request") return;
    const asked = slot.proc;
    const workers = new Map(slots.filter((s) => s.ready && s.proc !== undefined).map((s) => [s.index, (m: MetricsMessage) => sendTo(s.proc, m)] as const));
    collector.request(message.id, workers, (answer) => sendTo(slot.proc === asked ? asked : undefined, answer));
  };

  const exited = (slot: Slot, proc: Subprocess) => {
    if (slot.proc !== proc) return;
    slot.proc = undefined;
    slot.ready = false;
    const how = { worker: slot.index, pid: proc.pid, code: proc.exitCode, signal: proc.signalCode };
    if (phase === "stopping") return;
    if (phase === "starting") {
      // Same program, config and port for all: the others would not do better. Its reason is in its own output.
      stopAll();
      fail(`worker ${slot.index} exited while starting (${proc.signalCode ?? `exit code ${proc.exitCode}`}); see its output above`);
    }
    slot.crashes = performance.now() - slot.startedAt < FAST_CRASH_MS ? slot.crashes + 1 : 1;
    if (slot.crashes >= MAX_FAST_CRASHES) {
      slot.abandoned = true;
      logger.error("worker keeps crashing; not restarting it", { ...how, crashes: slot.crashes, each_within_ms: FAST_CRASH_MS });
      if (slots.every((s) => s.abandoned)) {
        stopAll();
        fail("every worker keeps crashing; stopping");
      }
      return;
    }
    const delay = Math.min(100 * 2 ** (slot.crashes - 1), MAX_BACKOFF_MS);
    logger.warn("worker exited; restarting it", { ...how, restart_in_ms: delay });
    slot.restart = setTimeout(() => start(slot), delay);
  };

  const live = () => slots.flatMap((s) => (s.proc !== undefined ? [s.proc] : []));

  const stopAll = () => {
    for (const s of slots) clearTimeout(s.restart);
    for (const proc of live()) proc.kill("SIGTERM");
  };

  const reload = (trigger: "file" | "signal") => {
    if (phase === "stopping") return;
    lastReload = performance.now();
    // A worker still starting has no SIGHUP handler yet (the signal would end it): it gets one when ready.
    const to = slots.filter((s) => s.ready && s.proc !== undefined);
    for (const s of to) s.proc!.kill("SIGHUP");
    logger.info("config reload passed to the workers", { trigger, workers: to.map((s) => s.index) });
  };

  const shutdown = async (signal: string) => {
    if (phase === "stopping") return;
    phase = "stopping";
    watcher?.close();
    const procs = live();
    logger.info("shutting down", { signal, workers: procs.length });
    stopAll();
    // Each worker bounds its own drain by shutdown_timeout (and 2 s for its last writes).
    const forced = setTimeout(() => {
      logger.warn("workers did not stop in time; killing them");
      for (const proc of live()) proc.kill("SIGKILL");
    }, config.server.shutdown_timeout + 5_000);
    await Promise.all(procs.map((p) => p.exited));
    clearTimeout(forced);
    logger.info("stopped");
    await drainLines(2000);
    process.exit(0);
  };

  process.on("SIGHUP", () => reload("signal"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  if (options.watch) watcher = watchConfig(options.configPath, () => reload("file"));
  for (const slot of slots) start(slot);
}
