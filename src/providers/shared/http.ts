import { errors, GatewayError } from "../../core/errors.ts";
import type { CallContext, ErrorMapper, UpstreamReads, UpstreamRequest } from "../types.ts";

/** Sends, and turns any non-2xx answer into the provider's mapped error (its body read within the limit). */
export async function sendChecked(ctx: CallContext, request: UpstreamRequest, mapError: ErrorMapper): Promise<Response> {
  const response = await ctx.send(request);
  if (response.status >= 200 && response.status < 300) return response;
  let text = "";
  try {
    text = await readBody(response, ctx.reads);
  } catch (err) {
    // Over the limit, or the attempt ran out of time: that is the answer. A body merely cut off is
    // not: the status still says what happened.
    if (err instanceof GatewayError) throw err;
  }
  throw mapError(response.status, text, response.headers);
}

/** Reads a JSON body; truncated, oversized or non-JSON bodies become a 502 the client can understand. */
export async function readJson(response: Response, reads: UpstreamReads): Promise<unknown> {
  return (await readJsonText(response, reads)).json;
}

/** readJson, keeping the text too (to pass it on unchanged when nothing needs translating). */
export async function readJsonText(response: Response, reads: UpstreamReads): Promise<{ json: unknown; text: string }> {
  let text: string;
  try {
    text = await readBody(response, reads);
  } catch (err) {
    if (err instanceof GatewayError || isAbort(err)) throw err;
    throw errors.upstreamBadResponse(reads.provider, "the connection closed before the body was complete");
  }
  try {
    return { json: JSON.parse(text), text };
  } catch {
    throw errors.upstreamBadResponse(reads.provider, text === "" ? "the body was empty" : "the body was not valid JSON");
  }
}

const utf8 = new TextDecoder();

/**
 * The whole body as text, never holding more than `reads.maxBytes` of it (decompressed): over the
 * limit the body is cancelled, which closes the upstream connection, and a 502 is thrown.
 */
export async function readBody(response: Response, reads: UpstreamReads): Promise<string> {
  const start = performance.now();
  try {
    const limit = reads.maxBytes;
    const declared = response.headers.get("content-length");
    // An uncompressed, unchunked body of a declared length ends there: the runtime's own text() is bounded and faster.
    if (declared !== null && response.headers.get("content-encoding") === null && response.headers.get("transfer-encoding") === null) {
      const length = Number(declared);
      if (length > limit) {
        void response.body?.cancel().catch(() => {});
        throw errors.upstreamTooLarge(reads.provider, limit);
      }
      if (Number.isSafeInteger(length)) return await response.text();
    }
    return await readChunks(response, reads);
  } finally {
    reads.waited.ms += performance.now() - start;
  }
}

async function readChunks(response: Response, reads: UpstreamReads): Promise<string> {
  const limit = reads.maxBytes;
  const body = response.body;
  if (body === null) return "";
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      void reader.cancel().catch(() => {});
      throw errors.upstreamTooLarge(reads.provider, limit);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return utf8.decode(chunks[0]);
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return utf8.decode(all);
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && err.name === "AbortError";
}
