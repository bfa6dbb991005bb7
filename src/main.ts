#!/usr/bin/env bun
import { HelpRequested, parseArgs, parseKeysArgs, type CliOptions } from "./cli.ts";
import { appKeysOf } from "./keys/app-keys.ts";
import { runKeysCommand } from "./keys/keys-command.ts";
import { ConfigError, loadConfigFile } from "./config/load.ts";
import type { Config } from "./config/schema.ts";
import { buildGeneration, type Generation } from "./runtime/generation.ts";
import { GenerationHolder, Reloader } from "./runtime/reloader.ts";
import { listen, ListenError, type Listening } from "./server/server.ts";
import { gatherMetricsWith } from "./server/handlers/metrics.ts";
import { isMetricsMessage, joinClusterMetrics } from "./runtime/cluster-metrics.ts";
import { supervise } from "./runtime/supervisor.ts";
import { lowerBackgroundPriority } from "./runtime/background-priority.ts";
import { reportReady, workerCount, workerIdentity, type WorkerIdentity } from "./runtime/worker-identity.ts";
import { errorFields, logger, setLogContext } from "./observability/logger.ts";
import { drainLines } from "./observability/stdout.ts";
import { fetchConcurrencyWarning } from "./transport/fetch-concurrency.ts";
import { http1 } from "./transport/http1-client.ts";
import { DEFAULT_CLIENT } from "./transport/upstream-fetch.ts";

function fail(reason: string): never {
  process.stderr.write(`butter: ${reason}\n`);
  process.exit(1);
}

async function keys(argv: readonly string[]): Promise<void> {
  try {
    await runKeysCommand(parseKeysArgs(argv), (text) => process.stdout.write(text + "\n"));
  } catch (err) {
    if (err instanceof HelpRequested) {
      process.stdout.write(err.message + "\n");
      process.exit(0);
    }
    fail((err as Error).message);
  }
  process.exit(0);
}

async function main(): Promise<void> {
  if (process.argv[2] === "keys") return keys(process.argv.slice(3));
  let cli: CliOptions;
  try {
    cli = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof HelpRequested) {
      process.stdout.write(err.message + "\n");
      process.exit(0);
    }
    fail((err as Error).message);
  }
  const configPath = cli.configPath;
  let worker: WorkerIdentity | undefined;
  try {
    worker = workerIdentity();
  } catch (err) {
    fail((err as Error).message);
  }
  if (worker !== undefined) setLogContext({ worker: worker.index });
  let first: Generation;
  try {
    const { config, warnings } = await loadConfigFile(configPath);
    for (const warning of warnings) logger.warn(warning);
    if (worker === undefined && workerCount(config.server.workers) > 1) return startWorkers(configPath, config, cli.watch);
    first = await buildGeneration(config);
  } catch (err) {
    if (err instanceof ConfigError) fail(`invalid config ${configPath}: ${err.message}`);
    fail(`cannot load config ${configPath}: ${(err as Error).message}`);
  }
  if (first.config.app_keys.require_key || first.config.admin.token !== "") {
    // Loaded now so a corrupt or locked database stops the start with its reason, not the first request.
    try {
      await appKeysOf(first).ready();
    } catch (err) {
      // A shared Redis may come back: requests needing a key get 503 until it does. A local file will not fix itself.
      if (first.store.kind === "redis") logger.warn("cannot load app keys yet; retrying every 250 ms", { store: first.store.describe, ...errorFields(err) });
      else {
        await first.close();
        fail(`cannot load app keys: ${(err as Error).message}`);
      }
    }
  }
  const snapshot = first.snapshot;
  const keyless = [...snapshot.providers.values()]
    .filter((a) => a.credentialMode === "stored" && (snapshot.keys.get(a.name)?.length ?? 0) === 0)
    .map((a) => a.name);
  if (keyless.length > 0) logger.warn("providers without a usable key answer their requests with 401", { providers: keyless });
  const holder = new GenerationHolder(first);
  let listening: Listening;
  try {
    listening = listen(holder, worker === undefined ? {} : { reusePort: true, address: worker });
  } catch (err) {
    await first.close();
    if (err instanceof ListenError) fail(err.message);
    throw err;
  }
  const { server, address } = listening;
  // A worker's supervisor watches the config file and signals every worker; each worker watches its
  // WASM plugins' files itself (the supervisor does not build plugins).
  const reloader = new Reloader(configPath, holder, { watch: cli.watch && worker === undefined, watchPlugins: cli.watch });
  process.on("SIGHUP", () => void reloader.reload("signal"));
  if (worker === undefined) logger.info("butter listening", { address, providers: [...snapshot.providers.keys()] });
  else logger.info("worker listening", { worker: worker.index, pid: process.pid, address });
  lowerBackgroundPriority();
  const client = snapshot.config.server.upstream_client ?? DEFAULT_CLIENT;
  const queued = fetchConcurrencyWarning(process.env, client);
  if (queued !== undefined) logger.warn(queued.msg, queued.fields);
  if (client === "http1") for (const problem of http1.proxies.problems) logger.warn("upstream proxy unusable: the requests it would carry fail", { reason: problem });
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    reloader.close();
    const timeout = holder.current.config.server.shutdown_timeout;
    logger.info("shutting down", { signal, timeout_ms: timeout });
    const forced = setTimeout(() => {
      logger.warn("shutdown timeout reached; closing remaining connections");
      void server.stop(true);
    }, timeout);
    try {
      await server.stop(false);
    } catch (err) {
      logger.error("error while stopping", errorFields(err));
    }
    clearTimeout(forced);
    // Flushes access-log lines and exports the last spans.
    await Promise.race([holder.current.close(), Bun.sleep(2000)]);
    logger.info("stopped");
    // Log lines still waiting for a slow stdout reader get a little longer.
    await drainLines(2000);
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  // Ctrl-C in a terminal reaches the whole process group: a worker leaves its stop to the supervisor,
  // which could otherwise take a worker already exiting for a crash and restart it.
  process.on("SIGINT", () => void (worker === undefined && shutdown("SIGINT")));
  if (worker !== undefined) {
    // The IPC channel closes when the supervisor is gone (killed, crashed): nobody would restart or stop this worker.
    process.on("disconnect", () => void shutdown("supervisor gone"));
    const cluster = joinClusterMetrics(worker.index, () => holder.current.plugins?.scrape());
    process.on("message", (message) => void (isMetricsMessage(message) && cluster.receive(message)));
    gatherMetricsWith(cluster.scrape);
    reportReady(address);
  }
}

/** `server.workers` > 1: this process supervises the workers (runtime/supervisor.ts) and serves nothing itself. */
function startWorkers(configPath: string, config: Config, watch: boolean): void {
  try {
    supervise({ configPath, config, watch });
  } catch (err) {
    if (err instanceof ListenError) fail(err.message);
    throw err;
  }
}

await main();
