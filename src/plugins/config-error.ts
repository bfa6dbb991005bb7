import * as v from "valibot";
import { ConfigError, formatIssues } from "../config/load.ts";

/** Validates one plugin's `config` block; issues name the full path, e.g. `plugins[0].config.rate: expected a positive number`. */
export function parsePluginConfig<S extends v.GenericSchema>(schema: S, config: unknown, path: string): v.InferOutput<S> {
  const result = v.safeParse(schema, config);
  if (result.success) return result.output;
  throw new ConfigError(formatIssues(result.issues, [path, "config"]));
}
