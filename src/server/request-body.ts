import { errors } from "../core/errors.ts";

/**
 * Reads the body as text within `limit` bytes. A declared Content-Length over the limit is refused
 * before reading; a chunked body is counted as it arrives and refused once it crosses the limit.
 */
export async function readBodyText(req: Request, limit: number): Promise<string> {
  const declared = req.headers.get("content-length");
  if (declared !== null) {
    if (Number(declared) > limit) throw errors.bodyTooLarge(limit);
    return req.text();
  }
  if (!req.body) return "";
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const part of req.body as unknown as AsyncIterable<Uint8Array>) {
    total += part.byteLength;
    if (total > limit) throw errors.bodyTooLarge(limit);
    parts.push(part);
  }
  return new TextDecoder().decode(Buffer.concat(parts));
}

export async function readJsonObject(req: Request, limit: number): Promise<Record<string, unknown>> {
  const text = await readBodyText(req, limit);
  if (text.length === 0) throw errors.invalidJson("the body is empty");
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
