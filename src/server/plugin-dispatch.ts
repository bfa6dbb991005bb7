import { toGatewayError } from "../core/errors.ts";
import { RequestPipeline } from "../plugins/pipeline.ts";
import type { PluginSet } from "../plugins/plugin-set.ts";
import { ShortCircuit } from "../plugins/short-circuit.ts";
import { endExchange, type Generation, type Exchange } from "./context.ts";
import { closeIfBodyUnread } from "./request-body.ts";
import { errorOut, route } from "./server.ts";

/**
 * A /v1/* request with plugins enabled: pre-HTTP hooks, the handler (which runs the pre-LLM and
 * post-LLM hooks around the engine through `ex.pipeline`), post-HTTP hooks, and the telemetry
 * record closed at the end. Whatever answers — the engine, an error, a plugin — goes through here.
 * The pipeline's steps return promises only when a hook does, and are awaited only then.
 */
export async function dispatchWithPlugins(gen: Generation, plugins: PluginSet, ex: Exchange, path: string, clientIp: string | undefined): Promise<Response> {
  const pipeline = new RequestPipeline(plugins, ex, path, clientIp);
  ex.pipeline = pipeline;
  let res: Response;
  try {
    const pre = pipeline.preHttp();
    if (pre !== undefined) await pre;
    res = await route(gen, ex, path);
  } catch (err) {
    res = await answerFor(err, ex);
  }
  try {
    const out = pipeline.respond(res);
    res = out instanceof Promise ? await out : out;
  } catch (err) {
    // A fail-closed post-HTTP hook failed: its error replaces the answer (post hooks do not run again).
    // A stream it replaces is cancelled, which ends its exchange (and frees its config generation).
    void res.body?.cancel().catch(() => {});
    res = await answerFor(err, ex);
  }
  ex.recorder?.responded(res);
  if (!ex.streaming) endExchange(ex);
  return res;
}

function answerFor(err: unknown, ex: Exchange): Response | Promise<Response> {
  closeIfBodyUnread(ex);
  if (err instanceof ShortCircuit) return ex.pipeline!.answer(err);
  const error = toGatewayError(err);
  // A fail-closed plugin's failure was already logged (burst-limited) by the chain; errorOut logs only internal errors.
  return errorOut(error, ex);
}
