import { timingSafeEqual } from "node:crypto";
import { errors } from "../../core/errors.ts";
import type { Exchange } from "../context.ts";
import { pathOf } from "../path.ts";

const digest = (text: string): Buffer => Buffer.from(Bun.SHA256.hash(text) as Uint8Array);

/**
 * Every admin request: a 404 while `admin.token` is unset (the API does not exist), a 401 unless it
 * carries `Authorization: Bearer <admin.token>`. Compared as SHA-256 digests in constant time, so
 * neither the token's content nor its length shows in the answer's timing.
 */
export function requireAdmin(ex: Exchange): void {
  const token = ex.gen.config.admin.token;
  if (token === "") throw errors.notFound(ex.req.method, pathOf(ex.req.url));
  const auth = ex.req.headers.get("authorization") ?? "";
  const m = /^\s*bearer\s+(\S+)\s*$/i.exec(auth);
  if (m === null || !timingSafeEqual(digest(m[1]!), digest(token))) throw errors.adminUnauthorized();
}
