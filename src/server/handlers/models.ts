import type { Generation, Exchange } from "../context.ts";
import { passthroughHeaders } from "../context.ts";

export async function handleModels(gen: Generation, ex: Exchange): Promise<Response> {
  const data = await gen.catalog.list(ex.signal, passthroughHeaders(ex.req.headers));
  return new Response(JSON.stringify({ object: "list", data }), { headers: { ...ex.headers, "content-type": "application/json" } });
}

export function handleHealth(_deps: Generation, ex: Exchange): Response {
  return new Response(JSON.stringify({ status: "ok" }), { headers: { ...ex.headers, "content-type": "application/json" } });
}
