// An application key is `btr_` + base64url of 32 random bytes; only its SHA-256 is ever stored.

export const KEY_PREFIX = "btr_";
const KEY_SHAPE = /^btr_[A-Za-z0-9_-]{43}$/;
const ID_SHAPE = /^key_[A-Za-z0-9_-]{16}$/;

export function newKey(): string {
  return KEY_PREFIX + randomBase64url(32);
}

export function newKeyId(): string {
  return "key_" + randomBase64url(12);
}

/** `bytes` random bytes, base64url (Web Crypto: node:crypto is not loaded for this). */
export function randomBase64url(bytes: number): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("base64url");
}

/** Hex SHA-256: what the store keeps and the key table is indexed by. */
export function hashKey(key: string): string {
  return Bun.SHA256.hash(key, "hex") as string;
}

/** A string that could be a key this gateway vended (anything else is refused without hashing). */
export function isKeyShaped(text: string): boolean {
  return text.length === 47 && KEY_SHAPE.test(text);
}

export function isKeyId(text: string): boolean {
  return ID_SHAPE.test(text);
}
