import { errors } from "../core/errors.ts";

/**
 * Reads a JSON object body within `limit` bytes. A declared Content-Length over the limit is
 * refused before reading (and parsed straight from bytes otherwise); a chunked body is counted as
 * it arrives and refused once it crosses the limit.
 */
export async function readJsonObject(req: Request, limit: number): Promise<Record<string, unknown>> {
  const declared = req.headers.get("content-length");
  let value: unknown;
  if (declared !== null) {
    const length = Number(declared);
    if (length > limit) throw errors.bodyTooLarge(limit);
    if (length === 0) throw errors.invalidJson("the body is empty");
    value = await parse(() => req.json());
  } else {
    const text = await readChunked(req, limit);
    if (text.length === 0) throw errors.invalidJson("the body is empty");
    value = await parse(() => JSON.parse(text));
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw errors.invalidRequest("The request body must be a JSON object.");
  }
  return value as Record<string, unknown>;
}

async function parse(read: () => unknown): Promise<unknown> {
  try {
    return await read();
  } catch (err) {
    throw errors.invalidJson(err instanceof Error ? err.message : String(err));
  }
}

async function readChunked(req: Request, limit: number): Promise<string> {
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
