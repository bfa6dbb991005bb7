import type { Server } from "bun";
import { errors, toGatewayError } from "../core/errors.ts";
import { newRequestId } from "../core/ids.ts";
import { errorFields, logger } from "../observability/logger.ts";
import type { ServerDeps, Exchange } from "./context.ts";
import { requestIdFrom } from "./context.ts";
import { errorResponse } from "./error-response.ts";
import { dispatchWithPlugins } from "./plugin-dispatch.ts";
import { routeTable } from "./routes.ts";

function pathOf(url: string): string {
  // Request URLs are absolute; skip "scheme://host" without a URL parse on the hot path.
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  const q = url.indexOf("?", start);
  return q < 0 ? url.slice(start) : url.slice(start, q);
}

// Not `async` itself: returning the plugin path's promise from an async function would cost extra
// promise resolution steps per request.
export function dispatch(deps: ServerDeps, req: Request, server?: Server<undefined>): Promise<Response> {
  const requestId = requestIdFrom(req.headers, newRequestId);
  const ex: Exchange = { req, requestId, headers: { "x-request-id": requestId }, signal: req.signal };
  const path = pathOf(req.url);
  // With no plugin enabled `deps.plugins` is undefined and nothing below this line knows plugins exist.
  if (deps.plugins !== undefined && path.startsWith("/v1/")) {
    const clientIp = deps.plugins.needsClientIp ? server?.requestIP(req)?.address : undefined;
    return dispatchWithPlugins(deps, deps.plugins, ex, path, clientIp);
  }
  return direct(deps, ex, path);
}

async function direct(deps: ServerDeps, ex: Exchange, path: string): Promise<Response> {
  try {
    return await route(deps, ex, path);
  } catch (err) {
    return errorOut(err, ex);
  }
}

/** Finds the handler for the path and method and runs it; throws 404/405 and whatever the handler throws. */
export function route(deps: ServerDeps, ex: Exchange, path: string): Response | Promise<Response> {
  const methods = routeTable.get(path);
  if (!methods) throw errors.notFound(ex.req.method, path);
  const handler = methods.get(ex.req.method);
  if (!handler) throw errors.methodNotAllowed(ex.req.method, path, [...methods.keys()].join(", "));
  return handler(deps, ex);
}

export function errorOut(err: unknown, ex: Exchange): Response {
  const error = toGatewayError(err);
  if (error.kind === "internal") logger.error("internal error", { request_id: ex.requestId, ...errorFields(error.cause ?? err) });
  return errorResponse(error, ex.headers);
}

export interface Listening { server: Server<undefined>; address: string }

export function listen(deps: ServerDeps): Listening {
  const { hostname, port } = deps.snapshot().config.server.address;
  const server = Bun.serve({
    hostname,
    port,
    // Our own limit answers with a 413 envelope; Bun's must sit above it or it would reset first.
    maxRequestBodySize: Math.max(deps.snapshot().config.server.max_body_bytes * 2, 1 << 20),
    // LLM answers can take minutes before the first byte; the failover deadline bounds them instead.
    idleTimeout: 0,
    development: false,
    fetch: (req, server) => dispatch(deps, req, server),
    error: (err) => {
      logger.error("unhandled server error", errorFields(err));
      return errorResponse(errors.internal(err), {});
    },
  });
  return { server, address: `${server.hostname}:${server.port}` };
}
