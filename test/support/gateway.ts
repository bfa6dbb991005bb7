// Runs the real gateway as a child process on a random port, the way users start it.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import OpenAI, { type ClientOptions } from "openai";
import { repoRoot } from "./fixtures.ts";

export type GatewayConfig = string | Record<string, unknown>;

export interface GatewayOptions {
  /** Added to (and overriding) the parent's environment. */
  env?: Record<string, string | undefined>;
  /** Entry file; default `<repo>/src/main.ts`. */
  entry?: string;
  /** The command instead of `bun <entry>` (`--config <file>` and `args` follow it). */
  command?: string[];
  /** Extra command-line arguments after `--config <file>`. */
  args?: string[];
  /** How long startGateway waits for the "butter listening" line; default 10 s. */
  startTimeoutMs?: number;
}

export type LogPredicate = string | RegExp | ((line: string, json: Record<string, unknown> | undefined) => boolean);

export interface GatewayProcess {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  configPath: string;
  /** Every stdout and stderr line so far, in arrival order (kept up to date). */
  logs: string[];
  /** The JSON log lines so far, parsed. */
  jsonLogs(): Record<string, unknown>[];
  waitForLog(predicate: LogPredicate, timeoutMs?: number): Promise<string>;
  /** Overwrites the config file (for reload tests: then signal("SIGHUP") or wait for the file watcher). */
  writeConfig(config: GatewayConfig): void;
  signal(sig: NodeJS.Signals): void;
  /** Exit code once the process ended. */
  exited: Promise<number>;
  /** SIGTERM, then SIGKILL after 5 s; resolves to the exit code. */
  stop(): Promise<number>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface Gateway extends GatewayProcess {
  /** "http://127.0.0.1:<port>" */
  baseURL: string;
  url: string;
  port: number;
}

/** Config objects get `server.address: "127.0.0.1:0"` unless they set one; strings are written as they are. */
export function configText(config: GatewayConfig): string {
  if (typeof config === "string") return config;
  const server = (config.server ?? {}) as Record<string, unknown>;
  return Bun.YAML.stringify({ ...config, server: { address: "127.0.0.1:0", ...server } }, null, 2);
}

const running = new Set<Subprocess>();
process.on("exit", () => {
  for (const p of running) p.kill("SIGKILL");
});

function matcher(p: LogPredicate): (line: string) => boolean {
  if (typeof p === "string") return (line) => line.includes(p);
  if (p instanceof RegExp) return (line) => p.test(line);
  return (line) => p(line, parseLine(line));
}

function parseLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const v: unknown = JSON.parse(line);
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Starts the gateway process without waiting for it to listen (for tests of startup failures). */
export function spawnGateway(config: GatewayConfig, opts: GatewayOptions = {}): GatewayProcess {
  const dir = mkdtempSync(join(tmpdir(), "butter-test-"));
  const configPath = join(dir, "config.yaml");
  writeFileSync(configPath, configText(config));
  const entry = opts.entry ?? join(repoRoot, "src/main.ts");
  const proc = Bun.spawn([...(opts.command ?? [process.execPath, entry]), "--config", configPath, ...(opts.args ?? [])], {
    cwd: repoRoot,
    env: { ...process.env, ...opts.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  running.add(proc);

  const logs: string[] = [];
  const listeners = new Set<(line: string) => void>();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    let pending = "";
    const emit = (line: string) => {
      logs.push(line);
      for (const l of [...listeners]) l(line);
    };
    for await (const chunk of stream) {
      pending += decoder.decode(chunk, { stream: true });
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) emit(line.replace(/\r$/, ""));
    }
    if (pending) emit(pending);
  };
  const drained = Promise.all([pump(proc.stdout), pump(proc.stderr)]);
  // Output is fully collected before `exited` resolves, so a failed start can show everything it printed.
  const exited = proc.exited.then(async (code) => {
    await drained.catch(() => {});
    running.delete(proc);
    rmSync(dir, { recursive: true, force: true });
    return code;
  });

  const handle: GatewayProcess = {
    proc,
    configPath,
    logs,
    jsonLogs: () => logs.map(parseLine).filter((v): v is Record<string, unknown> => v !== undefined),
    waitForLog(predicate, timeoutMs = 5000) {
      const test = matcher(predicate);
      const seen = logs.find(test);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(onLine);
        };
        const onLine = (line: string) => {
          if (!test(line)) return;
          cleanup();
          resolve(line);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`gateway: no matching log line in ${timeoutMs} ms; output:\n${logs.join("\n")}`));
        }, timeoutMs);
        listeners.add(onLine);
        void exited.then((code) => {
          if (!listeners.has(onLine)) return;
          cleanup();
          reject(new Error(`gateway exited with code ${code} before a matching log line; output:\n${logs.join("\n")}`));
        });
      });
    },
    writeConfig(next) {
      writeFileSync(configPath, configText(next));
    },
    signal(sig) {
      proc.kill(sig);
    },
    exited,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
    async [Symbol.asyncDispose]() {
      await handle.stop();
    },
  };
  return handle;
}

/** The "host:port" of the listening line, in whatever form main.ts prints it ("127.0.0.1:1234", "http://...", ":1234"). */
function listenAddress(line: string): { host: string; port: number } | undefined {
  const json = parseLine(line);
  const raw = typeof json?.address === "string" ? json.address : (/"address"\s*:\s*"([^"]+)"/.exec(line)?.[1] ?? "");
  const m = /^(?:[a-z]+:\/\/)?(\[[^\]]*\]|[^:/]*):(\d+)\/?$/.exec(raw);
  if (m) {
    const host = m[1] === "" || m[1] === "0.0.0.0" || m[1] === "[::]" ? "127.0.0.1" : m[1]!;
    return { host, port: Number(m[2]) };
  }
  return typeof json?.port === "number" ? { host: "127.0.0.1", port: json.port } : undefined;
}

/** Spawns the gateway and resolves once it logs `"msg":"butter listening"`; rejects with its output otherwise. */
export async function startGateway(config: GatewayConfig, opts: GatewayOptions = {}): Promise<Gateway> {
  const handle = spawnGateway(config, opts);
  const timeoutMs = opts.startTimeoutMs ?? 10_000;
  let line: string;
  try {
    line = await handle.waitForLog((l, json) => json?.msg === "butter listening" || l.includes("butter listening"), timeoutMs);
  } catch (err) {
    await handle.stop();
    throw err;
  }
  const addr = listenAddress(line);
  if (!addr) {
    await handle.stop();
    throw new Error(`gateway: cannot read the port from its listening line: ${line}`);
  }
  const baseURL = `http://${addr.host}:${addr.port}`;
  return Object.assign(handle, { baseURL, url: baseURL, port: addr.port });
}

/** The official SDK pointed at the gateway; no SDK retries, so tests see the gateway's own behaviour. */
export function openaiClient(gateway: { baseURL: string }, opts: Partial<ClientOptions> = {}): OpenAI {
  return new OpenAI({ baseURL: `${gateway.baseURL}/v1`, apiKey: "test", maxRetries: 0, ...opts });
}
