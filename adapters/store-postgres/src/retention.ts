// Retention without TTLs: finished instances past their `expiresAt` are deleted with their journal, a batch per
// statement (rows other sweepers hold are skipped), by `purgeExpired()` or by a sweep that `listDueInstances`
// starts at most once per interval (every host polls it, so no timer of the store's own is needed).

import type { PostgresContext } from './context.js';

export class RetentionSweep {
  private lastAt = -Infinity;
  private running: Promise<number> | null = null;

  constructor(
    private readonly ctx: PostgresContext,
    private readonly options: { sweepIntervalMs: number; batchSize: number },
    private readonly onError: (error: unknown, operation: string) => void,
  ) {}

  /** Deletes every instance expired at `now` (in batches); resolves to how many went. */
  async purge(now: number, limit = Infinity): Promise<number> {
    let deleted = 0;
    for (;;) {
      const batch = Math.min(this.options.batchSize, limit - deleted);
      if (batch <= 0) return deleted;
      const [row] = await this.ctx.tx.query<{ deleted: number }>('purgeExpired', this.ctx.sql.purgeExpired, [now, batch]);
      const count = row?.deleted ?? 0;
      deleted += count;
      if (count < batch) return deleted;
    }
  }

  /** Starts a sweep in the background when one is due (never two at once). */
  maybeSweep(now: number): void {
    if (this.options.sweepIntervalMs === 0 || this.running || now - this.lastAt < this.options.sweepIntervalMs) return;
    this.lastAt = now;
    this.running = this.purge(now)
      .catch((error: unknown) => {
        this.onError(error, 'retention sweep');
        return 0;
      })
      .finally(() => {
        this.running = null;
      });
  }

  /** The sweep in progress, if any (close() waits for it). */
  get pending(): Promise<number> | null {
    return this.running;
  }
}
