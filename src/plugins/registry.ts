// Built-in plugins by name. Each is imported only when a config names it, so an unused plugin
// (and its OpenTelemetry or Redis code) costs nothing, not even load time.
import type { PluginFactory } from "./types.ts";

type Loader = () => Promise<{ factory: PluginFactory }>;

export const builtinPlugins: ReadonlyMap<string, Loader> = new Map<string, Loader>([
  ["ratelimit", () => import("./builtin/ratelimit/index.ts")],
  ["logging", () => import("./builtin/logging/index.ts")],
  ["metrics", () => import("./builtin/metrics/index.ts")],
  ["tracing", () => import("./builtin/tracing/index.ts")],
]);
