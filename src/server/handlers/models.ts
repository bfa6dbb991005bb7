import type { ServerDeps, Exchange } from "../context.ts";
import { passthroughHeaders } from "../context.ts";

export async function handleModels(deps: ServerDeps, ex: Exchange): Promise<Response> {
  const data = await deps.catalog.list(ex.signal, passthroughHeaders(ex.req.headers));
  return new Response(JSON.stringify({ object: "list", data }), { headers: { ...ex.headers, "content-type": "application/json" } });
}

export function handleHealth(_deps: ServerDeps, ex: Exchange): Response {
  return new Response(JSON.stringify({ status: "ok" }), { headers: { ...ex.headers, "content-type": "application/json" } });
}
