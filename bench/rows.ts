// The rows of the benchmark table. "direct" (the mock itself), "bun floor" and "bun floor + gateway guarantees" are
// fixed; every gateway row is an entry of GATEWAY_ROWS: a name, the model to ask for, a function that writes the
// config YAML, and optionally the files it needs. To benchmark a new setup, add an entry. A row whose `requires`
// are missing, or whose gateway does not start within 10 s (or answers its first request wrongly), is printed as
// "n/a" with the reason.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { hashKey } from "../src/keys/key-format.ts";
import { SqliteStore } from "../src/store/sqlite-store.ts";
import { FETCH_CONCURRENCY, FETCH_CONCURRENCY_ENV } from "../src/transport/fetch-concurrency.ts";
import type { ClientApi } from "./latency.ts";
import { BUN, ROOT } from "./util.ts";

export interface BenchContext {
  /** mock upstream root, e.g. http://127.0.0.1:41234 (OpenAI at /v1/..., Anthropic at /v1/messages) */
  mockUrl: string;
  tmpDir: string;
}

export interface GatewayRow {
  name: string;
  model: string;
  /** The client API the row is measured through (default: chat completions). */
  api?: ClientApi;
  /** repo-relative paths that must exist for this row to run */
  requires?: string[];
  /** The bearer token clients send (default sk-bench, which no row checks). */
  auth?: string;
  /** The non-streamed requests' temperature (default: the fixture's 0.7); 0 makes them cacheable. */
  temperature?: number;
  /** Environment of the gateway's process, beside what `npm start` sets. */
  env?: Record<string, string>;
  config(ctx: BenchContext): string;
}

/** Where a row's process comes from once its config (if any) is written. */
export interface RowSpec {
  name: string;
  model: string;
  api?: ClientApi;
  requires: string[];
  auth?: string;
  temperature?: number;
  argv(ctx: BenchContext, configPath: string): string[];
  env(ctx: BenchContext): Record<string, string>;
  config?(ctx: BenchContext): string;
}

const server = `server:
  address: "127.0.0.1:0"
  server_timing: true
`;

const openaiProvider = (ctx: BenchContext) => `providers:
  openai:
    base_url: ${ctx.mockUrl}/v1
    keys:
      - value: sk-bench
`;

const anthropicProvider = (ctx: BenchContext) => `providers:
  anthropic:
    base_url: ${ctx.mockUrl}
    keys:
      - value: sk-bench
`;

/** The require_key row's app key, made before its gateway starts (as `butter keys create` would). */
const BENCH_APP_KEY = "btr_" + "b".repeat(43);

function benchKeyStore(ctx: BenchContext): string {
  const path = join(ctx.tmpDir, "require-key.db");
  const store = new SqliteStore(path, { ttlMs: 60_000 });
  // Synchronous underneath: the row's file is complete when config() returns.
  void store.appKeys.save({
    id: "key_benchbenchbench1", hash: hashKey(BENCH_APP_KEY), name: "bench", createdAt: Date.now(), expiresAt: null,
    revoked: false, models: null, rateLimit: null, budget: null,
  });
  void store.close();
  return path;
}

export const GATEWAY_ROWS: GatewayRow[] = [
  {
    name: "butter (no plugins)",
    model: "openai/gpt-4o-mini",
    config: (ctx) => server + openaiProvider(ctx),
  },
  {
    // The allocator's knob (README "Memory and the allocator"): freed pages are never handed back to
    // the system, so none is faulted in again; what it costs is the memory columns.
    name: "butter: allocator never purges (MIMALLOC_PURGE_DELAY=-1)",
    model: "openai/gpt-4o-mini",
    env: { MIMALLOC_PURGE_DELAY: "-1" },
    config: (ctx) => server + openaiProvider(ctx),
  },
  {
    // Temperature 0, non-streamed: the warm-up's first request fills the cache, every measured one is a hit.
    name: "butter: cache hit (memory)",
    model: "openai/gpt-4o-mini",
    requires: ["src/cache"],
    temperature: 0,
    config: (ctx) => server + openaiProvider(ctx) + `cache:
  backend: memory
`,
  },
  {
    name: "butter: require_key (app key check + counting)",
    model: "openai/gpt-4o-mini",
    requires: ["src/keys"],
    auth: BENCH_APP_KEY,
    config: (ctx) => server + openaiProvider(ctx) + `store: sqlite:${benchKeyStore(ctx)}
app_keys:
  require_key: true
  flush_interval: 1s
`,
  },
  {
    name: "butter + ratelimit, logging, metrics",
    model: "openai/gpt-4o-mini",
    requires: ["src/plugins/builtin"],
    // rate limit generous enough never to answer 429 during the c=64 phase
    config: (ctx) =>
      server +
      openaiProvider(ctx) +
      `plugins:
  - name: ratelimit
    config: { mode: global, rate: 100000000, burst: 100000000, backend: memory }
  - name: logging
  - name: metrics
`,
  },
  {
    name: "butter → anthropic mock",
    model: "anthropic/claude-sonnet-4-5-20250929",
    requires: ["src/providers/anthropic"],
    config: (ctx) => server + anthropicProvider(ctx),
  },
  {
    name: "butter: Messages API → openai mock (translated)",
    model: "openai/gpt-4o-mini",
    api: "messages",
    requires: ["src/server/ingress/anthropic"],
    config: (ctx) => server + openaiProvider(ctx),
  },
  {
    // The client's body goes upstream untranslated apart from `model`; the answer is relayed as it came.
    name: "butter: Messages API → anthropic mock (pass-through)",
    model: "anthropic/claude-sonnet-4-5-20250929",
    api: "messages",
    requires: ["src/server/ingress/anthropic", "src/providers/anthropic"],
    config: (ctx) => server + anthropicProvider(ctx),
  },
  {
    // Translated to Chat Completions (the openai kind would ask the mock for /v1/responses) and stored, the
    // API's default: every answer is a write to the SQLite store before the client gets it.
    name: "butter: Responses API → chat mock (translated, stored)",
    model: "groq/llama-3.3-70b",
    api: "responses",
    requires: ["src/server/ingress/responses"],
    config: (ctx) => server + `providers:
  groq:
    base_url: ${ctx.mockUrl}/v1
    keys:
      - value: sk-bench
store: sqlite:${join(ctx.tmpDir, "responses.db")}
`,
  },
  {
    name: "butter + wasm plugin (prompt-guard, log mode)",
    model: "openai/gpt-4o-mini",
    requires: ["src/plugins/wasm", "plugins/prompt-guard.wasm"],
    config: (ctx) =>
      server +
      openaiProvider(ctx) +
      `plugins:
  - name: prompt-guard
    wasm: ${join(ROOT, "plugins/prompt-guard.wasm")}
    config: { mode: log }
`,
  },
];

/** A fixed row run by one of bench/'s own servers (they take PORT and UPSTREAM and log their address). */
function floorRow(name: string, file: string): RowSpec {
  return {
    name,
    model: "openai/gpt-4o-mini",
    requires: [],
    argv: () => [BUN, join(ROOT, "bench", file)],
    env: (ctx) => ({ PORT: "0", UPSTREAM: ctx.mockUrl }),
  };
}

export const FLOOR_ROW = floorRow("bun floor", "floor-bun.ts");
/** The floor plus the native work Butter's guarantees cost: between the two, what Butter's own code costs. */
export const FLOOR_GUARANTEES_ROW = floorRow("bun floor + gateway guarantees", "floor-guarantees.ts");

export function gatewaySpec(row: GatewayRow): RowSpec {
  return {
    name: row.name,
    model: row.model,
    api: row.api,
    auth: row.auth,
    temperature: row.temperature,
    requires: ["src/main.ts", ...(row.requires ?? [])],
    argv: (_ctx, configPath) => [BUN, join(ROOT, "src/main.ts"), "--config", configPath],
    // As `npm start` runs it: fetch's limit on requests at once raised (the rows stay far below it).
    env: () => ({ [FETCH_CONCURRENCY_ENV]: FETCH_CONCURRENCY, ...row.env }),
    config: row.config,
  };
}

export const ROW_SPECS: RowSpec[] = [FLOOR_ROW, FLOOR_GUARANTEES_ROW, ...GATEWAY_ROWS.map(gatewaySpec)];

export function missing(spec: RowSpec): string | undefined {
  const gone = spec.requires.filter((p) => !existsSync(join(ROOT, p)));
  return gone.length ? `missing ${gone.join(", ")}` : undefined;
}
