import { logger } from "./logger.ts";

/**
 * Logs the first of a burst of repeated failures at once, then stays quiet for `windowMs` and
 * reports how many it swallowed: a plugin failing on every request must not write a line per
 * request. One BurstLog per source (plugin + hook).
 */
export class BurstLog {
  private quietUntil = -Infinity;
  private suppressed = 0;

  constructor(
    private readonly msg: string,
    private readonly windowMs = 10_000,
    private readonly now: () => number = () => performance.now(),
    private readonly write: (msg: string, fields: Record<string, unknown>) => void = (msg, fields) => logger.warn(msg, fields),
  ) {}

  report(fields: Record<string, unknown>): void {
    const now = this.now();
    if (now < this.quietUntil) {
      this.suppressed++;
      return;
    }
    const extra = this.suppressed > 0 ? { suppressed: this.suppressed } : undefined;
    this.suppressed = 0;
    this.quietUntil = now + this.windowMs;
    this.write(this.msg, extra ? { ...fields, ...extra } : fields);
  }
}
