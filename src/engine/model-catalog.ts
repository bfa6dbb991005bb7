import type { ModelEntry } from "../core/openai-types.ts";
import type { Snapshot } from "../config/snapshot.ts";
import type { ProviderAdapter } from "../providers/types.ts";
import { logger, errorFields } from "../observability/logger.ts";
import { makeSend } from "../transport/upstream-fetch.ts";
import { pickAuthForListing } from "./auth.ts";

const TTL_MS = 60_000;
const LIST_TIMEOUT_MS = 5_000;

interface Cached { at: number; ids: readonly string[] }

/**
 * `/v1/models`: every configured provider's models as `provider/model`, plus route names. Provider
 * listings are cached briefly; a provider whose listing fails contributes its static list.
 */
export class ModelCatalog {
  private readonly cache = new Map<ProviderAdapter, Cached>();
  private readonly inflight = new Map<ProviderAdapter, Promise<readonly string[]>>();

  constructor(private readonly snapshot: () => Snapshot, private readonly now: () => number = Date.now) {}

  async list(signal: AbortSignal, passthroughHeaders: Record<string, string>): Promise<ModelEntry[]> {
    const snapshot = this.snapshot();
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
    const hit = this.cache.get(adapter);
    if (hit && this.now() - hit.at < TTL_MS) return Promise.resolve(hit.ids);
    const pending = this.inflight.get(adapter);
    if (pending) return pending;
    const promise = this.fetchModels(snapshot, adapter, signal, headers).finally(() => this.inflight.delete(adapter));
    this.inflight.set(adapter, promise);
    return promise;
  }

  private async fetchModels(snapshot: Snapshot, adapter: ProviderAdapter, signal: AbortSignal, headers: Record<string, string>): Promise<readonly string[]> {
    const auth = pickAuthForListing(snapshot, adapter, headers);
    if (!auth) return adapter.staticModels;
    try {
      const ids = await adapter.listModels({
        model: "", auth, signal,
        send: makeSend({ provider: adapter.name, signal, timeoutMs: LIST_TIMEOUT_MS }),
      });
      this.cache.set(adapter, { at: this.now(), ids });
      return ids;
    } catch (err) {
      logger.warn("model listing failed; using the static list", { provider: adapter.name, ...errorFields(err) });
      // Remember the fallback too, so a dead provider is not asked on every call.
      this.cache.set(adapter, { at: this.now(), ids: adapter.staticModels });
      return adapter.staticModels;
    }
  }
}
