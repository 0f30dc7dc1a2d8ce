// The branches of `run()`: how many are busy (a step callback, a journal write, a wait held in process) and
// which are blocked (a sleep, an event wait, a retry delay, a pause). When none is busy and some are blocked,
// the instance can suspend; when only held waits are busy, it is waiting in process (`holding`). The session
// decides what to do, told by `onChange`.

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
  /** A branch goes on: resolves once the stored record no longer says it waits (null: it does not). */
  holdEnded(): Promise<void> | null;
}

export class Branches {
  private busy = 0;
  private readonly blocked = new Set<Blocker>();
  /** The waits held in process (a timer each), by blocker: the timer's cancel. */
  private readonly held = new Map<Blocker, () => void>();

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

  /**
   * Nothing runs but waits held in process: `run()` is waiting in place, for a sleep or an event ('wait') or
   * only for retry delays ('retry'); null while something runs or nothing is held.
   */
  get holding(): 'wait' | 'retry' | null {
    if (this.busy === 0 || this.busy !== this.held.size) return null;
    for (const blocker of this.held.keys()) if (blocker.reason === 'sleep' || blocker.reason === 'event') return 'wait';
    return 'retry';
  }

  /** When the first wait held in process ends (null when none is held). */
  get heldUntil(): number | null {
    let first: number | null = null;
    for (const blocker of this.held.keys()) if (blocker.wakeAt !== null && (first === null || blocker.wakeAt < first)) first = blocker.wakeAt;
    return first;
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
      const release = (): boolean => {
        if (settled || !this.hooks.isActive()) return false;
        settled = true;
        this.blocked.delete(entry);
        // Busy from now on; while the end of a marked hold is written (`running` again), the branch waits for it.
        const cancel = this.held.get(entry);
        if (cancel) {
          cancel();
          this.held.delete(entry);
        } else this.busy++;
        this.hooks.onChange();
        const go = () => {
          this.busy--;
          resolve();
          this.hooks.onChange();
        };
        const written = this.hooks.holdEnded();
        if (written) void written.then(go, go);
        else go();
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
        this.held.set(entry, this.clock.setTimer(release, wakeAt - this.clock.now()));
      }
      this.hooks.onChange();
    });
  }

  private unhold(blocker: Blocker): boolean {
    const cancel = this.held.get(blocker);
    if (!cancel) return false;
    cancel();
    this.held.delete(blocker);
    this.busy--;
    return true;
  }

  /** The held waits stop being held (a pause, a runtime closing): their branches stay blocked, so the instance can suspend. */
  dropHolds(): void {
    if (this.held.size === 0) return;
    for (const blocker of Array.from(this.held.keys())) this.unhold(blocker);
    this.hooks.onChange();
  }

  /** New events arrived (or a pause was lifted): blocked branches look again. */
  recheck(): void {
    for (const blocker of Array.from(this.blocked)) blocker.recheck?.();
  }

  /** The replay ended: cancels the in-process waits. */
  stop(): void {
    for (const cancel of this.held.values()) cancel();
    this.held.clear();
  }
}
