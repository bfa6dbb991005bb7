import type { ServerDeps, Exchange } from "../context.ts";
import { passthroughHeaders } from "../context.ts";
import { readJsonObject } from "../request-body.ts";
import { validateEmbeddings } from "../validate.ts";
import type { RequestContext } from "../../engine/engine.ts";

export async function handleEmbeddings(deps: ServerDeps, ex: Exchange): Promise<Response> {
  const request = validateEmbeddings(await readJsonObject(ex.req, deps.snapshot().config.server.max_body_bytes));
  const ctx: RequestContext = { requestId: ex.requestId, signal: ex.signal, passthroughHeaders: passthroughHeaders(ex.req.headers) };
  const outcome = ex.pipeline === undefined ? await deps.engine.embeddings(request, ctx) : await ex.pipeline.embeddings(request, ctx, deps.engine);
  return new Response(JSON.stringify(outcome.value), {
    headers: {
      ...ex.headers, "content-type": "application/json",
      "x-butter-provider": outcome.provider, "x-butter-attempts": String(outcome.attempts),
    },
  });
}
