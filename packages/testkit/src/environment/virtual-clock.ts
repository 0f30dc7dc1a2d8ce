// A clock whose time moves only when told. Timers that are due (at or before `now`) fire by themselves on
// the next macrotask, as real ones would; `advance` moves time forward, firing the timers it passes in
// order and letting the work each one starts settle before the next (the engine's replays are async).

import type { Clock } from '@cairn/core';

export interface VirtualClock extends Clock {
  now(): number;
  setTimer(callback: () => void, ms: number): () => void;
  /** Timers set and not yet fired or cancelled. */
  readonly pendingTimers: number;
  /** When the next timer fires (epoch ms), or null when none is set. */
  nextTimerAt(): number | null;
  /** True while a timer is due and not yet fired. */
  hasDueTimers(): boolean;
  /** Moves time forward by `ms`, firing each timer on the way in order and settling after each. */
  advance(ms: number): Promise<void>;
  /** Moves time forward to `time` (epoch ms); earlier times are ignored (time never goes back). */
  advanceTo(time: number): Promise<void>;
  /** Jumps from timer to timer until none is left, or `maxTimers` have fired. Returns how many fired. */
  runAll(maxTimers?: number): Promise<number>;
  /** Changes every time a timer is set, cancelled or fired: lets a caller see that something happened. */
  readonly activity: number;
}

export interface VirtualClockOptions {
  /** Virtual time at creation (epoch ms or Date). @default Date.now() */
  start?: number | Date;
  /** Awaited after each timer fires; the test environment waits there until the runtime is quiet. @default five macrotasks */
  settle?: () => Promise<void>;
}

interface Timer {
  at: number;
  seq: number;
  callback: () => void;
}

const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

async function defaultSettle(): Promise<void> {
  for (let i = 0; i < 5; i++) await macrotask();
}

export function createVirtualClock(options: VirtualClockOptions = {}): VirtualClock {
  const start = options.start instanceof Date ? options.start.getTime() : (options.start ?? Date.now());
  if (!Number.isFinite(start)) throw new TypeError('createVirtualClock: start must be a finite epoch time or a valid Date');
  return new ManualClock(start, options.settle ?? defaultSettle);
}

/** The clock's methods are arrow properties: `const { now } = clock` keeps working, as with any Clock. */
class ManualClock implements VirtualClock {
  private seq = 0;
  private moves = 0;
  private flushScheduled = false;
  /** Sorted by (at, seq): the order timers fire in. */
  private readonly timers: Timer[] = [];

  constructor(
    private current: number,
    private readonly settle: () => Promise<void>,
  ) {}

  now = (): number => this.current;

  setTimer = (callback: () => void, ms: number): (() => void) => {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const timer: Timer = { at: this.current + delay, seq: ++this.seq, callback };
    this.insert(timer);
    this.moves++;
    if (timer.at <= this.current) this.scheduleFlush();
    return () => {
      const index = this.timers.indexOf(timer);
      if (index >= 0) {
        this.timers.splice(index, 1);
        this.moves++;
      }
    };
  };

  get pendingTimers(): number {
    return this.timers.length;
  }

  get activity(): number {
    return this.moves;
  }

  nextTimerAt = (): number | null => this.timers[0]?.at ?? null;

  hasDueTimers = (): boolean => this.timers.length > 0 && this.timers[0]!.at <= this.current;

  advance = (ms: number): Promise<void> => {
    if (!Number.isFinite(ms) || ms < 0) throw new TypeError(`clock.advance: expected milliseconds >= 0, received ${ms}`);
    return this.advanceTo(this.current + ms);
  };

  advanceTo = async (time: number): Promise<void> => {
    for (;;) {
      await this.settle();
      const next = this.timers[0];
      if (!next || next.at > time) break;
      this.fire(next);
    }
    if (time > this.current) {
      this.current = time;
      this.moves++;
      if (this.hasDueTimers()) this.scheduleFlush();
    }
    await this.settle();
  };

  runAll = async (maxTimers = 10_000): Promise<number> => {
    let fired = 0;
    for (; fired < maxTimers; fired++) {
      await this.settle();
      const next = this.timers[0];
      if (!next) break;
      this.fire(next);
    }
    await this.settle();
    return fired;
  };

  private insert(timer: Timer): void {
    const { timers } = this;
    let low = 0;
    let high = timers.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      const other = timers[mid]!;
      if (other.at < timer.at || (other.at === timer.at && other.seq < timer.seq)) low = mid + 1;
      else high = mid;
    }
    timers.splice(low, 0, timer);
  }

  private fire(timer: Timer): void {
    const index = this.timers.indexOf(timer);
    if (index < 0) return;
    this.timers.splice(index, 1);
    this.moves++;
    if (timer.at > this.current) this.current = timer.at;
    try {
      timer.callback();
    } catch (error) {
      // A timer callback that throws must not stop the clock; surface it as Node would.
      queueMicrotask(() => {
        throw error;
      });
    }
    // Moving time may have made other timers due (several at one instant): they fire by themselves.
    if (this.hasDueTimers()) this.scheduleFlush();
  }

  /** Fires the timers due now (those set before this flush), then looks again on the next macrotask. */
  private flushDue(): void {
    this.flushScheduled = false;
    const lastSeq = this.seq;
    while (this.timers.length > 0 && this.timers[0]!.at <= this.current && this.timers[0]!.seq <= lastSeq) this.fire(this.timers[0]!);
    if (this.hasDueTimers()) this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flushDue());
  }
}
