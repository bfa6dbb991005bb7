import type { Generation, Exchange } from "../context.ts";
import { proxiedHeaders, requestContext } from "../context.ts";
import { readJsonObject } from "../request-body.ts";
import { validateEmbeddings } from "../validate.ts";

export async function handleEmbeddings(gen: Generation, ex: Exchange): Promise<Response> {
  const request = validateEmbeddings(await readJsonObject(ex, gen.config.server));
  const ctx = requestContext(ex);
  const outcome = ex.pipeline === undefined ? await gen.engine.embeddings(request, ctx) : await ex.pipeline.embeddings(request, ctx, gen.engine);
  return new Response(JSON.stringify(outcome.value), { headers: proxiedHeaders(ex, outcome, "application/json") });
}
