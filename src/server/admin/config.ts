// GET /admin/config (DESIGN "Dashboard and admin views"): the running config, every secret "***",
// when it was loaded, and how the last reload went (a failed one names why, secrets scrubbed).
import { redactedConfig, scrub, secretsOf } from "../../config/redacted.ts";
import type { Exchange, Generation } from "../context.ts";
import { requireAdmin } from "./admin-auth.ts";

export const ADMIN_CONFIG = "/admin/config";

export function configHandler(gen: Generation, ex: Exchange): Response {
  requireAdmin(ex);
  const last = gen.lastReload;
  const body = {
    ...redactedConfig(gen.config),
    generation: gen.id,
    loaded_at: gen.loadedAt.toISOString(),
    last_reload: last === undefined
      ? null
      : { at: last.at.toISOString(), ok: last.ok, error: last.error === undefined ? null : scrub(last.error, secretsOf(gen.config)) },
  };
  return new Response(JSON.stringify(body), { headers: { ...ex.headers, "content-type": "application/json", "cache-control": "no-store" } });
}
