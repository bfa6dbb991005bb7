// What a worker process (one of `server.workers`, started by runtime/supervisor.ts) knows about itself:
// its supervisor tells it through one environment variable, and hears back over the IPC channel.
import { availableParallelism } from "node:os";

export const WORKER_ENV = "BUTTER_WORKER";

export interface WorkerIdentity {
  /** 1..N: a restarted worker keeps the number of the one it replaces. */
  index: number;
  /** Where every worker listens: the address the supervisor started with, whatever the file says now. */
  hostname: string;
  port: number;
}

/** Worker → supervisor, over IPC. */
export interface ReadyMessage {
  type: "ready";
  address: string;
}

/** `server.workers` as a number of processes: "auto" is one per CPU this process may use. */
export function workerCount(setting: "auto" | number): number {
  return setting === "auto" ? Math.max(1, availableParallelism()) : setting;
}

export function encodeWorker(id: WorkerIdentity): string {
  return JSON.stringify(id);
}

/** This process's identity when a supervisor started it; undefined for a single process (or the supervisor). */
export function workerIdentity(env: Record<string, string | undefined> = process.env): WorkerIdentity | undefined {
  const text = env[WORKER_ENV];
  if (text === undefined || text === "") return undefined;
  let value: Partial<WorkerIdentity> | undefined;
  try {
    value = JSON.parse(text) as Partial<WorkerIdentity>;
  } catch {
    value = undefined;
  }
  const { index, hostname, port } = value ?? {};
  if (!Number.isInteger(index) || typeof hostname !== "string" || !Number.isInteger(port)) {
    throw new Error(`${WORKER_ENV} is set but is not what a butter supervisor writes; unset it to run a single process`);
  }
  return { index: index!, hostname, port: port! };
}

export function reportReady(address: string): void {
  const message: ReadyMessage = { type: "ready", address };
  process.send?.(message);
}
