// The dashboard's sign-in state. A session is a signed cookie, `<expiry>.<nonce>.<mac>` with an
// HMAC keyed by the admin token: any worker of a `server.workers` gateway (and the same gateway after a
// restart) can check it without shared state, and changing `admin.token` ends every session at once.
// What is kept in memory is small and per process: the sessions signed out before their expiry, and
// the count of wrong tokens per client address.
import { createRequire } from "node:module";
import { randomBase64url } from "../../keys/key-format.ts";

export const SESSION_TTL_MS = 12 * 3600_000;
/**
 * Wrong tokens allowed per client address per window, then 429 until the window ends: 5 for the
 * sign-in form, 20 for bearer calls (scripts retrying with a stale token get some slack). Both count
 * into the same budget, so neither door allows more guesses than the other.
 */
export const WRONG_SIGN_INS = 5;
export const WRONG_BEARERS = 20;
export const WRONG_TOKEN_WINDOW_MS = 60_000;
/** Bounds memory against a flood of sign-outs or of addresses. */
const MAX_REVOKED = 10_000;
const MAX_ADDRESSES = 10_000;

export interface Session {
  /** The cookie's value. */
  readonly id: string;
  /** Sent by the page in `x-csrf-token` on every state-changing call (never in a cookie). */
  readonly csrf: string;
  readonly expiresAt: number;
}

export const digest = (text: string): Buffer => Buffer.from(Bun.SHA256.hash(text) as Uint8Array);

/** Constant-time equality of two digests (Bun's global `crypto.timingSafeEqual`: node:crypto is not loaded for it). */
export const sameDigest = (a: Buffer, b: Buffer): boolean => crypto.timingSafeEqual(a, b);

/**
 * The signing key: the token stretched once per process (scrypt, ~50 ms), so a stolen cookie is no
 * cheap oracle for guessing a weak admin token offline.
 */
let signing: { token: string; key: Buffer } | undefined;
function keyFor(token: string): Buffer {
  if (signing?.token !== token) {
    // node:crypto (for scrypt only) is loaded at the first sign-in, not by every gateway at start-up.
    const { scryptSync } = createRequire(import.meta.url)("node:crypto") as typeof import("node:crypto");
    signing = { token, key: scryptSync(token, "butter-dashboard-session-v1", 32, { N: 1 << 15, r: 8, p: 1, maxmem: 64 << 20 }) };
  }
  return signing.key;
}

const mac = (token: string, text: string): string => new Bun.CryptoHasher("sha256", keyFor(token)).update(text).digest("base64url");

const SHAPE = /^([0-9a-z]{1,12})\.([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$/;

export class Sessions {
  /** Nonces of sessions signed out here, until they would have expired anyway. */
  private readonly revoked = new Map<string, number>();
  private readonly wrong = new Map<string, { count: number; resetAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  open(token: string): Session {
    return sessionOf(token, this.now() + SESSION_TTL_MS, random());
  }

  /** The live session this cookie value names, signed with `token`; undefined for anything else. */
  find(id: string, token: string): Session | undefined {
    const m = SHAPE.exec(id);
    if (m === null) return undefined;
    const expiresAt = parseInt(m[1]!, 36);
    const nonce = m[2]!;
    const expected = sessionOf(token, expiresAt, nonce);
    if (!sameDigest(digest(id), digest(expected.id))) return undefined;
    if (expiresAt <= this.now() || this.revoked.has(nonce)) return undefined;
    return expected;
  }

  /** Signed out: this process refuses the session from now on (each worker keeps its own list). */
  close(session: Session): void {
    const now = this.now();
    for (const [nonce, until] of this.revoked) if (until <= now) this.revoked.delete(nonce);
    if (this.revoked.size >= MAX_REVOKED) this.revoked.delete(this.revoked.keys().next().value!);
    this.revoked.set(session.id.split(".")[1]!, session.expiresAt);
  }

  /** Seconds until `address` may try again after `allowed` wrong tokens, or 0 when it may now. */
  blockedFor(address: string, allowed: number): number {
    const w = this.wrong.get(address);
    if (w === undefined) return 0;
    const now = this.now();
    if (w.resetAt <= now) {
      this.wrong.delete(address);
      return 0;
    }
    return w.count >= allowed ? Math.ceil((w.resetAt - now) / 1000) : 0;
  }

  wrongToken(address: string): void {
    const now = this.now();
    let w = this.wrong.get(address);
    if (w === undefined || w.resetAt <= now) {
      if (this.wrong.size >= MAX_ADDRESSES) this.wrong.delete(this.wrong.keys().next().value!);
      this.wrong.set(address, (w = { count: 0, resetAt: now + WRONG_TOKEN_WINDOW_MS }));
    }
    w.count++;
  }
}

function sessionOf(token: string, expiresAt: number, nonce: string): Session {
  const head = `${expiresAt.toString(36)}.${nonce}`;
  return { id: `${head}.${mac(token, `session.${head}`)}`, csrf: mac(token, `csrf.${nonce}`), expiresAt };
}

function random(): string {
  return randomBase64url(32);
}

/** The sessions kept on a generation chain (`Generation.kept`). */
export function sessionsIn(kept: Map<string, unknown>): Sessions {
  let s = kept.get("admin-sessions") as Sessions | undefined;
  if (s === undefined) kept.set("admin-sessions", (s = new Sessions()));
  return s;
}
