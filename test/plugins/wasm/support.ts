// Shared by the WASM host tests: fixture paths, a gateway config on one chat-only mock provider, and
// a capture of the JSON log lines this process writes.
import { join } from "node:path";
import { setLogLevel } from "../../../src/observability/logger.ts";

export const FIXTURES = join(import.meta.dir, "fixtures");
export const fixture = (name: string): string => join(FIXTURES, `${name}.wasm`);
export const example = (name: string): string => join(import.meta.dir, "../../../plugins", `${name}.wasm`);
export const MODEL = "groq/llama-3.1-8b-instant";

export function wasmEntry(name: string, wasm: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, wasm, ...extra };
}

/** groq (chat completions only) on the mock: Messages and Responses requests are translated to chat. */
export function gatewayConfig(mockUrl: string, plugins: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { providers: { groq: { base_url: `${mockUrl}/groq-root`, keys: [{ value: "gsk-test" }] } }, failover: { max_attempts: 1 }, plugins, ...extra };
}

/**
 * Collects this process's JSON log lines (the logger and the access log write to stdout) at level
 * info until `stop()`; quietly, unless BUTTER_WASM_LOGS=1 passes them through.
 */
export function captureLogs(): { lines: Record<string, unknown>[]; stop(): void } {
  setLogLevel("info");
  const lines: Record<string, unknown>[] = [];
  const original = process.stdout.write;
  let pending = "";
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    pending += typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
    const parts = pending.split("\n");
    pending = parts.pop() ?? "";
    for (const line of parts) {
      if (!line.startsWith("{")) continue;
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
    if (process.env.BUTTER_WASM_LOGS === "1") return (original as (...a: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
    return true;
  }) as typeof process.stdout.write;
  return { lines, stop: () => void (process.stdout.write = original) };
}
