#!/usr/bin/env bun
import { HelpRequested, parseArgs } from "./cli.ts";
import { ConfigError, loadConfigFile } from "./config/load.ts";
import { buildSnapshot, type Snapshot } from "./config/snapshot.ts";
import { Engine } from "./engine/engine.ts";
import { ModelCatalog } from "./engine/model-catalog.ts";
import { providerFactories } from "./providers/registry.ts";
import { buildPlugins, type PluginSet } from "./plugins/plugin-set.ts";
import { listen, ListenError, type Listening } from "./server/server.ts";
import { errorFields, logger } from "./observability/logger.ts";

function fail(reason: string): never {
  process.stderr.write(`butter: ${reason}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let configPath: string;
  try {
    configPath = parseArgs(process.argv.slice(2)).configPath;
  } catch (err) {
    if (err instanceof HelpRequested) {
      process.stdout.write(err.message + "\n");
      process.exit(0);
    }
    fail((err as Error).message);
  }
  let snapshot: Snapshot;
  try {
    const { config, warnings } = await loadConfigFile(configPath);
    for (const warning of warnings) logger.warn(warning);
    snapshot = buildSnapshot(config, providerFactories);
  } catch (err) {
    if (err instanceof ConfigError) fail(`invalid config ${configPath}: ${err.message}`);
    fail(`cannot load config ${configPath}: ${(err as Error).message}`);
  }
  const keyless = [...snapshot.providers.values()]
    .filter((a) => a.credentialMode === "stored" && (snapshot.keys.get(a.name)?.length ?? 0) === 0)
    .map((a) => a.name);
  if (keyless.length > 0) logger.warn("providers without a usable key answer their requests with 401", { providers: keyless });
  const current = () => snapshot;
  let plugins: PluginSet | undefined;
  try {
    plugins = await buildPlugins(snapshot.config.plugins, { redisUrl: snapshot.config.redis.url, isRoute: (model) => current().routes.has(model) });
  } catch (err) {
    if (err instanceof ConfigError) fail(`invalid config ${configPath}: ${err.message}`);
    fail(`cannot start plugins: ${(err as Error).message}`);
  }
  let listening: Listening;
  try {
    listening = listen({ snapshot: current, engine: new Engine(current), catalog: new ModelCatalog(current), plugins });
  } catch (err) {
    if (err instanceof ListenError) fail(err.message);
    throw err;
  }
  const { server, address } = listening;
  logger.info("butter listening", { address, providers: [...snapshot.providers.keys()] });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const timeout = snapshot.config.server.shutdown_timeout;
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
    if (plugins !== undefined) await Promise.race([plugins.close(), Bun.sleep(2000)]);
    logger.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

await main();
