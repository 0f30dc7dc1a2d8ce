// The branches of `run()`: how many are busy (a step callback, a journal write, a short timer) and which are
// blocked (a sleep, an event wait, a retry delay, a pause). When none is busy and some are blocked, the
// instance can suspend; the session decides that, told by `onChange`.

import type { Clock } from '../clock.js';
import { NEVER } from './never.js';

export type BlockReason = 'sleep' | 'event' | 'retry' | 'deadline' | 'pause' | 'concurrency';

export interface Blocker {
  wakeAt: number | null;
  reason: BlockReason;
  /** Called after new events arrive; returns true if the branch can go on. */
  recheck?: () => boolean;
}

export interface BranchHooks {
  /** False once the replay ended: nothing new blocks, nothing blocked goes on. */
  isActive(): boolean;
  /** Whether a wait until `wakeAt` is held in process (a timer) rather than left to a suspension. */
  holdsInProcess(wakeAt: number): boolean;
  /** Something became busy-free or blocked: the session checks whether it may suspend. */
  onChange(): void;
}

export class Branches {
  private busy = 0;
  private readonly blocked = new Set<Blocker>();
  private readonly timers = new Set<() => void>();

  constructor(
    private readonly clock: Clock,
    private readonly hooks: BranchHooks,
  ) {}

  /** Branches doing work now. */
  get running(): number {
    return this.busy;
  }

  get blockers(): ReadonlySet<Blocker> {
    return this.blocked;
  }

  /** `enter`/`leave` bracket busy work without a wrapper promise (the step hot path). */
  enter(): void {
    this.busy++;
  }

  leave(): void {
    this.busy--;
    this.hooks.onChange();
  }

  /**
   * Parks a branch until `wakeAt` or until `recheck` says it can go on after new events. A short wait
   * stays in process (it counts as busy); a long one, or one with no time, lets the instance suspend.
   */
  block(blocker: Blocker): Promise<void> {
    if (!this.hooks.isActive()) return NEVER;
    // What it waits for may have come while the branch got here (events merged while it recorded its start,
    // whose recheck found no blocker to wake): look once more before parking.
    if (blocker.recheck?.()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let settled = false;
      let cancelTimer: (() => void) | undefined;
      const release = (): boolean => {
        if (settled || !this.hooks.isActive()) return false;
        settled = true;
        this.blocked.delete(entry);
        if (cancelTimer) {
          cancelTimer();
          this.timers.delete(cancelTimer);
          this.busy--;
        }
        resolve();
        this.hooks.onChange();
        return true;
      };
      const entry: Blocker = {
        wakeAt: blocker.wakeAt,
        reason: blocker.reason,
        recheck: blocker.recheck ? () => blocker.recheck!() && release() : undefined,
      };
      this.blocked.add(entry);
      const { wakeAt } = blocker;
      if (wakeAt !== null && this.hooks.holdsInProcess(wakeAt)) {
        this.busy++;
        cancelTimer = this.clock.setTimer(release, wakeAt - this.clock.now());
        this.timers.add(cancelTimer);
      } else {
        this.hooks.onChange();
      }
    });
  }

  /** New events arrived (or a pause was lifted): blocked branches look again. */
  recheck(): void {
    for (const blocker of Array.from(this.blocked)) blocker.recheck?.();
  }

  /** The replay ended: cancels the in-process waits. */
  stop(): void {
    for (const cancel of this.timers) cancel();
    this.timers.clear();
  }
}
