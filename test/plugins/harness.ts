// The real server, engine and plugin chain in this process, with test plugins injected: for chain
// behaviour that needs a plugin written in the test. Built-ins are tested through the gateway process.
import { parseConfigText } from "../../src/config/load.ts";
import type { PluginSet } from "../../src/plugins/plugin-set.ts";
import type { Plugin, PluginFactory } from "../../src/plugins/types.ts";
import { buildGeneration, type Generation } from "../../src/runtime/generation.ts";
import { GenerationHolder } from "../../src/runtime/reloader.ts";
import { listen } from "../../src/server/server.ts";
import { configText, type GatewayConfig } from "../support/index.ts";

export interface InProcess {
  url: string;
  plugins: PluginSet | undefined;
  /** The generation serving: its `active` count says how many exchanges still hold it. */
  gen: Generation;
  stop(): Promise<void>;
}

/** `plugins` in the config may name the test plugins given in `extra` as well as built-ins. */
export async function startInProcess(config: GatewayConfig, extra: Record<string, (config: Record<string, unknown>) => Plugin> = {}, options: { clock?: () => number } = {}): Promise<InProcess> {
  const { config: parsed } = parseConfigText(configText(config), {});
  const gen = await buildGeneration(parsed, {
    clock: options.clock,
    resolvePlugin: async (name) => {
      const make = extra[name];
      if (make !== undefined) return { name, create: (c) => make(c) } satisfies PluginFactory;
      const { builtinPlugins } = await import("../../src/plugins/registry.ts");
      return (await builtinPlugins.get(name)?.())?.factory;
    },
  });
  const plugins = gen.plugins;
  const { server } = listen(new GenerationHolder(gen));
  return {
    url: `http://127.0.0.1:${server.port}`,
    plugins,
    gen,
    async stop() {
      await server.stop(true);
      await gen.close();
    },
  };
}

export const hello = [{ role: "user" as const, content: "Hello!" }];

export function post(base: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(base + path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}
