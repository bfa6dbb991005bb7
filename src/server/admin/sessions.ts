// The dashboard's sign-in state, in memory (one gateway process): sessions opened with the admin
// token, and the count of wrong tokens per client address. Kept on the generation chain so a config
// reload signs nobody out; a session remembers the token it was opened with (as a digest), so
// changing `admin.token` does.
import { randomBytes, timingSafeEqual } from "node:crypto";

export const SESSION_TTL_MS = 12 * 3600_000;
/**
 * Wrong tokens allowed per client address per window, then 429 until the window ends: 5 for the
 * sign-in form, 20 for bearer calls (scripts retrying with a stale token get some slack). Both count
 * into the same budget, so neither door allows more guesses than the other.
 */
export const WRONG_SIGN_INS = 5;
export const WRONG_BEARERS = 20;
export const WRONG_TOKEN_WINDOW_MS = 60_000;
/** Bounds memory against a flood of sessions or of addresses. */
const MAX_SESSIONS = 10_000;
const MAX_ADDRESSES = 10_000;

export interface Session {
  readonly id: string;
  /** Sent by the page in `x-csrf-token` on every state-changing call (never in a cookie). */
  readonly csrf: string;
  readonly tokenDigest: Buffer;
  readonly expiresAt: number;
}

export const digest = (text: string): Buffer => Buffer.from(Bun.SHA256.hash(text) as Uint8Array);

export const sameDigest = (a: Buffer, b: Buffer): boolean => timingSafeEqual(a, b);

export class Sessions {
  private readonly sessions = new Map<string, Session>();
  private readonly wrong = new Map<string, { count: number; resetAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  open(token: string): Session {
    this.sweep();
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    const session: Session = { id: random(), csrf: random(), tokenDigest: digest(token), expiresAt: this.now() + SESSION_TTL_MS };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id, opened with `token`; expired or stale ones are dropped. */
  find(id: string, token: string): Session | undefined {
    const s = this.sessions.get(id);
    if (s === undefined) return undefined;
    if (s.expiresAt <= this.now() || !sameDigest(s.tokenDigest, digest(token))) {
      this.sessions.delete(id);
      return undefined;
    }
    return s;
  }

  close(id: string): void {
    this.sessions.delete(id);
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

  private sweep(): void {
    const now = this.now();
    for (const [id, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(id);
  }
}

function random(): string {
  return randomBytes(32).toString("base64url");
}

/** The sessions kept on a generation chain (`Generation.kept`). */
export function sessionsIn(kept: Map<string, unknown>): Sessions {
  let s = kept.get("admin-sessions") as Sessions | undefined;
  if (s === undefined) kept.set("admin-sessions", (s = new Sessions()));
  return s;
}
