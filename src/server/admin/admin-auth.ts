import { errors } from "../../core/errors.ts";
import type { Exchange } from "../context.ts";
import { pathOf } from "../path.ts";
import { digest, sameDigest, sessionsIn, WRONG_BEARERS, type Session } from "./sessions.ts";

export const SESSION_COOKIE = "butter_session";
const SAFE_METHODS = new Set(["GET", "HEAD"]);

/**
 * Every admin request: a 404 while `admin.token` is unset (the API does not exist), else either
 * `Authorization: Bearer <admin.token>` or the dashboard's session cookie. Tokens are compared as
 * SHA-256 digests in constant time, so neither the token's content nor its length shows in the
 * answer's timing. A cookie call that changes state must also carry the session's CSRF token in
 * `x-csrf-token` and come from the gateway's own origin; a bearer call needs neither (a browser
 * never attaches a bearer token by itself).
 */
export function requireAdmin(ex: Exchange): void {
  const token = ex.gen.config.admin.token;
  if (token === "") throw errors.notFound(ex.req.method, pathOf(ex.req.url));
  const auth = ex.req.headers.get("authorization");
  if (auth !== null) return requireBearer(ex, auth, token);
  const session = sessionOf(ex, token);
  if (session === undefined) throw errors.adminUnauthorized();
  if (!SAFE_METHODS.has(ex.req.method)) requireSameOriginCsrf(ex, session);
}

function requireBearer(ex: Exchange, auth: string, token: string): void {
  const sessions = sessionsIn(ex.gen.kept);
  const address = clientAddress(ex);
  const wait = sessions.blockedFor(address, WRONG_BEARERS);
  if (wait > 0) throw errors.adminRateLimited(wait);
  const m = /^\s*bearer\s+(\S+)\s*$/i.exec(auth);
  if (m !== null && sameDigest(digest(m[1]!), digest(token))) return;
  sessions.wrongToken(address);
  throw errors.adminUnauthorized();
}

/** The live session the request's cookie names, if any. */
export function sessionOf(ex: Exchange, token = ex.gen.config.admin.token): Session | undefined {
  const id = cookie(ex.req.headers.get("cookie"), SESSION_COOKIE);
  if (id === undefined || id.length > 200) return undefined;
  return sessionsIn(ex.gen.kept).find(id, token);
}

export function requireSameOriginCsrf(ex: Exchange, session: Session): void {
  requireSameOrigin(ex);
  const sent = ex.req.headers.get("x-csrf-token") ?? "";
  if (sent.length !== session.csrf.length || !sameDigest(digest(sent), digest(session.csrf))) throw errors.adminForbidden("missing or wrong x-csrf-token");
}

/** The Origin header names this gateway (scheme aside: a TLS proxy may sit in front). */
export function requireSameOrigin(ex: Exchange, required = true): void {
  const origin = ex.req.headers.get("origin");
  if (origin === null) {
    if (required) throw errors.adminForbidden("a state-changing call made with the session cookie needs an Origin header");
    return;
  }
  const host = ex.req.headers.get("host");
  let originHost: string | undefined;
  try {
    originHost = new URL(origin).host;
  } catch {
    originHost = undefined;
  }
  if (host === null || originHost !== host) throw errors.adminForbidden("the request comes from another origin");
}

export function clientAddress(ex: Exchange): string {
  return ex.server?.requestIP(ex.incoming)?.address ?? "unknown";
}

function cookie(header: string | null, name: string): string | undefined {
  if (header === null) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
