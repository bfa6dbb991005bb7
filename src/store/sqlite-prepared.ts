import type { Database } from "bun:sqlite";

/** What a table's store needs of SqliteStore: its database, opened on demand. */
export interface Opener {
  database(create: boolean): Database | undefined;
}

/**
 * A table's prepared statements, made on first use. A closed and reopened store hands out a new
 * handle, and statements belong to the handle they were made on, so a new handle prepares again.
 */
export class Prepared<S> {
  private statements: S | undefined;
  /** The handle the statements were made on (for transactions around them). */
  db: Database | undefined;

  constructor(private readonly store: Opener, private readonly prepare: (db: Database) => S) {}

  get(create: boolean): S | undefined {
    const db = this.store.database(create);
    if (db === undefined) return undefined;
    if (this.statements !== undefined && this.db === db) return this.statements;
    this.db = db;
    return (this.statements = this.prepare(db));
  }
}
