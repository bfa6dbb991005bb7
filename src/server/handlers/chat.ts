import type { Generation, Exchange } from "../context.ts";
import { endExchange, proxiedHeaders, requestContext } from "../context.ts";
import { readJsonObject } from "../request-body.ts";
import { validateChat } from "../validate.ts";
import { SSE_HEADERS, sseBody } from "../sse.ts";
import { shapeStream, type StreamStats } from "../../engine/stream-shaper.ts";
import { logger } from "../../observability/logger.ts";

export async function handleChat(gen: Generation, ex: Exchange): Promise<Response> {
  const request = validateChat(await readJsonObject(ex, gen.config.server));
  const ctx = requestContext(ex);
  const outcome = ex.pipeline === undefined ? await gen.engine.chat(request, ctx) : await ex.pipeline.chat(request, ctx, gen.engine);
  const result = outcome.value;
  if (result.type === "json") {
    return new Response(result.raw ?? JSON.stringify(result.body), { headers: proxiedHeaders(ex, outcome, "application/json") });
  }
  const stats: StreamStats = { chunks: 0 };
  const includeUsage = request.stream_options?.include_usage === true;
  const body = sseBody(shapeStream(result.events, includeUsage, stats), {
    onEnd: (end) => {
      if (end === "error" && stats.error) {
        logger.warn("stream ended with an error", { request_id: ex.requestId, provider: outcome.provider, error_kind: stats.error.kind, error: stats.error.message });
      }
      ex.pipeline?.streamEnded(stats, end);
      endExchange(ex);
    },
  });
  ex.streaming = true;
  return new Response(body, { headers: { ...proxiedHeaders(ex, outcome, SSE_HEADERS["content-type"]), ...SSE_HEADERS } });
}
