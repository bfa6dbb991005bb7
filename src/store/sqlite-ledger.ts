import type { Database, Statement } from "bun:sqlite";
import { Prepared, type Opener } from "./sqlite-prepared.ts";
import type { LedgerRow, LedgerStore } from "./types.ts";

interface Row {
  day: string;
  key_id: string;
  provider: string;
  model: string;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  errors: number;
  /** As text: int64 beyond 2^53 would lose digits as a JS number. */
  cost_pico: string;
  cache_hits: number;
  saved_pico: string;
  unpriced: number;
}

interface Statements {
  add: Statement;
  rows: Statement<Row>;
  spend: Statement<{ pico: string | null }>;
  spendEver: Statement<{ pico: string | null }>;
}

const COLUMNS = `day, key_id, provider, model, requests, prompt_tokens, completion_tokens, errors,
  CAST(cost_pico AS TEXT) AS cost_pico, cache_hits, CAST(saved_pico AS TEXT) AS saved_pico, unpriced`;

function prepare(db: Database): Statements {
  return {
    add: db.prepare(`INSERT INTO ledger (day, key_id, provider, model, requests, prompt_tokens, completion_tokens, errors, cost_pico, cache_hits, saved_pico, unpriced)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (day, key_id, provider, model) DO UPDATE SET requests = requests + excluded.requests,
        prompt_tokens = prompt_tokens + excluded.prompt_tokens, completion_tokens = completion_tokens + excluded.completion_tokens,
        errors = errors + excluded.errors, cost_pico = cost_pico + excluded.cost_pico, cache_hits = cache_hits + excluded.cache_hits,
        saved_pico = saved_pico + excluded.saved_pico, unpriced = unpriced + excluded.unpriced`),
    rows: db.prepare(`SELECT ${COLUMNS} FROM ledger WHERE day BETWEEN ? AND ?`),
    spend: db.prepare("SELECT CAST(SUM(cost_pico) AS TEXT) AS pico FROM ledger WHERE key_id = ? AND day BETWEEN ? AND ?"),
    spendEver: db.prepare("SELECT CAST(SUM(cost_pico) AS TEXT) AS pico FROM ledger WHERE key_id = ?"),
  };
}

export class SqliteLedger implements LedgerStore {
  private readonly statements: Prepared<Statements>;

  constructor(store: Opener) {
    this.statements = new Prepared(store, prepare);
  }

  private sql(create: boolean): Statements | undefined {
    return this.statements.get(create);
  }

  async add(rows: readonly LedgerRow[]): Promise<void> {
    if (rows.length === 0) return;
    const sql = this.sql(true)!;
    this.statements.db!.transaction(() => {
      for (const r of rows) {
        sql.add.run(r.day, r.key, r.provider, r.model, r.requests, r.promptTokens, r.completionTokens, r.errors, r.costPico, r.cacheHits, r.savedPico, r.unpriced);
      }
    }).immediate();
  }

  async rows(from: string, to: string): Promise<LedgerRow[]> {
    return this.sql(false)?.rows.all(from, to).map(fromRow) ?? [];
  }

  async spend(id: string, days: { from: string; to: string } | null): Promise<bigint> {
    const sql = this.sql(false);
    if (sql === undefined) return 0n;
    const row = days === null ? sql.spendEver.get(id) : sql.spend.get(id, days.from, days.to);
    return BigInt(row?.pico ?? "0");
  }
}

function fromRow(r: Row): LedgerRow {
  return {
    day: r.day, key: r.key_id, provider: r.provider, model: r.model, requests: r.requests, promptTokens: r.prompt_tokens,
    completionTokens: r.completion_tokens, errors: r.errors, costPico: BigInt(r.cost_pico), cacheHits: r.cache_hits,
    savedPico: BigInt(r.saved_pico), unpriced: r.unpriced,
  };
}
