import { errors } from "../../core/errors.ts";
import type { CallContext, ErrorMapper, UpstreamRequest } from "../types.ts";

/** Sends, and turns any non-2xx answer into the provider's mapped error. */
export async function sendChecked(ctx: CallContext, request: UpstreamRequest, mapError: ErrorMapper): Promise<Response> {
  const response = await ctx.send(request);
  if (response.status >= 200 && response.status < 300) return response;
  let text = "";
  try {
    text = await response.text();
  } catch {
    // The error body itself was cut off; the status still says what happened.
  }
  throw mapError(response.status, text, response.headers);
}

/** Reads a JSON body; truncated or non-JSON bodies become a 502 the client can understand. */
export async function readJson(response: Response, provider: string): Promise<unknown> {
  return (await readJsonText(response, provider)).json;
}

/** readJson, keeping the text too (to pass it on unchanged when nothing needs translating). */
export async function readJsonText(response: Response, provider: string): Promise<{ json: unknown; text: string }> {
  let text: string;
  try {
    text = await response.text();
  } catch {
    throw errors.upstreamBadResponse(provider, "the connection closed before the body was complete");
  }
  try {
    return { json: JSON.parse(text), text };
  } catch {
    throw errors.upstreamBadResponse(provider, text === "" ? "the body was empty" : "the body was not valid JSON");
  }
}
