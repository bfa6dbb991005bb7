// Shared by the WASM host tests: fixture paths, a gateway config on one chat-only mock provider, a
// capture of the JSON log lines this process writes, and the suite set-up of a gateway per test.
import { afterAll, afterEach, beforeAll, beforeEach } from "bun:test";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { setLogLevel } from "../../../src/observability/logger.ts";
import { redirectLines } from "../../../src/observability/stdout.ts";
import { answerEveryProvider } from "../../support/all-providers.ts";
import { startMockUpstream, type MockUpstream } from "../../support/index.ts";
import { startInProcess, type InProcess } from "../harness.ts";

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
export interface CapturedLogs { lines: Record<string, unknown>[]; stop(): void }

export function captureLogs(): CapturedLogs {
  setLogLevel("info");
  const lines: Record<string, unknown>[] = [];
  redirectLines((text) => {
    for (const line of text.split("\n")) {
      if (!line.startsWith("{")) continue;
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
    if (process.env.BUTTER_WASM_LOGS === "1") console.log(text);
  });
  return { lines, stop: () => redirectLines(undefined) };
}

/** One mock upstream for the file; per test: fresh answers, captured logs, and the gateway `start` made. */
export class WasmGateway {
  mock!: MockUpstream;
  logs!: CapturedLogs;
  gw: InProcess | undefined;

  async start(plugins: unknown[]): Promise<InProcess> {
    this.gw = await startInProcess(gatewayConfig(this.mock.url, plugins));
    return this.gw;
  }

  openai(): OpenAI {
    return new OpenAI({ baseURL: `${this.gw!.url}/v1`, apiKey: "unused", maxRetries: 0 });
  }

  anthropic(): Anthropic {
    return new Anthropic({ baseURL: this.gw!.url, apiKey: "unused", maxRetries: 0 });
  }
}

/** Registers the suite hooks of a WasmGateway; call at the top level of a test file. */
export function wasmGateway(): WasmGateway {
  const suite = new WasmGateway();
  beforeAll(async () => {
    suite.mock = await startMockUpstream();
  });
  afterAll(() => suite.mock.stop());
  beforeEach(() => {
    suite.mock.reset();
    answerEveryProvider(suite.mock);
    suite.logs = captureLogs();
  });
  afterEach(async () => {
    suite.logs.stop();
    await suite.gw?.stop();
    suite.gw = undefined;
  });
  return suite;
}
