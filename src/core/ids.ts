const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

export function randomId(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = "";
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i]! % 62];
  return out;
}

// Request ids need to be unique, not secret: a random per-process prefix plus a counter costs
// nothing per request, where drawing random bytes for each id showed up in profiles.
const PROCESS_PREFIX = randomId(10);
let counter = 0;

export const newRequestId = (): string => `req_${PROCESS_PREFIX}${(++counter).toString(36)}`;
export const newCompletionId = (): string => `chatcmpl-${PROCESS_PREFIX}${(++counter).toString(36)}`;
export const newToolCallId = (): string => "call_" + randomId(24);
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
