import * as v from "valibot";
import { formatIssues } from "./load.ts";
import {
  SHARED_KEY_FIELDS, SHARED_PROVIDER_FIELDS, type KeyConfig, type ProviderConfig, type SharedProviderConfig,
} from "./schema.ts";
import { strictObject } from "./schema-kit.ts";

/**
 * What a provider kind declares about its config: the fields it adds to the shared ones. The
 * registry passes these in (config/ sits below providers/ and never imports a kind).
 */
export interface ProviderConfigSchema<S = {}, K = {}> {
  readonly kind: string;
  /** The kind's own block fields (region, project...), as a strictObject (schema-kit.ts). Absent: it has none. */
  readonly settings?: v.GenericSchema<unknown, S>;
  /** The kind's own key fields (access_key_id, credentials_file...), as a strictObject (schema-kit.ts). Absent: none. */
  readonly keyFields?: v.GenericSchema<unknown, K>;
  /** Set when the kind has no default base URL; the hint completes "base_url: required for <kind> (...)". */
  readonly baseUrlRequired?: string;
}

/** A stored key as its kind reads it: the shared fields (value, weight, models) and the kind's own, parsed. */
export type StoredKey<K = {}> = KeyConfig & K;

/** A provider block after its kind's schema ran: the shared fields, the kind's typed settings and keys. */
export interface ProviderBlock<S = {}, K = {}> extends SharedProviderConfig {
  readonly settings: S;
  readonly keys: readonly StoredKey<K>[];
}

export type ResolvedBlock<S, K> = { ok: true; block: ProviderBlock<S, K> } | { ok: false; problem: string };

// Unknown fields must be errors even on a kind that declares none: a `region` on an openai block is
// a mistake, not a setting to ignore.
const NO_FIELDS = strictObject({});

/** A kind that declares no schema has no fields of its own: its `S` / `K` is `{}`, which NO_FIELDS yields. */
const ownFields = <T>(schema: v.GenericSchema<unknown, T> | undefined): v.GenericSchema<unknown, T> =>
  schema ?? (NO_FIELDS as unknown as v.GenericSchema<unknown, T>);

/**
 * Checks the fields of block `name` that its kind owns and returns the block with them parsed, or
 * every problem found, each naming its path (`providers.aws.keys[0].access_key_id: expected a string`).
 */
export function resolveProviderBlock<S, K>(name: string, raw: ProviderConfig, schema: ProviderConfigSchema<S, K>): ResolvedBlock<S, K> {
  const at = ["providers", name];
  const problems: string[] = [];
  if (schema.baseUrlRequired !== undefined && raw.base_url === undefined) {
    problems.push(`providers.${name}.base_url: required for ${schema.kind} (${schema.baseUrlRequired})`);
  }
  const shared: Record<string, unknown> = {};
  const own: Record<string, unknown> = {};
  for (const field in raw) (SHARED_PROVIDER_FIELDS.has(field) ? shared : own)[field] = raw[field];
  const settings = v.safeParse(ownFields(schema.settings), own);
  if (!settings.success) problems.push(formatIssues(settings.issues, at));
  const keySchema = ownFields(schema.keyFields);
  const keys: StoredKey<K>[] = [];
  raw.keys.forEach((key, i) => {
    const common: Record<string, unknown> = {};
    const extra: Record<string, unknown> = {};
    for (const field in key) (SHARED_KEY_FIELDS.has(field) ? common : extra)[field] = key[field];
    const parsed = v.safeParse(keySchema, extra);
    if (parsed.success) keys.push({ ...(common as KeyConfig), ...parsed.output });
    else problems.push(formatIssues(parsed.issues, [...at, "keys", i]));
  });
  if (problems.length > 0 || !settings.success) return { ok: false, problem: problems.join("; ") };
  return { ok: true, block: { ...(shared as SharedProviderConfig), settings: settings.output, keys } };
}
