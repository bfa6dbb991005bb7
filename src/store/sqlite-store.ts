import { Database, type Statement } from "bun:sqlite";
import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { SqliteAppKeys } from "./sqlite-app-keys.ts";
import { SqliteLedger } from "./sqlite-ledger.ts";
import type { AppKeyStore, LedgerStore, ResponseStore, StoreBackend, StoredResponse } from "./types.ts";

/**
 * Schema versions, applied in order and recorded in `PRAGMA user_version`: a later feature appends
 * its migration here, and a file written by an older Butter is brought up to date when opened.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE responses (id TEXT PRIMARY KEY, data TEXT NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;
   CREATE INDEX responses_expires_at ON responses (expires_at);`,
  // Application keys: the record as JSON beside its counters, which a flush adds to in place.
  `CREATE TABLE app_keys (id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, data TEXT NOT NULL,
     requests INTEGER NOT NULL DEFAULT 0, prompt_tokens INTEGER NOT NULL DEFAULT 0, completion_tokens INTEGER NOT NULL DEFAULT 0,
     errors INTEGER NOT NULL DEFAULT 0, last_used_at INTEGER);
   CREATE TABLE app_keys_version (one INTEGER PRIMARY KEY CHECK (one = 1), version INTEGER NOT NULL);
   INSERT INTO app_keys_version VALUES (1, 0);`,
  // Cost accounting: what a key's answers cost, in picodollars (int64: up to about 9.2 million USD per key).
  `ALTER TABLE app_keys ADD COLUMN cost_pico INTEGER NOT NULL DEFAULT 0;`,
  // The usage ledger: one row per UTC day, key ('' for none), provider and model; budgets sum a key's rows since its period began.
  `CREATE TABLE ledger (day TEXT NOT NULL, key_id TEXT NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL,
     requests INTEGER NOT NULL DEFAULT 0, prompt_tokens INTEGER NOT NULL DEFAULT 0, completion_tokens INTEGER NOT NULL DEFAULT 0,
     errors INTEGER NOT NULL DEFAULT 0, cost_pico INTEGER NOT NULL DEFAULT 0, cache_hits INTEGER NOT NULL DEFAULT 0,
     saved_pico INTEGER NOT NULL DEFAULT 0, unpriced INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (day, key_id, provider, model)) WITHOUT ROWID;
   CREATE INDEX ledger_key_day ON ledger (key_id, day);`,
  // Responses in a rowid table: a stored turn (1–5 KB) kept in a WITHOUT ROWID table spilled past the
  // ~1 KB such a row keeps in its page into an overflow page of its own, and went to a random place
  // in the tree; here it stays in its page and is appended (4.8 → 1.5 KB of file per 1.2 KB turn).
  `CREATE TABLE responses_rowid (id TEXT PRIMARY KEY, data TEXT NOT NULL, expires_at INTEGER NOT NULL);
   INSERT INTO responses_rowid (id, data, expires_at) SELECT id, data, expires_at FROM responses;
   DROP TABLE responses;
   ALTER TABLE responses_rowid RENAME TO responses;
   CREATE INDEX responses_expires_at ON responses (expires_at);`,
];

const PURGE_EVERY_MS = 60_000;
/** Rows deleted per purge: a long-idle store with many expired rows is cleaned over several puts, never in one long write. */
const PURGE_BATCH = 500;

export interface SqliteStoreOptions {
  /** Time to live of a stored response, from its put or last touch. */
  ttlMs: number;
  /** Milliseconds since the epoch; tests pass their own to expire rows without sleeping. */
  now?: () => number;
}

interface QueuedWrite {
  write: (sql: Statements, now: number) => void;
  create: boolean;
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface Statements {
  put: Statement;
  get: Statement<{ data: string }>;
  delete: Statement<{ expires_at: number }>;
  touch: Statement;
  purge: Statement;
}

/** `sqlite:<path>` (relative to the working directory) or `sqlite::memory:`. The file is created by the first write. */
export class SqliteStore implements StoreBackend {
  readonly kind = "sqlite";
  readonly describe: string;
  readonly responses: ResponseStore;
  readonly appKeys: AppKeyStore;
  readonly ledger: LedgerStore;
  private readonly file: string | undefined;
  private readonly now: () => number;
  private db: Database | undefined;
  private statements: Statements | undefined;
  private lastPurge = 0;
  private closed = false;
  private queued: QueuedWrite[] = [];

  constructor(path: string, options: SqliteStoreOptions) {
    this.describe = `sqlite:${path}`;
    this.now = options.now ?? Date.now;
    if (path === ":memory:") this.file = undefined;
    else {
      if (path === "") throw new Error("store: expected a path after \"sqlite:\"");
      this.file = resolve(path);
      checkDirectory(this.file, path);
    }
    this.responses = this.responsesWithTtl(options.ttlMs);
    this.appKeys = new SqliteAppKeys(this);
    this.ledger = new SqliteLedger(this);
  }

  responsesWithTtl(ttlMs: number): ResponseStore {
    return new SqliteResponses(this, ttlMs);
  }

  /** The statements, opening the database first; `create` false answers undefined rather than create a file only to read it. */
  sql(create: boolean): Statements | undefined {
    if (this.statements !== undefined) return this.statements;
    const db = this.database(create);
    if (db === undefined) return undefined;
    return (this.statements = {
      put: db.prepare("INSERT OR REPLACE INTO responses (id, data, expires_at) VALUES (?, ?, ?)"),
      get: db.prepare("SELECT data FROM responses WHERE id = ? AND expires_at > ?"),
      delete: db.prepare("DELETE FROM responses WHERE id = ? RETURNING expires_at"),
      touch: db.prepare("UPDATE responses SET expires_at = ? WHERE id = ? AND expires_at > ?"),
      purge: db.prepare(`DELETE FROM responses WHERE id IN (SELECT id FROM responses WHERE expires_at <= ? LIMIT ${PURGE_BATCH})`),
    });
  }

  /** The open database, opening (and migrating) it first; `create` false answers undefined when there is no file yet. */
  database(create: boolean): Database | undefined {
    if (this.closed) throw new Error(`the durable store (${this.describe}) is closed`);
    if (this.db !== undefined) return this.db;
    if (!create && this.file !== undefined && !existsSync(this.file)) return undefined;
    if (this.file !== undefined) checkDirectory(this.file, this.describe.slice("sqlite:".length));
    const db = new Database(this.file ?? ":memory:", { create: true, strict: true });
    try {
      db.run("PRAGMA busy_timeout = 5000");
      if (this.file !== undefined) {
        db.run("PRAGMA journal_mode = WAL");
        // SQLite's default (FULL) syncs the log to disk at every commit, on the event loop: 0.2–4 ms a
        // commit on this machine's disk, and the Responses API commits for every stored answer (~1,000
        // a second at most, the core half idle; every other request waited meanwhile). NORMAL syncs at
        // checkpoints only; a commit can still be lost to a power cut or an OS crash, never to the
        // gateway's own crash, and the database stays consistent either way.
        db.run("PRAGMA synchronous = NORMAL");
      }
      migrate(db);
    } catch (err) {
      db.close();
      throw new Error(`${this.describe}: ${openFailure(err)}`);
    }
    return (this.db = db);
  }

  clock(): number {
    return this.now();
  }

  /** At most once a minute, on a write: expired rows are invisible anyway, so this only bounds the file's growth. */
  purgeIfDue(sql: Statements): void {
    const now = this.now();
    if (now - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = now;
    sql.purge.run(now);
  }

  transaction(fn: () => void): void {
    this.db!.transaction(fn)();
  }

  /**
   * A write to the responses table, committed on the next turn of the event loop in one transaction
   * with every other write queued meanwhile (group commit). One commit of one row cost 30–180 µs of
   * the event loop here (the WAL append, the b-trees, a checkpoint now and then), and the Responses
   * API writes once per answer; in batches of eight, about 20 µs a row. The caller's answer waits for the
   * commit, so whoever uses the id next (the client, another worker) finds it. `create`: whether the
   * write may create the file (a put) or has nothing to do without one (a touch).
   */
  queueWrite(write: (sql: Statements, now: number) => void, create: boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.queued.push({ write, create, resolve, reject }) === 1) setImmediate(this.commitQueued);
    });
  }

  private readonly commitQueued = (): void => {
    const batch = this.queued;
    if (batch.length === 0) return;
    this.queued = [];
    try {
      const creates = batch.some((w) => w.create);
      const sql = this.sql(creates);
      if (sql !== undefined) {
        const now = this.now();
        this.transaction(() => {
          if (creates) this.purgeIfDue(sql);
          for (const w of batch) w.write(sql, now);
        });
      }
    } catch (err) {
      for (const w of batch) w.reject(err);
      return;
    }
    for (const w of batch) w.resolve();
  };

  async close(): Promise<void> {
    if (this.closed) return;
    this.commitQueued();
    this.closed = true;
    this.statements = undefined;
    this.db?.close();
    this.db = undefined;
  }
}

class SqliteResponses implements ResponseStore {
  constructor(private readonly store: SqliteStore, private readonly ttlMs: number) {}

  put(record: StoredResponse): Promise<void> {
    const data = JSON.stringify(record);
    return this.store.queueWrite((sql, now) => sql.put.run(record.id, data, now + this.ttlMs), true);
  }

  async get(id: string): Promise<StoredResponse | undefined> {
    const row = this.store.sql(false)?.get.get(id, this.store.clock());
    return row ? (JSON.parse(row.data) as StoredResponse) : undefined;
  }

  async delete(id: string): Promise<boolean> {
    const row = this.store.sql(false)?.delete.get(id);
    return row !== undefined && row !== null && row.expires_at > this.store.clock();
  }

  async touch(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    return this.store.queueWrite((sql, now) => {
      for (const id of ids) sql.touch.run(now + this.ttlMs, id, now);
    }, false);
  }
}

function migrate(db: Database): void {
  // IMMEDIATE: two gateways opening a new file at once must not both run the same migration.
  db.transaction(() => {
    const { user_version: version } = db.query<{ user_version: number }, []>("PRAGMA user_version").get()!;
    if (version > MIGRATIONS.length) {
      throw new Error(`the durable store's schema is version ${version}, newer than this Butter knows (${MIGRATIONS.length}); upgrade Butter`);
    }
    for (let v = version; v < MIGRATIONS.length; v++) db.run(MIGRATIONS[v]!);
    db.run(`PRAGMA user_version = ${MIGRATIONS.length}`);
  }).immediate();
}

/** What is wrong with the file, in words an operator acts on (SQLite's own are terse). */
function openFailure(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string } | null)?.code ?? "";
  if (code.startsWith("SQLITE_NOTADB") || /not a database/i.test(message)) return "the file is not a SQLite database (corrupt, or another kind of file)";
  if (code.startsWith("SQLITE_CORRUPT") || /malformed/i.test(message)) return "the database file is corrupt";
  if (code.startsWith("SQLITE_BUSY") || /locked/i.test(message)) return "the database is locked by another process (still locked after 5 s)";
  if (code.startsWith("SQLITE_READONLY") || code.startsWith("SQLITE_CANTOPEN") || code.startsWith("SQLITE_PERM")) return `cannot open the file for writing (${message})`;
  return message;
}

function checkDirectory(file: string, asWritten: string): void {
  const dir = dirname(file);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`store: the directory of "${asWritten}" (${dir}) does not exist; create it or change \`store\``);
  }
}
