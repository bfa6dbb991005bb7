import type { PluginResponse } from "./types.ts";

/** A hook answered the request itself; thrown through the handler to the dispatcher. */
export class ShortCircuit {
  constructor(readonly plugin: string, readonly response: PluginResponse) {}
}

export function pluginResponse(r: PluginResponse, headers: Record<string, string>): Response {
  return new Response(JSON.stringify(r.body ?? null), {
    status: r.status,
    headers: { ...headers, ...r.headers, "content-type": "application/json" },
  });
}
