// The running config as the admin API shows it: every secret replaced by "***". Provider keys are
// hidden field by field whatever their kind names them (like engine/secrets.ts, every string field of
// a key), credential-looking names anywhere (headers, plugin settings), passwords in URLs; and then
// any string still containing one of those values, wherever an `${ENV}` put it.
import type { Config } from "./schema.ts";

export const HIDDEN = "***";
const SECRET_NAME = /auth|key|token|secret|passw|credential|cookie|signature|private/i;
/** Not credentials although their names say key: a key's weight and model allowlist. */
const PLAIN_NAMES = new Set(["weight", "models", "keys", "max_entries", "key_prefix", "credential_mode"]);
const MIN_SECRET = 6;

export function redactedConfig(config: Config): Record<string, unknown> {
  const secrets = new Set<string>();
  const hide = (value: string): string => {
    if (value === "") return value;
    if (value.length >= MIN_SECRET) secrets.add(value);
    return HIDDEN;
  };
  const copy = structuredClone(config) as unknown as Record<string, any>;
  if (copy.admin?.token) copy.admin.token = hide(copy.admin.token);
  for (const block of Object.values<Record<string, any>>(copy.providers ?? {})) {
    for (const key of block.keys ?? []) {
      for (const field of Object.keys(key)) if (typeof key[field] === "string") key[field] = hide(key[field]);
    }
  }
  const walk = (value: unknown, name: string): unknown => {
    if (typeof value === "string") return SECRET_NAME.test(name) && !PLAIN_NAMES.has(name) ? hide(value) : urlWithoutPassword(value, hide);
    if (Array.isArray(value)) return value.map((v) => walk(v, name));
    if (value !== null && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = walk(v, k);
      return out;
    }
    return value;
  };
  const walked = walk(copy, "") as Record<string, unknown>;
  // Header values may carry credentials under any name (`x-portkey-...`): all hidden.
  for (const block of Object.values<Record<string, any>>((walked.providers ?? {}) as Record<string, any>)) {
    if (block.headers) for (const h of Object.keys(block.headers)) block.headers[h] = hide(String(block.headers[h]));
  }
  return scrub(walked, [...secrets].sort((a, b) => b.length - a.length)) as Record<string, unknown>;
}

/** `redis://user:pass@host` → `redis://user:***@host`; anything else unchanged. */
function urlWithoutPassword(value: string, hide: (v: string) => string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^@/?#]*)@/i.exec(value);
  if (m === null) return value;
  const userinfo = m[2]!;
  const colon = userinfo.indexOf(":");
  // A lone userinfo (`redis://token@host`) is a credential too.
  const shown = colon < 0 ? hide(userinfo) : `${userinfo.slice(0, colon)}:${hide(userinfo.slice(colon + 1))}`;
  return `${m[1]}${shown}@${value.slice(m[0].length)}`;
}

/** Any remaining string containing a hidden value loses it. */
export function scrub(value: unknown, secrets: readonly string[]): unknown {
  if (secrets.length === 0) return value;
  if (typeof value === "string") {
    let out = value;
    for (const s of secrets) if (out.includes(s)) out = out.replaceAll(s, HIDDEN);
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => scrub(v, secrets));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[scrub(k, secrets) as string] = scrub(v, secrets);
    return out;
  }
  return value;
}

/** The values `redactedConfig` hides, for scrubbing text that may quote them (a reload's error). */
export function secretsOf(config: Config): string[] {
  const found: string[] = [];
  const collect = (value: unknown, name: string): void => {
    if (typeof value === "string") {
      if (SECRET_NAME.test(name) && !PLAIN_NAMES.has(name) && value.length >= MIN_SECRET) found.push(value);
      const m = /^[a-z][a-z0-9+.-]*:\/\/([^@/?#]*)@/i.exec(value);
      if (m !== null) {
        const pass = m[1]!.includes(":") ? m[1]!.slice(m[1]!.indexOf(":") + 1) : m[1]!;
        if (pass.length >= MIN_SECRET) found.push(pass);
      }
    } else if (Array.isArray(value)) value.forEach((v) => collect(v, name));
    else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) collect(v, k);
  };
  collect(config, "");
  if (config.admin.token.length >= MIN_SECRET) found.push(config.admin.token);
  for (const block of Object.values(config.providers)) {
    for (const key of block.keys) for (const v of Object.values(key)) if (typeof v === "string" && v.length >= MIN_SECRET) found.push(v);
    for (const v of Object.values(block.headers ?? {})) if (v.length >= MIN_SECRET) found.push(v);
  }
  return [...new Set(found)].sort((a, b) => b.length - a.length);
}
