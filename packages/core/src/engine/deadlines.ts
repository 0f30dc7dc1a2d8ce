// Deadline watches: one timer serves every running attempt (armed for the earliest deadline), so a step
// costs no timer of its own: steps are short, timeouts long.

import type { Clock } from '../clock.js';

/** Something to be told when its deadline (epoch ms) passes: a step attempt's timeout. */
export interface DeadlineWatch {
  readonly deadline: number;
  onTimeout(): void;
  /** Where the watches keep it (-1: not watched); set by DeadlineWatches only. */
  deadlineSlot: number;
}

export class DeadlineWatches {
  /** Unordered; each watch knows its slot, so add and remove are O(1) and allocate nothing (a Set does). */
  private readonly watches: DeadlineWatch[] = [];
  private armedFor: number | null = null;
  private disarm: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly clock: Clock) {}

  /** Calls `watch.onTimeout()` at `watch.deadline` unless unwatched first. */
  watch(watch: DeadlineWatch): void {
    watch.deadlineSlot = this.watches.push(watch) - 1;
    if (this.armedFor === null || watch.deadline < this.armedFor) this.arm(watch.deadline);
  }

  unwatch(watch: DeadlineWatch): void {
    const slot = watch.deadlineSlot;
    if (slot < 0 || this.watches[slot] !== watch) return;
    const last = this.watches.pop()!;
    if (last !== watch) {
      this.watches[slot] = last;
      last.deadlineSlot = slot;
    }
    watch.deadlineSlot = -1;
  }

  /** Forgets every watch and cancels the timer. */
  stop(): void {
    this.stopped = true;
    this.disarm?.();
    for (const watch of this.watches) watch.deadlineSlot = -1;
    this.watches.length = 0;
  }

  private arm(at: number): void {
    this.disarm?.();
    this.armedFor = at;
    this.disarm = this.clock.setTimer(() => this.fire(), at - this.clock.now());
  }

  private fire(): void {
    this.armedFor = null;
    this.disarm = undefined;
    const now = this.clock.now();
    let next: number | null = null;
    for (const watch of this.watches.slice()) {
      if (watch.deadline <= now) {
        this.unwatch(watch);
        watch.onTimeout();
      } else if (next === null || watch.deadline < next) next = watch.deadline;
    }
    if (next !== null && !this.stopped) this.arm(next);
  }
}
