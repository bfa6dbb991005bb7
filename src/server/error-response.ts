import { typeForStatus, type GatewayError } from "../core/errors.ts";
import type { ErrorBody } from "../core/openai-types.ts";

/** The only place a GatewayError becomes OpenAI's error envelope. */
export function errorBody(err: GatewayError): ErrorBody {
  return { error: { message: err.message, type: err.type || typeForStatus(err.status), param: err.param, code: err.code } };
}

export function errorResponse(err: GatewayError, headers: Record<string, string>): Response {
  return new Response(JSON.stringify(errorBody(err)), {
    // 499 is our internal "client went away"; nobody is left to read it, but keep the status valid.
    status: err.status === 499 ? 400 : err.status,
    headers: { ...headers, ...err.headers, "content-type": "application/json" },
  });
}
