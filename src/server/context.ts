import type { Snapshot } from "../config/snapshot.ts";
import type { Engine } from "../engine/engine.ts";
import type { ModelCatalog } from "../engine/model-catalog.ts";
import type { RequestPipeline } from "../plugins/pipeline.ts";
import type { PluginSet } from "../plugins/plugin-set.ts";

export interface ServerDeps {
  snapshot: () => Snapshot;
  engine: Engine;
  catalog: ModelCatalog;
  /** Undefined when no plugin is enabled: requests then take the direct path. */
  plugins?: PluginSet;
}

/** Per request: the id every response carries, and an abort signal that fires when the client leaves. */
export interface Exchange {
  req: Request;
  requestId: string;
  /** Response headers every answer to this request carries. */
  headers: Record<string, string>;
  /** Bun aborts the request's own signal when the client disconnects, also mid-stream. */
  signal: AbortSignal;
  /** This request's trip through the plugin chain and telemetry; only on /v1/* with plugins enabled. */
  pipeline?: RequestPipeline;
}

const PASSTHROUGH = ["authorization", "x-api-key", "api-key", "x-goog-api-key"] as const;

/** The client's provider auth headers, forwarded only to `credential_mode: passthrough` providers. */
export function passthroughHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PASSTHROUGH) {
    const value = headers.get(name);
    if (value !== null) out[name] = value;
  }
  return out;
}

const CLIENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFrom(headers: Headers, generate: () => string): string {
  const given = headers.get("x-request-id");
  return given !== null && CLIENT_ID.test(given) ? given : generate();
}
