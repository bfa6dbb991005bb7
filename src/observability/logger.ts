// Structured JSON logs, one line each, on stdout. Nothing secret is ever passed in here: callers log
// provider names, key indexes and ids, never key values or bodies.
import { formatDroppedLine, writeLines } from "./stdout.ts";

export type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

let threshold = ORDER[(process.env.BUTTER_LOG_LEVEL as Level) ?? "info"] ?? ORDER.info;

export function setLogLevel(level: Level): void {
  threshold = ORDER[level];
}

/** Fields every line carries (a worker's number, so the lines of several workers can be told apart). */
let context: Record<string, unknown> | undefined;
let contextJson = "";

export function setLogContext(fields: Record<string, unknown> | undefined): void {
  context = fields;
  contextJson = fields === undefined ? "" : JSON.stringify(fields).slice(1, -1);
}

/** The context's fields as JSON members (`"worker":1`), for lines built as text (the access log); "" when none. */
export function logContextMembers(): string {
  return contextJson;
}

function line(level: Level, msg: string, fields?: Record<string, unknown>): string {
  return JSON.stringify({ time: new Date().toISOString(), level, msg, ...context, ...fields });
}

export function log(level: Level, msg: string, fields?: Record<string, unknown>): void {
  if (ORDER[level] < threshold) return;
  writeLines(line(level, msg, fields));
}

// The sink's own warning (lines it had to drop) is a logger line like any other: same shape, same context.
formatDroppedLine((msg, dropped) => line("warn", msg, { dropped }));

export const logger = {
  debug: (msg: string, fields?: Record<string, unknown>) => log("debug", msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => log("info", msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => log("warn", msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => log("error", msg, fields),
};

export function errorFields(err: unknown): Record<string, unknown> {
  if (err instanceof Error) return { error: err.message, error_kind: (err as { kind?: string }).kind ?? err.name };
  return { error: String(err) };
}
