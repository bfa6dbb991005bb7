// Responses conversations: a stored response names the one before it (`previous_response_id`), so
// continuing one means walking that chain back through the durable store and replaying each turn's
// input and output as the new request's history.
import { errors } from "../core/errors.ts";
import type { ResponseStore, StoredResponse } from "../store/types.ts";

/** How many turns a chain may hold: a bound on store reads per request, far beyond agent sessions seen. */
export const MAX_TURNS = 10_000;

/**
 * A stored response as the request may see it: one made with another application key (or with
 * none, when this request has one) does not exist for it.
 */
export async function readResponse(store: ResponseStore, id: string, scope: string | undefined): Promise<StoredResponse | undefined> {
  const record = await readStore(() => store.get(id));
  return record !== undefined && record.scope === scope ? record : undefined;
}

/**
 * The turns up to and including `id` that `scope` may see, oldest first; a 400 naming
 * previous_response_id when one is not stored.
 */
export async function loadConversation(store: ResponseStore, id: string, scope: string | undefined): Promise<StoredResponse[]> {
  const turns: StoredResponse[] = [];
  const seen = new Set<string>();
  for (let next: string | undefined = id; next !== undefined; ) {
    if (seen.has(next) || turns.length >= MAX_TURNS) break;
    seen.add(next);
    const record: StoredResponse | undefined = await readResponse(store, next, scope);
    if (record === undefined) {
      // The newest turn is the one the client named; an older one missing means it expired first.
      const why = next === id ? `Previous response with id '${id}' not found.` : `Previous response with id '${id}' continues '${next}', which is no longer stored.`;
      throw errors.invalidRequest(why, "previous_response_id");
    }
    turns.push(record);
    next = record.previousResponseId;
  }
  return turns.reverse();
}

/** A store that fails a read is a 503 the client can retry, not the gateway's internal error. */
export async function readStore<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    throw errors.storeUnavailable(err);
  }
}

/**
 * Every turn's input items followed by its output items: the conversation as Responses input. For
 * a native target, reasoning items a translated turn produced are left out: their ids and contents
 * mean nothing to the provider, which would refuse them.
 */
export function conversationItems(turns: readonly StoredResponse[], forNative: boolean): unknown[] {
  const items: unknown[] = [];
  for (const turn of turns) {
    for (const item of turn.input) items.push(item);
    const output = turn.response.output;
    if (!Array.isArray(output)) continue;
    for (const item of output) {
      if (forNative && turn.translated === true && (item as { type?: unknown } | null)?.type === "reasoning") continue;
      items.push(item);
    }
  }
  return items;
}

/** The client's `input` as items: a string is one user message. */
export function inputItems(input: unknown): unknown[] {
  if (typeof input === "string") return [{ type: "message", role: "user", content: [{ type: "input_text", text: input }] }];
  return Array.isArray(input) ? input : [];
}
