import type { z } from "zod";
import { configSchema, type Config } from "./schema.ts";
import { interpolate } from "./interpolate.ts";
import { findDuplicateKey } from "./duplicate-keys.ts";

export class ConfigError extends Error {}

export interface LoadedConfig { config: Config; warnings: string[] }

export async function loadConfigFile(path: string, env: Record<string, string | undefined> = process.env): Promise<LoadedConfig> {
  const file = Bun.file(path);
  if (!(await file.exists())) throw new ConfigError(`config file not found: ${path}`);
  return parseConfigText(await file.text(), env);
}

export function parseConfigText(text: string, env: Record<string, string | undefined> = process.env): LoadedConfig {
  const { text: expanded, unset } = interpolate(text, env);
  const warnings =
    unset.length === 0 ? []
    : unset.length === 1 ? [`environment variable ${unset[0]} is not set; using an empty string`]
    : [`environment variables ${unset.join(", ")} are not set; using empty strings`];
  let raw: unknown;
  try {
    raw = Bun.YAML.parse(expanded);
  } catch (err) {
    throw new ConfigError(`invalid YAML: ${err instanceof Error ? err.message : String(err)}`);
  }
  const duplicate = findDuplicateKey(expanded);
  if (duplicate !== undefined) throw new ConfigError(`${formatPath(duplicate.path)}: duplicate key (line ${duplicate.line}); YAML keeps only one of them`);
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) throw new ConfigError(formatIssues(result.error.issues));
  return { config: result.data, warnings };
}

/**
 * `providers.openai.keys[0].weight: expected a positive number`. `prefix` is where the parsed value
 * sits in the file, when a schema ran on a part of it (a provider kind's own fields, a plugin's config).
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): string {
  return issues
    .map((issue) => {
      const path = formatPath([...prefix, ...issue.path]);
      const message = issue.code === "unrecognized_keys" ? `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(", ")}` : issue.message;
      return path ? `${path}: ${message}` : message;
    })
    .join("; ");
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}
