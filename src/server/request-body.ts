import { errors, GatewayError } from "../core/errors.ts";
import { BodyDeadline } from "./body-deadline.ts";
import type { Exchange } from "./context.ts";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "./json-depth.ts";

/** `server.max_body_bytes` and `server.body_timeout`. */
export interface BodyLimits {
  max_body_bytes: number;
  body_timeout: number;
}

/**
 * Reads a JSON object body within `max_body_bytes` and `body_timeout`. A declared Content-Length
 * over the limit is refused before reading; a chunked body is counted as it arrives and refused
 * once it crosses the limit. JSON nested deeper than MAX_JSON_DEPTH is refused before parsing.
 */
export async function readJsonObject(ex: Exchange, limits: BodyLimits): Promise<Record<string, unknown>> {
  const text = await receive(ex, limits);
  if (text.length === 0) throw errors.invalidJson("the body is empty");
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) throw errors.jsonTooDeep(MAX_JSON_DEPTH);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw errors.invalidJson(err instanceof Error ? err.message : String(err));
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw errors.invalidRequest("The request body must be a JSON object.");
  }
  return value as Record<string, unknown>;
}

async function receive(ex: Exchange, limits: BodyLimits): Promise<string> {
  const req = ex.req;
  const limit = limits.max_body_bytes;
  const declared = req.headers.get("content-length");
  const length = declared === null ? -1 : Number(declared);
  if (length > limit) throw errors.bodyTooLarge(limit);
  let text = "";
  if (length !== 0) {
    const deadline = new BodyDeadline(length > 0 ? req.text() : readChunked(req, limit, ex), limits.body_timeout);
    try {
      text = await deadline.race();
    } catch (err) {
      if (err instanceof GatewayError) throw err;
      // Bun rejects the read with an AbortError when the client goes away mid-body.
      if (ex.signal.aborted || (err as Error | undefined)?.name === "AbortError") throw errors.clientClosed();
      throw err;
    } finally {
      deadline.cancel();
    }
  }
  ex.bodyRead = true;
  if (length >= 0) ex.bodyBytes = length;
  return text;
}

const decoder = new TextDecoder();

async function readChunked(req: Request, limit: number, ex: Exchange): Promise<string> {
  ex.bodyBytes = 0;
  if (!req.body) return "";
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const part of req.body as unknown as AsyncIterable<Uint8Array>) {
    total += part.byteLength;
    if (total > limit) throw errors.bodyTooLarge(limit);
    parts.push(part);
  }
  ex.bodyBytes = total;
  return decoder.decode(parts.length === 1 ? parts[0] : Buffer.concat(parts));
}

/**
 * An answer sent before the body was read to its end closes the connection. Otherwise Bun keeps the
 * keep-alive connection waiting for the rest of the body, and a client that never sends it holds
 * the connection forever. Called on the paths that may answer early (errors, plugin answers, GETs).
 */
export function closeIfBodyUnread(ex: Exchange): void {
  if (ex.bodyRead) return;
  const headers = ex.req.headers;
  const declared = headers.get("content-length");
  if (declared !== null ? declared !== "0" : headers.has("transfer-encoding")) ex.headers.connection = "close";
}
