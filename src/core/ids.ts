const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

export function randomId(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = "";
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i]! % 62];
  return out;
}

export const newRequestId = (): string => "req_" + randomId(20);
export const newCompletionId = (): string => "chatcmpl-" + randomId(24);
export const newToolCallId = (): string => "call_" + randomId(24);
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
