// The built prompt-guard.wasm driven directly through @extism/extism (no gateway): for unit tests of
// detection and for the labelled-set evaluation. Built by scripts/build-plugins.ts (npm test runs it).
import createPlugin, { type Plugin } from "@extism/extism";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const GUARD_WASM = join(import.meta.dir, "../../plugins/prompt-guard.wasm");

export interface GuardLog { level: string; message: string; fields: Record<string, string | number | boolean> }
export interface GuardOutput {
  respond?: { status: number; error: { message: string; type: string; code: string }; kind: string };
  log?: GuardLog;
  headers?: Record<string, string>;
}

export type Message = { role: string; content: unknown; [k: string]: unknown };

export class Guard {
  private calls = 0;
  constructor(private readonly plugin: Plugin) {}

  /** The hook's answer for a chat request with these messages. */
  async check(messages: Message[]): Promise<GuardOutput> {
    return JSON.parse(await this.raw(JSON.stringify({ request_id: "req_test", api: "chat_completions", operation: "chat", client_ip: undefined, body: { model: "openai/gpt-4o-mini", messages } })));
  }

  async user(text: string): Promise<GuardOutput> {
    return this.check([{ role: "user", content: text }]);
  }

  async raw(input: string): Promise<string> {
    // @extism/extism's foreground mode keeps its per-call blocks until reset.
    if (++this.calls % 200 === 0) await this.plugin.reset();
    const out = await this.plugin.call("pre_llm", input);
    return out?.text() ?? "";
  }

  close(): Promise<void> {
    return this.plugin.close();
  }
}

/** config values as the gateway hands them: strings as they are. */
export async function loadGuard(config: Record<string, string> = {}): Promise<Guard> {
  const bytes = new Uint8Array(readFileSync(GUARD_WASM));
  return new Guard(await createPlugin({ wasm: [{ data: bytes }] }, { useWasi: false, config }));
}

/** The category a log-mode guard reported, or undefined when the text passed. */
export function categoryOf(out: GuardOutput): string | undefined {
  return out.log?.fields.category as string | undefined;
}
