// GET /admin/providers (DESIGN "Dashboard and admin views"): per target (provider block + model)
// its circuit, its provider's key cool-downs (by key index, never a key), and the attempts the
// request ring counted: requests, errors and the median latency of the latest ones.
import { medianLatency, requestRingIn } from "../../observability/request-ring.ts";
import type { Exchange, Generation } from "../context.ts";
import { requireAdmin } from "./admin-auth.ts";

export const ADMIN_PROVIDERS = "/admin/providers";

export function providersHandler(gen: Generation, ex: Exchange): Response {
  requireAdmin(ex);
  const ring = requestRingIn(gen.kept, gen.config.admin.request_log_size);
  const health = gen.engine.health();
  const targets = new Map<string, { provider: string; model: string }>();
  for (const route of gen.snapshot.routes.values()) for (const t of route.targets) targets.set(`${t.provider.name}/${t.model}`, { provider: t.provider.name, model: t.model });
  // Targets called by `provider/model` rather than through a route, still configured.
  for (const [id, t] of ring.targets) if (gen.snapshot.providers.has(t.provider)) targets.set(id, t);
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const data = [...targets].map(([id, { provider, model }]) => {
    const circuit = health.circuit(id);
    const stats = ring.targets.get(id);
    return {
      provider,
      model,
      circuit: circuit.state,
      circuit_open_until: iso(circuit.openUntil),
      consecutive_failures: circuit.failures,
      keys: health.keys(provider).map((k) => ({ index: k.index, cooling_down_until: iso(k.coolingDownUntil) })),
      requests: stats?.requests ?? 0,
      errors: stats?.errors ?? 0,
      latency_p50_ms: stats === undefined ? null : medianLatency(stats),
    };
  });
  data.sort((a, b) => a.provider.localeCompare(b.provider) || a.model.localeCompare(b.model));
  return new Response(JSON.stringify({ object: "list", data }), { headers: { ...ex.headers, "content-type": "application/json", "cache-control": "no-store" } });
}
