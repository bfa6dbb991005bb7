// The admin API's key endpoints (DESIGN "HTTP"): POST/GET /admin/keys, GET/PATCH/DELETE /admin/keys/{id}.
import { errors } from "../../core/errors.ts";
import { appKeysOf } from "../../keys/app-keys.ts";
import { isKeyId } from "../../keys/key-format.ts";
import { createKeyInput, parseKeyInput, updateKeyInput } from "../../keys/key-input.ts";
import { createKey, keyObject, newKeyObject, revokeKey, updateKey } from "../../keys/manage.ts";
import { budgetState } from "../../cost/budgets.ts";
import type { StoredAppKey } from "../../store/types.ts";
import type { Exchange, Generation } from "../context.ts";
import { pathOf } from "../path.ts";
import { readJsonObject } from "../request-body.ts";
import { requireAdmin } from "./admin-auth.ts";

export const ADMIN_KEYS = "/admin/keys";
export const ADMIN_KEYS_PREFIX = "/admin/keys/";

function answer(ex: Exchange, body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...ex.headers, "content-type": "application/json", "cache-control": "no-store" } });
}

/** The store's failures are a 503 naming only their code (a driver's message may carry the store's URL). */
async function stored<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw errors.appKeysUnavailable(err);
  }
}

async function view(gen: Generation, key: StoredAppKey): Promise<Record<string, unknown>> {
  const budget = gen.ledger === undefined ? undefined : await budgetState(gen.ledger, key.record);
  return keyObject(key, appKeysOf(gen).unflushed(key.record.id), budget);
}

function idOf(ex: Exchange): string {
  const path = pathOf(ex.req.url);
  const raw = path.slice(ADMIN_KEYS_PREFIX.length);
  let id: string;
  try {
    id = decodeURIComponent(raw);
  } catch {
    id = raw;
  }
  if (!isKeyId(id)) throw errors.appKeyNotFound(id);
  return id;
}

export async function createKeyHandler(gen: Generation, ex: Exchange): Promise<Response> {
  requireAdmin(ex);
  const input = parseKeyInput(createKeyInput, await readJsonObject(ex, gen.config.server));
  const keys = appKeysOf(gen);
  const { record, key } = await stored(() => createKey(keys.store, input));
  await keys.reload().catch(() => {});
  return answer(ex, { ...newKeyObject(record, gen.clock()), key }, 201);
}

export async function listKeysHandler(gen: Generation, ex: Exchange): Promise<Response> {
  requireAdmin(ex);
  const all = await stored(() => appKeysOf(gen).store.list());
  return answer(ex, { data: await stored(() => Promise.all(all.map((k) => view(gen, k)))) });
}

export async function getKeyHandler(gen: Generation, ex: Exchange): Promise<Response> {
  requireAdmin(ex);
  const id = idOf(ex);
  const found = await stored(() => appKeysOf(gen).store.get(id));
  if (found === undefined) throw errors.appKeyNotFound(id);
  return answer(ex, await stored(() => view(gen, found)));
}

export async function updateKeyHandler(gen: Generation, ex: Exchange): Promise<Response> {
  requireAdmin(ex);
  const id = idOf(ex);
  const input = parseKeyInput(updateKeyInput, await readJsonObject(ex, gen.config.server));
  const keys = appKeysOf(gen);
  const updated = await stored(() => updateKey(keys.store, id, input));
  if (updated === undefined) throw errors.appKeyNotFound(id);
  await keys.reload().catch(() => {});
  return answer(ex, await stored(() => view(gen, updated)));
}

export async function revokeKeyHandler(gen: Generation, ex: Exchange): Promise<Response> {
  requireAdmin(ex);
  const id = idOf(ex);
  const keys = appKeysOf(gen);
  const revoked = await stored(() => revokeKey(keys.store, id));
  if (revoked === undefined) throw errors.appKeyNotFound(id);
  await keys.reload().catch(() => {});
  return answer(ex, await stored(() => view(gen, revoked)));
}
