// Shared by the WASM host tests: fixture paths, a gateway config on one chat-only mock provider, and
// a capture of the JSON log lines this process writes.
import { join } from "node:path";

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

/** Collects this process's JSON log lines (the logger writes to stdout) until `stop()`. */
export function captureLogs(): { lines: Record<string, unknown>[]; stop(): void } {
  const lines: Record<string, unknown>[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
    for (const line of text.split("\n")) {
      if (!line.startsWith("{")) continue;
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
    return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  return { lines, stop: () => void (process.stdout.write = write) };
}
