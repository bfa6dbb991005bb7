// The dashboard's sign-in: the admin token is exchanged once for an HttpOnly session cookie, so the
// token never sits in the page, in storage or in a URL. The page asks GET /ui/api/session for the
// session's CSRF token (readable by our own script only: same-origin JSON, never a cookie).
import { errors } from "../../core/errors.ts";
import type { Exchange, Generation } from "../context.ts";
import { pathOf } from "../path.ts";
import { readJsonObject } from "../request-body.ts";
import { clientAddress, requireSameOrigin, requireSameOriginCsrf, SESSION_COOKIE, sessionOf } from "./admin-auth.ts";
import { digest, sameDigest, SESSION_TTL_MS, sessionsIn, WRONG_SIGN_INS, type Session } from "./sessions.ts";

export const UI_LOGIN = "/ui/api/login";
export const UI_LOGOUT = "/ui/api/logout";
export const UI_SESSION = "/ui/api/session";

function answer(ex: Exchange, body: unknown, status = 200, extra: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...ex.headers, "content-type": "application/json", "cache-control": "no-store", ...extra } });
}

function enabled(ex: Exchange): string {
  const token = ex.gen.config.admin.token;
  if (token === "") throw errors.notFound(ex.req.method, pathOf(ex.req.url));
  return token;
}

/** Secure when the request came over TLS, or a proxy in front says it did (a wrong claim only hides the cookie from plain HTTP). */
function overTls(ex: Exchange): boolean {
  return ex.req.url.startsWith("https:") || (ex.req.headers.get("x-forwarded-proto") ?? "").trim().toLowerCase() === "https";
}

function cookieFor(ex: Exchange, value: string, maxAgeS: number): string {
  return `${SESSION_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeS}${overTls(ex) ? "; Secure" : ""}`;
}

function sessionBody(s: Session): Record<string, unknown> {
  return { csrf_token: s.csrf, expires_at: new Date(s.expiresAt).toISOString() };
}

export async function loginHandler(gen: Generation, ex: Exchange): Promise<Response> {
  const token = enabled(ex);
  // A sign-in posted from another site would sign the browser into the attacker's choice of gateway session.
  requireSameOrigin(ex, false);
  const sessions = sessionsIn(gen.kept);
  const address = clientAddress(ex);
  const wait = sessions.blockedFor(address, WRONG_SIGN_INS);
  if (wait > 0) throw errors.adminRateLimited(wait);
  const body = await readJsonObject(ex, gen.config.server);
  const given = typeof body.token === "string" ? body.token.trim() : "";
  if (given === "" || !sameDigest(digest(given), digest(token))) {
    sessions.wrongToken(address);
    throw errors.adminUnauthorized();
  }
  const session = sessions.open(token);
  return answer(ex, sessionBody(session), 200, { "set-cookie": cookieFor(ex, session.id, SESSION_TTL_MS / 1000) });
}

/** Whether the cookie names a live session, and its CSRF token; a 200 either way (the page asks before it knows). */
export function sessionHandler(_gen: Generation, ex: Exchange): Response {
  enabled(ex);
  const session = sessionOf(ex);
  return answer(ex, session === undefined ? { signed_in: false } : { signed_in: true, ...sessionBody(session) });
}

export function logoutHandler(gen: Generation, ex: Exchange): Response {
  enabled(ex);
  const session = sessionOf(ex);
  if (session !== undefined) {
    requireSameOriginCsrf(ex, session);
    sessionsIn(gen.kept).close(session);
  }
  return answer(ex, { signed_out: true }, 200, { "set-cookie": cookieFor(ex, "", 0) });
}
