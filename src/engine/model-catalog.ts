import { errors, toGatewayError } from "../core/errors.ts";
import type { ModelEntry } from "../core/openai-types.ts";
import type { Snapshot } from "../config/snapshot.ts";
import type { Auth, ProviderAdapter } from "../providers/types.ts";
import { logger } from "../observability/logger.ts";
import { coarseTimeout } from "../transport/coarse-timers.ts";
import { makeSend, type AttemptHandle } from "../transport/upstream-fetch.ts";
import { pickAuthForListing } from "./auth.ts";
import { attemptRedactor } from "./secrets.ts";

const TTL_MS = 60_000;
/** The whole listing (every page, bodies included). */
const LIST_TIMEOUT_MS = 5_000;
/** Passthrough listings are kept for at most this many client credentials per provider (oldest dropped first). */
const MAX_CREDENTIALS = 1_000;

interface Cached { at: number; ids: readonly string[] }

/** One provider's listings: one entry for its stored key, or one per client credential in passthrough. */
interface ProviderListings {
  cache: Map<string, Cached>;
  inflight: Map<string, Promise<readonly string[]>>;
}

/**
 * `/v1/models`: every configured provider's models as `provider/model`, plus route names. Provider
 * listings are cached briefly; a provider whose listing fails contributes its static list. In
 * passthrough what a provider lists depends on the client's key, so its listings are cached per
 * credential, under a SHA-256 of it (never the key itself, which would sit in a map and a heap dump).
 */
export class ModelCatalog {
  private readonly listings = new Map<ProviderAdapter, ProviderListings>();

  /** One catalog per config generation: listings are cached for that config's adapters only. */
  constructor(private readonly snapshot: Snapshot, private readonly now: () => number = Date.now) {}

  async list(signal: AbortSignal, passthroughHeaders: Record<string, string>): Promise<ModelEntry[]> {
    const snapshot = this.snapshot;
    const adapters = [...snapshot.providers.values()];
    const lists = await Promise.all(adapters.map((a) => this.modelsOf(snapshot, a, signal, passthroughHeaders)));
    const created = Math.floor(this.now() / 1000);
    const data: ModelEntry[] = [];
    adapters.forEach((adapter, i) => {
      for (const id of lists[i]!) data.push({ id: `${adapter.name}/${id}`, object: "model", created, owned_by: adapter.name });
    });
    for (const name of snapshot.routes.keys()) data.push({ id: name, object: "model", created, owned_by: "butter" });
    return data;
  }

  private modelsOf(snapshot: Snapshot, adapter: ProviderAdapter, signal: AbortSignal, headers: Record<string, string>): Promise<readonly string[]> {
    const auth = pickAuthForListing(snapshot, adapter, headers);
    if (!auth) return Promise.resolve(adapter.staticModels);
    const key = credentialKey(auth);
    let listings = this.listings.get(adapter);
    if (listings === undefined) this.listings.set(adapter, (listings = { cache: new Map(), inflight: new Map() }));
    const hit = listings.cache.get(key);
    if (hit && this.now() - hit.at < TTL_MS) return Promise.resolve(hit.ids);
    const pending = listings.inflight.get(key);
    if (pending) return pending;
    const { inflight } = listings;
    const promise = this.fetchModels(snapshot, adapter, auth, signal, listings, key).finally(() => inflight.delete(key));
    inflight.set(key, promise);
    return promise;
  }

  private async fetchModels(snapshot: Snapshot, adapter: ProviderAdapter, auth: Auth, signal: AbortSignal, listings: ProviderListings, key: string): Promise<readonly string[]> {
    const handle: AttemptHandle = {};
    const timer = coarseTimeout(LIST_TIMEOUT_MS, () => {
      handle.timedOut = errors.upstreamTimeout(adapter.name, LIST_TIMEOUT_MS);
      handle.controller?.abort(handle.timedOut);
    });
    let ids: readonly string[];
    try {
      const listed = await adapter.listModels({
        model: "", auth, signal,
        reads: { provider: adapter.name, maxBytes: snapshot.config.server.max_upstream_bytes, lastReadAt: 0, waited: { ms: 0 } },
        send: makeSend({ provider: adapter.name, client: snapshot.config.server.upstream_client, signal, handle }),
      });
      // Ids are upstream text the client sees: one carrying a credential is not listed.
      const redactor = attemptRedactor(auth, handle.sent);
      ids = listed.filter((id) => redactor.text(id) === id);
    } catch (err) {
      // The listing's error is upstream text too: an echoed key (ours, or the client's) is cleaned out of the log line.
      const e = attemptRedactor(auth, handle.sent).error(handle.timedOut ?? toGatewayError(err));
      logger.warn("model listing failed; using the static list", { provider: adapter.name, error: e.message, error_kind: e.kind });
      // A client that left is not the provider failing: nothing is remembered.
      if (signal.aborted) return adapter.staticModels;
      // Remember the fallback too, so a dead provider is not asked on every call.
      ids = adapter.staticModels;
    } finally {
      timer.cancel();
    }
    const cache = listings.cache;
    if (cache.size >= MAX_CREDENTIALS && !cache.has(key)) cache.delete(cache.keys().next().value!);
    cache.set(key, { at: this.now(), ids });
    return ids;
  }
}

/** "" for the provider's stored key; a SHA-256 of the client's credential headers in passthrough. */
function credentialKey(auth: Auth): string {
  if (auth.mode === "stored") return "";
  const hash = new Bun.CryptoHasher("sha256");
  for (const name of Object.keys(auth.headers).sort()) hash.update(name).update("\0").update(auth.headers[name]!).update("\0");
  return hash.digest("hex");
}
