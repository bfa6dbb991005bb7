// Access to the provider wire-format fixtures kept in test/fixtures/ (see its README.md).
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** The repository root: test/support/ sits two levels below it. */
export const repoRoot: string = resolve(import.meta.dir, "../..");

/** The fixtures directory, inside the repository so a clone needs nothing beside it. */
export function fixturesDir(): string {
  return resolve(repoRoot, "test/fixtures");
}

export function fixturePath(provider: string, file: string): string {
  const path = join(fixturesDir(), provider, file);
  if (!existsSync(path)) throw new Error(`fixture not found: ${provider}/${file} (${path})`);
  return path;
}

/** Top-level `_`-prefixed keys of a fixture: hints for the mock, not part of the wire body. */
export interface FixtureAnnotations {
  /** e.g. "POST https://api.openai.com/v1/chat/completions" */
  _url?: string;
  _headers?: Record<string, string>;
  _response_headers?: Record<string, string>;
  [key: `_${string}`]: unknown;
}

export interface JsonFixture<T> {
  body: T;
  annotations: FixtureAnnotations;
}

/** A JSON fixture with its top-level `_` annotation keys split off. */
export function loadJson<T = Record<string, unknown>>(provider: string, file: string): JsonFixture<T> {
  const raw: unknown = JSON.parse(loadText(provider, file));
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return { body: raw as T, annotations: {} };
  const body: Record<string, unknown> = {};
  const annotations: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key.startsWith("_")) annotations[key] = value;
    else body[key] = value;
  }
  return { body: body as T, annotations: annotations as FixtureAnnotations };
}

export function loadText(provider: string, file: string): string {
  return readFileSync(fixturePath(provider, file), "utf8");
}

/** Raw bytes (SSE, Bedrock event-stream .bin), copied into a plain Uint8Array (not a Buffer) so deep equality works. */
export function loadBytes(provider: string, file: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(readFileSync(fixturePath(provider, file)));
}

/** An `error-*.json` fixture: JSON `body`, or (Perplexity's HTML edge) `body_text` + `content_type`. */
export interface ErrorFixture {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
  body_text?: string;
  content_type?: string;
}

export function loadError(provider: string, file: string): ErrorFixture {
  const raw = JSON.parse(loadText(provider, file)) as Partial<ErrorFixture>;
  if (typeof raw.status !== "number") throw new Error(`${provider}/${file} is not an error fixture (no numeric status)`);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw.headers ?? {})) headers[k.toLowerCase()] = String(v);
  const out: ErrorFixture = { status: raw.status, headers };
  if ("body" in raw) out.body = raw.body;
  if (raw.body_text !== undefined) out.body_text = raw.body_text;
  if (raw.content_type !== undefined) out.content_type = raw.content_type;
  return out;
}
