import { errorFields, logger } from "./logger.ts";

/** Warns once per distinct failure: a store that stays down is not a log line on every flush or poll. */
export class DistinctWarning {
  private last: string | undefined;

  warn(what: string, err: unknown, fields: Record<string, unknown>): void {
    const message = err instanceof Error ? err.message : String(err);
    if (message === this.last) return;
    this.last = message;
    logger.warn(what, { ...fields, ...errorFields(err) });
  }

  /** After a success: the same failure, if it comes back, is worth a line again. */
  clear(): void {
    this.last = undefined;
  }
}
