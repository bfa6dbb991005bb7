import type { Server } from "bun";
import { errors, toGatewayError } from "../core/errors.ts";
import { newRequestId } from "../core/ids.ts";
import { errorFields, logger } from "../observability/logger.ts";
import type { Generation, Exchange } from "./context.ts";
import { endExchange, requestIdFrom } from "./context.ts";
import type { GenerationHolder } from "../runtime/reloader.ts";
import { errorResponse } from "./error-response.ts";
import { openaiIngress } from "./ingress.ts";
import { RequestRecorder } from "../observability/recorder.ts";
import { dispatchWithPlugins } from "./plugin-dispatch.ts";
import { holdConnection } from "./keep-alive.ts";
import { closeIfBodyUnread } from "./request-body.ts";
import { pathOf } from "./path.ts";
import { paramRoutes, routeIngress, routeMethods, routeTable } from "./routes.ts";

export { pathOf };

/**
 * `routed`: whether Bun matched the raw request target to one of our routes. Bun builds `req.url`
 * with the URL parser, which resolves `..` (also spelled `%2e%2e`) and `\`, so `/v1/%2e%2e/metrics`
 * arrives as `/metrics`; its `routes` table, though, matches the target as sent. A request that
 * reached no route is therefore a 404 whatever its resolved path says.
 * Not `async` itself: returning the plugin path's promise from an async function would cost extra
 * promise resolution steps per request.
 * `routePath`: the exact route Bun matched, which is the request's path (Bun matches the target as
 * sent, query aside); without it the path is read from `req.url`, which Bun builds on first read
 * (about 5 µs at c=1 on the bench machine).
 */
export function dispatch(holder: GenerationHolder, req: Request, server?: Server<undefined>, routed = true, routePath?: string): Promise<Response> {
  const requestId = requestIdFrom(req.headers, newRequestId);
  // The one read of the current generation: everything this request does uses it, even if a reload
  // swaps in another before it ends.
  const arrivedAt = performance.now();
  const gen = holder.current;
  gen.enter();
  const path = routePath ?? pathOf(req.url);
  const ex: Exchange = {
    gen, ingress: routeIngress.get(path) ?? openaiIngress, recorder: undefined, req, requestId, headers: { "x-request-id": requestId }, signal: req.signal, server, incoming: req, path,
    streaming: false, routed, bodyRead: false, arrivedAt,
  };
  holdConnection(ex);
  // Nothing observes requests and no plugin is enabled (the common case): no record, no chain.
  if (!path.startsWith("/v1/") || (gen.plugins === undefined && !gen.observed)) return direct(gen, ex, path);
  const clientIp = gen.plugins?.needsClientIp === true ? server?.requestIP(req)?.address : undefined;
  if (gen.observed) ex.recorder = new RequestRecorder(gen.telemetry, requestId, req, path, clientIp);
  if (gen.plugins !== undefined) return dispatchWithPlugins(gen, gen.plugins, ex, path, clientIp);
  return direct(gen, ex, path);
}

async function direct(gen: Generation, ex: Exchange, path: string): Promise<Response> {
  let res: Response;
  try {
    res = await route(gen, ex, path);
  } catch (err) {
    res = errorOut(err, ex);
  }
  ex.recorder?.responded(res);
  if (!ex.streaming) endExchange(ex);
  return res;
}

/** Finds the handler for the path and method and runs it; throws 404/405 and whatever the handler throws. */
export function route(gen: Generation, ex: Exchange, path: string): Response | Promise<Response> {
  const method = ex.req.method;
  const methods = ex.routed ? routeMethods(path) : undefined;
  if (!methods) throw ex.routed || routeMethods(path) === undefined ? errors.notFound(method, path) : errors.pathNotAsSent(method, path);
  const handler = methods.get(method);
  if (!handler) throw errors.methodNotAllowed(method, path, [...methods.keys()].join(", "));
  // Only POST and PATCH handlers read a body; a body sent along with a GET is never read.
  if (method !== "POST" && method !== "PATCH") closeIfBodyUnread(ex);
  return handler(gen, ex);
}

export function errorOut(err: unknown, ex: Exchange): Response {
  const error = toGatewayError(err);
  ex.recorder?.failedWith(error.kind);
  closeIfBodyUnread(ex);
  if (error.kind === "internal") logger.error("internal error", { request_id: ex.requestId, ...errorFields(error.cause ?? err) });
  // Nobody is left to read the answer; this is the client's doing, not ours.
  else if (error.kind === "client_closed") logger.debug("client closed the request", { request_id: ex.requestId });
  return ex.ingress.encodeError(error, ex.headers);
}

export interface Listening { server: Server<undefined>; address: string }

/** The listen address cannot be bound; main.ts turns this into its one-line exit reason. */
export class ListenError extends Error {}

export interface ListenOptions {
  /** A worker of several (runtime/supervisor.ts) shares the port with its siblings; a single process never does. */
  reusePort?: boolean;
  /** Instead of the config's (a restarted worker keeps the address its siblings listen on). */
  address?: { hostname: string; port: number };
}

/** Listens on the current generation's address; every request then reads `holder.current` on arrival. */
export function listen(holder: GenerationHolder, options: ListenOptions = {}): Listening {
  const server0 = holder.current.config.server;
  const { hostname, port } = options.address ?? server0.address;
  // One entry per route path, matched by Bun against the raw request target (see dispatch).
  const routes: Record<string, (req: Request, server: Server<undefined>) => Promise<Response>> = {};
  for (const path of routeTable.keys()) routes[path] = (req, server) => dispatch(holder, req, server, true, path);
  for (const r of paramRoutes) routes[r.pattern] = (req, server) => dispatch(holder, req, server);
  let server: Server<undefined>;
  try {
    server = Bun.serve({
      hostname,
      port,
      // With `development: false` Bun sets SO_REUSEPORT unless told otherwise: a second gateway on a
      // port in use would then start, and the kernel would split connections between two configs.
      // Workers ask for it: their supervisor checked that the port was free before starting them.
      reusePort: options.reusePort === true,
      // Every body over max_body_bytes gets our 413 envelope (request-body.ts). Bun answers a bare 413
      // itself above this, without x-request-id, so it must never be the one to refuse.
      maxRequestBodySize: Number.MAX_SAFE_INTEGER,
      // Off while a request is handled (an LLM answer can take minutes before its first byte) and on
      // between requests: keep-alive.ts. Bodies are bounded by server.body_timeout.
      idleTimeout: Math.ceil(server0.idle_timeout / 1000),
      development: false,
      routes,
      fetch: (req, server) => dispatch(holder, req, server, false),
      error: (err) => {
        logger.error("unhandled server error", errorFields(err));
        return errorResponse(errors.internal(err), { "x-request-id": newRequestId() });
      },
    });
  } catch (err) {
    throw new ListenError(`cannot listen on ${hostname}:${port}: ${listenFailure(err)}`);
  }
  return { server, address: `${server.hostname}:${server.port}` };
}

export function listenFailure(err: unknown): string {
  const code = (err as { code?: string } | undefined)?.code;
  if (code === "EADDRINUSE") return "the address is already in use (another process is listening on it)";
  if (code === "EACCES") return "permission denied";
  if (code === "EADDRNOTAVAIL") return "the address is not available on this machine";
  return err instanceof Error ? err.message : String(err);
}
