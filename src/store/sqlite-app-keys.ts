import type { Database, Statement } from "bun:sqlite";
import { Prepared, type Opener } from "./sqlite-prepared.ts";
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

const COLUMNS = "id, hash, data, requests, prompt_tokens, completion_tokens, errors, CAST(cost_pico AS TEXT) AS cost_pico, last_used_at";

function prepare(db: Database): Statements {
  return {
    version: db.prepare("SELECT version FROM app_keys_version"),
    list: db.prepare(`SELECT ${COLUMNS} FROM app_keys ORDER BY rowid`),
    get: db.prepare(`SELECT ${COLUMNS} FROM app_keys WHERE id = ?`),
    save: db.prepare("INSERT INTO app_keys (id, hash, data) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data"),
    bump: db.prepare("UPDATE app_keys_version SET version = version + 1"),
    add: db.prepare(`UPDATE app_keys SET requests = requests + ?, prompt_tokens = prompt_tokens + ?, completion_tokens = completion_tokens + ?,
      errors = errors + ?, cost_pico = cost_pico + ?, last_used_at = max(coalesce(last_used_at, 0), coalesce(?, 0)) WHERE id = ?`),
  };
}

export class SqliteAppKeys implements AppKeyStore {
  private readonly statements: Prepared<Statements>;

  constructor(store: Opener) {
    this.statements = new Prepared(store, prepare);
  }

  private sql(create: boolean): Statements | undefined {
    return this.statements.get(create);
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
    this.statements.db!.transaction(() => {
      sql.save.run(id, hash, JSON.stringify(data));
      sql.bump.run();
    }).immediate();
  }

  async addCounters(increments: ReadonlyMap<string, AppKeyCounters>): Promise<void> {
    if (increments.size === 0) return;
    const sql = this.sql(true)!;
    this.statements.db!.transaction(() => {
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
