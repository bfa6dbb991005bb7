import type { z } from "zod";
import { ConfigError, formatIssues } from "../config/load.ts";

/** Validates one plugin's `config` block; issues name the full path, e.g. `plugins[0].config.rate: expected a positive number`. */
export function parsePluginConfig<S extends z.ZodType>(schema: S, config: unknown, path: string): z.output<S> {
  const result = schema.safeParse(config);
  if (result.success) return result.data;
  throw new ConfigError(formatIssues(result.error.issues.map((issue) => ({ ...issue, path: [path, "config", ...issue.path] }))));
}
