// The durable store: what must survive a restart. One backend per config (`store:`), shared by every
// feature that needs one; each feature gets its own narrow interface (responses today; app keys and
// the usage ledger).

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
  /** The application key (its id) the response was made with: only requests with that key see it. */
  scope?: string;
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

/** An application key as stored: never the key itself, only its SHA-256 (hex). Times in ms since the epoch. */
export interface AppKeyRecord {
  id: string;
  hash: string;
  name: string;
  createdAt: number;
  expiresAt: number | null;
  revoked: boolean;
  /** Allowed models as the client names them (a route or `provider/model`); null: any. */
  models: string[] | null;
  rateLimit: { rate: number; burst: number } | null;
  /** Stored as given; spend and enforcement belong to cost accounting. */
  budget: { limit_usd: number; period: string } | null;
}

/** Counters of one key; also the shape of a batch of increments. */
export interface AppKeyCounters {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  errors: number;
  /** What the key's answers cost, picodollars (USD 1e-12): exact integers, summed without drift. */
  costPico: bigint;
  /** Latest use, ms since the epoch; null when never used. */
  lastUsedAt: number | null;
}

export interface StoredAppKey {
  record: AppKeyRecord;
  counters: AppKeyCounters;
}

export interface AppKeyStore {
  /** Changes whenever any process creates, updates or revokes a key: pollers reload the keys only then. */
  version(): Promise<string>;
  list(): Promise<StoredAppKey[]>;
  get(id: string): Promise<StoredAppKey | undefined>;
  /** Inserts or replaces the record (never the counters) and bumps the version. */
  save(record: AppKeyRecord): Promise<void>;
  /** Adds every key's increments in one batch (one transaction, one pipeline). */
  addCounters(increments: ReadonlyMap<string, AppKeyCounters>): Promise<void>;
}

/** One day's totals for one key, provider and model (the ledger's grain); also the shape of a batch of increments. */
export interface LedgerRow {
  /** UTC day, "YYYY-MM-DD". */
  day: string;
  /** The app key's id; "" for requests made without one. */
  key: string;
  /** The provider block that answered ("" when none did) and the model as it knows it (else as asked for). */
  provider: string;
  model: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  errors: number;
  /** Picodollars. */
  costPico: bigint;
  /** Answered from the response cache: how many, and what their answers cost when first made (picodollars). */
  cacheHits: number;
  savedPico: bigint;
  /** Requests with usage but no known price (counted at 0). */
  unpriced: number;
}

export interface LedgerStore {
  /** Adds a batch of increments in one transaction / one script. */
  add(rows: readonly LedgerRow[]): Promise<void>;
  /** Every row of the days from `from` to `to` ("YYYY-MM-DD", inclusive). */
  rows(from: string, to: string): Promise<LedgerRow[]>;
  /** What key `id` spent on the days `from` to `to` (inclusive; null: ever), picodollars, as stored. */
  spend(id: string, days: { from: string; to: string } | null): Promise<bigint>;
}

/** Something living beside a backend for as long as it stays open (the app-key table); closed first, so it can still write. */
export interface StoreAttachment {
  close(): Promise<void>;
}

export interface DurableStore {
  readonly kind: "sqlite" | "redis";
  /** What the config says (for logs and reload comparison), e.g. "sqlite:./butter.db" — never a password. */
  readonly describe: string;
  readonly responses: ResponseStore;
  readonly appKeys: AppKeyStore;
  readonly ledger: LedgerStore;
  close(): Promise<void>;
}

/** A backend hands out response stores with different TTLs over one connection, so a reload that only changes `responses.ttl` keeps the connection. */
export interface StoreBackend extends DurableStore {
  responsesWithTtl(ttlMs: number): ResponseStore;
}
