// The instance record as the replay holding its lease writes it: compare-and-set, one write at a time, and on
// a conflict a re-read of the journal (new events merged, a pause noticed, a lost lease noticed).

import { CairnError } from '../errors.js';
import type { InstanceRecord, Journal } from '../records.js';
import type { InstancePatch, InstanceRef, WorkflowStore } from '../store.js';

export type WriteResult = InstanceRecord | 'conflict' | 'lost';

export interface WriterHooks {
  /** True once the replay ended: no write goes out. */
  isDone(): boolean;
  /** The lease is gone (re-read shows another holder, or no instance). */
  onLeaseLost(): Promise<void>;
  /** The journal was re-read under our lease. */
  onReloaded(journal: Journal): void;
}

export class InstanceWriter {
  private writes: Promise<unknown> = Promise.resolve();

  constructor(
    public instance: InstanceRecord,
    private readonly store: WorkflowStore,
    private readonly ref: InstanceRef,
    private readonly lease: { owner: string; token: number },
    private readonly hooks: WriterHooks,
    /** How many events the journal's waits consumed: kept on the instance for `sendEvent`'s buffer cap. */
    private readonly consumed: () => number,
  ) {}

  /**
   * 'conflict': the record changed (it has been re-read, events merged); 'lost': our lease is gone. `basedOn`: the
   * version the patch was decided from; if a write queued before it re-read the record since, the patch is stale
   * (the merged events may change the decision) and it is not sent: 'conflict'.
   */
  write(patch: InstancePatch, basedOn?: number): Promise<WriteResult> {
    const write = this.writes.then(async () => {
      if (this.hooks.isDone()) return 'lost' as const;
      if (basedOn !== undefined && basedOn !== this.instance.version) return 'conflict' as const;
      try {
        const consumed = this.consumed();
        const counted = consumed === (this.instance.eventsConsumed ?? 0) ? patch : { ...patch, eventsConsumed: consumed };
        this.instance = await this.store.updateInstance({ ...this.ref, expectedVersion: this.instance.version, patch: counted });
        return this.instance;
      } catch (error) {
        if (!CairnError.is(error, 'version_conflict')) throw error;
        return (await this.reload()) ? ('conflict' as const) : ('lost' as const);
      }
    });
    this.writes = write.catch(() => undefined);
    return write;
  }

  private async reload(): Promise<boolean> {
    const journal = await this.store.loadJournal(this.ref);
    const instance = journal?.instance;
    if (!journal || !instance || instance.leaseOwner !== this.lease.owner || instance.leaseToken !== this.lease.token) {
      await this.hooks.onLeaseLost();
      return false;
    }
    this.instance = instance;
    this.hooks.onReloaded(journal);
    return true;
  }
}
