// The durable store: what must survive a restart. One backend per config (`store:`), shared by every
// feature that needs one; each feature gets its own narrow interface (responses today; app keys and
// the usage ledger later).

export interface StoredResponse {
  id: string;
  /** The Response object as answered to the client. */
  response: Record<string, unknown>;
  /** This turn's input items (normalised). */
  input: unknown[];
  previousResponseId: string | undefined;
  /** Unix seconds. */
  createdAt: number;
  /** Answered by a translated target (its output items are the gateway's own, not the provider's). */
  translated?: boolean;
}

export interface ResponseStore {
  put(record: StoredResponse): Promise<void>;
  /** Expired → undefined. */
  get(id: string): Promise<StoredResponse | undefined>;
  /** True when it existed (and had not expired). */
  delete(id: string): Promise<boolean>;
  /** Restarts the TTL of these ids (a conversation that continues keeps its earlier turns). */
  touch(ids: readonly string[]): Promise<void>;
}

export interface DurableStore {
  readonly kind: "sqlite" | "redis";
  /** What the config says (for logs and reload comparison), e.g. "sqlite:./butter.db" — never a password. */
  readonly describe: string;
  readonly responses: ResponseStore;
  close(): Promise<void>;
}

/** A backend hands out response stores with different TTLs over one connection, so a reload that only changes `responses.ttl` keeps the connection. */
export interface StoreBackend extends DurableStore {
  responsesWithTtl(ttlMs: number): ResponseStore;
}
