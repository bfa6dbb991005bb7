// `GET` and `DELETE /v1/responses/{id}`: the Responses API's stored responses, read from the
// durable store the generation holds.
import { errors } from "../../core/errors.ts";
import type { Exchange, Generation } from "../context.ts";
import { readResponse, readStore } from "../conversation.ts";
import { pathOf } from "../path.ts";

export const RESPONSES_PREFIX = "/v1/responses/";

/** The `{id}` of the request's path; a 404 for one that cannot be an id (ids are opaque, but not empty or huge). */
function responseIdOf(ex: Exchange): string {
  const raw = pathOf(ex.incoming.url).slice(RESPONSES_PREFIX.length);
  let id: string;
  try {
    id = decodeURIComponent(raw);
  } catch {
    throw errors.responseNotFound(raw);
  }
  if (id === "" || id.length > 256) throw errors.responseNotFound(id);
  return id;
}

const json = (ex: Exchange, body: unknown): Response =>
  new Response(JSON.stringify(body), { headers: { ...ex.headers, "content-type": "application/json" } });

export async function getStoredResponse(gen: Generation, ex: Exchange): Promise<Response> {
  const id = responseIdOf(ex);
  const record = await readResponse(gen.store.responses, id, ex.appKeyScope);
  if (record === undefined) throw errors.responseNotFound(id);
  return json(ex, record.response);
}

export async function deleteStoredResponse(gen: Generation, ex: Exchange): Promise<Response> {
  const id = responseIdOf(ex);
  const store = gen.store.responses;
  if ((await readResponse(store, id, ex.appKeyScope)) === undefined || !(await readStore(() => store.delete(id)))) throw errors.responseNotFound(id);
  return json(ex, { id, object: "response", deleted: true });
}
