// Durations are strings with a unit; a bare number is rejected so "30" can never mean 30 ms by accident.
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  return m ? Number(m[1]) * DURATION_MS[m[2]!]! : undefined;
}

const SIZE = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)?$/i;
const SIZE_BYTES: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

export function parseSize(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value > 0 ? value : undefined;
  const m = SIZE.exec(value.trim());
  return m ? Math.floor(Number(m[1]) * SIZE_BYTES[(m[2] ?? "b").toLowerCase()]!) : undefined;
}

export interface ListenAddress { hostname: string; port: number }

export function parseAddress(text: string): ListenAddress | undefined {
  const i = text.lastIndexOf(":");
  if (i < 0) return undefined;
  const host = text.slice(0, i).replace(/^\[|\]$/g, "");
  const port = Number(text.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535 || text.slice(i + 1) === "") return undefined;
  return { hostname: host === "" ? "0.0.0.0" : host, port };
}
