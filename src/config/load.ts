import * as v from "valibot";
import { configSchema, type Config } from "./schema.ts";
import { isUnknownField } from "./schema-kit.ts";
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
  const result = v.safeParse(configSchema, raw ?? {});
  if (!result.success) throw new ConfigError(formatIssues(result.issues));
  return { config: result.output, warnings };
}

/**
 * `providers.openai.keys[0].weight: expected a positive number`. `prefix` is where the parsed value
 * sits in the file, when a schema ran on a part of it (a provider kind's own fields, a plugin's config).
 * An object's unknown fields (one issue each, the key last in its path) make one entry at the
 * object's path, where the first of them was: `server: unknown field(s) "adress", "port"`.
 */
export function formatIssues(issues: readonly v.BaseIssue<unknown>[], prefix: readonly PropertyKey[] = []): string {
  const entries: { path: string; message?: string; unknown?: string[] }[] = [];
  const unknownAt = new Map<string, string[]>();
  for (const issue of issues) {
    const keys: PropertyKey[] = [...prefix];
    for (const item of issue.path ?? []) keys.push(item.key as PropertyKey);
    if (!isUnknownField(issue)) {
      entries.push({ path: formatPath(keys), message: issue.message });
      continue;
    }
    const path = formatPath(keys.slice(0, -1));
    const field = String(keys[keys.length - 1]);
    const fields = unknownAt.get(path);
    if (fields) fields.push(field);
    else {
      unknownAt.set(path, [field]);
      entries.push({ path, unknown: unknownAt.get(path) });
    }
  }
  return entries
    .map(({ path, message, unknown }) => {
      const text = unknown ? `unknown field(s) ${unknown.map((k) => `"${k}"`).join(", ")}` : message!;
      return path ? `${path}: ${text}` : text;
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
