import type { Config } from "../config/schema.ts";
import { openBackend, storeIdentity } from "./open-store.ts";
import type { AppKeyStore, DurableStore, LedgerStore, ResponseStore, StoreAttachment, StoreBackend } from "./types.ts";

interface Holding {
  backend: StoreBackend;
  identity: string;
  /** Generations still holding the backend; it closes when the last lets go. */
  holders: number;
  attachments: Map<string, StoreAttachment>;
}

/**
 * One generation's hold on a backend. A reload that keeps `store` and `redis.url` shares the
 * previous generation's backend instead of opening a second file handle or connection; the backend
 * closes once every generation holding it has closed, whichever order they close in (an old
 * generation draining a long stream may outlive the one that replaced it).
 */
export class SharedStore implements DurableStore {
  readonly responses: ResponseStore;
  private released = false;

  private constructor(private readonly holding: Holding, ttlMs: number) {
    holding.holders++;
    this.responses = holding.backend.responsesWithTtl(ttlMs);
  }

  /** Shares `previous`'s backend when the config names the same one and it is still open; opens a new one otherwise. */
  static forConfig(config: Config, previous?: SharedStore): SharedStore {
    const identity = storeIdentity(config);
    const holding = previous !== undefined && previous.holding.identity === identity && previous.holding.holders > 0
      ? previous.holding
      : { backend: openBackend(config), identity, holders: 0, attachments: new Map() };
    return new SharedStore(holding, config.responses.ttl);
  }

  get kind(): DurableStore["kind"] {
    return this.holding.backend.kind;
  }

  get describe(): string {
    return this.holding.backend.describe;
  }

  get appKeys(): AppKeyStore {
    return this.holding.backend.appKeys;
  }

  get ledger(): LedgerStore {
    return this.holding.backend.ledger;
  }

  /** The attachment named `name`, made on first use; it lives as long as the backend (across reloads) and is closed just before it. */
  attachment<T extends StoreAttachment>(name: string, create: (store: SharedStore) => T): T {
    let found = this.holding.attachments.get(name);
    if (found === undefined) this.holding.attachments.set(name, (found = create(this)));
    return found as T;
  }

  /** Whether this hold shares its backend with `other`'s. */
  shares(other: SharedStore): boolean {
    return this.holding === other.holding;
  }

  /** Lets go of the backend (once); the last holder closes it. */
  async close(): Promise<void> {
    if (this.released) return;
    this.released = true;
    if (--this.holding.holders > 0) return;
    for (const a of this.holding.attachments.values()) await a.close().catch(() => {});
    this.holding.attachments.clear();
    await this.holding.backend.close();
  }
}
