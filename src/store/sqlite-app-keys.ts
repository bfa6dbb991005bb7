import type { Database, Statement } from "bun:sqlite";
import type { AppKeyCounters, AppKeyRecord, AppKeyStore, StoredAppKey } from "./types.ts";

interface Row {
  id: string;
  hash: string;
  data: string;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  errors: number;
  /** As text: an int64 beyond 2^53 would lose digits as a JS number. */
  cost_pico: string;
  last_used_at: number | null;
}

interface Statements {
  version: Statement<{ version: number }>;
  list: Statement<Row>;
  get: Statement<Row>;
  save: Statement;
  bump: Statement;
  add: Statement;
}

/** What the store needs of SqliteStore: its database, opened on demand. */
interface Opener {
  database(create: boolean): Database | undefined;
}

const COLUMNS = "id, hash, data, requests, prompt_tokens, completion_tokens, errors, CAST(cost_pico AS TEXT) AS cost_pico, last_used_at";

export class SqliteAppKeys implements AppKeyStore {
  private statements: Statements | undefined;
  private db: Database | undefined;

  constructor(private readonly store: Opener) {}

  private sql(create: boolean): Statements | undefined {
    const db = this.store.database(create);
    if (db === undefined) return undefined;
    // A closed and reopened store hands out a new handle: statements belong to the handle they were made on.
    if (this.statements !== undefined && this.db === db) return this.statements;
    this.db = db;
    return (this.statements = {
      version: db.prepare("SELECT version FROM app_keys_version"),
      list: db.prepare(`SELECT ${COLUMNS} FROM app_keys ORDER BY rowid`),
      get: db.prepare(`SELECT ${COLUMNS} FROM app_keys WHERE id = ?`),
      save: db.prepare("INSERT INTO app_keys (id, hash, data) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data"),
      bump: db.prepare("UPDATE app_keys_version SET version = version + 1"),
      add: db.prepare(`UPDATE app_keys SET requests = requests + ?, prompt_tokens = prompt_tokens + ?, completion_tokens = completion_tokens + ?,
        errors = errors + ?, cost_pico = cost_pico + ?, last_used_at = max(coalesce(last_used_at, 0), coalesce(?, 0)) WHERE id = ?`),
    });
  }

  async version(): Promise<string> {
    const sql = this.sql(false);
    return sql === undefined ? "none" : String(sql.version.get()!.version);
  }

  async list(): Promise<StoredAppKey[]> {
    return this.sql(false)?.list.all().map(fromRow) ?? [];
  }

  async get(id: string): Promise<StoredAppKey | undefined> {
    const row = this.sql(false)?.get.get(id);
    return row ? fromRow(row) : undefined;
  }

  async save(record: AppKeyRecord): Promise<void> {
    const sql = this.sql(true)!;
    const { id, hash, ...data } = record;
    this.db!.transaction(() => {
      sql.save.run(id, hash, JSON.stringify(data));
      sql.bump.run();
    }).immediate();
  }

  async addCounters(increments: ReadonlyMap<string, AppKeyCounters>): Promise<void> {
    if (increments.size === 0) return;
    const sql = this.sql(true)!;
    this.db!.transaction(() => {
      for (const [id, c] of increments) sql.add.run(c.requests, c.promptTokens, c.completionTokens, c.errors, c.costPico, c.lastUsedAt, id);
    }).immediate();
  }
}

function fromRow(row: Row): StoredAppKey {
  const data = JSON.parse(row.data) as Omit<AppKeyRecord, "id" | "hash">;
  return {
    record: { id: row.id, hash: row.hash, ...data },
    counters: {
      requests: row.requests, promptTokens: row.prompt_tokens, completionTokens: row.completion_tokens, errors: row.errors,
      costPico: BigInt(row.cost_pico ?? "0"), lastUsedAt: row.last_used_at === null || row.last_used_at === 0 ? null : row.last_used_at,
    },
  };
}
