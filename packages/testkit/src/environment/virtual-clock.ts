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
  const settle = options.settle ?? defaultSettle;
  let current = start;
  let seq = 0;
  let activity = 0;
  let flushScheduled = false;
  /** Sorted by (at, seq): the order timers fire in. */
  const timers: Timer[] = [];

  const insert = (timer: Timer) => {
    let low = 0;
    let high = timers.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      const other = timers[mid]!;
      if (other.at < timer.at || (other.at === timer.at && other.seq < timer.seq)) low = mid + 1;
      else high = mid;
    }
    timers.splice(low, 0, timer);
  };

  const fire = (timer: Timer) => {
    const index = timers.indexOf(timer);
    if (index < 0) return;
    timers.splice(index, 1);
    activity++;
    if (timer.at > current) current = timer.at;
    try {
      timer.callback();
    } catch (error) {
      // A timer callback that throws must not stop the clock; surface it as Node would.
      queueMicrotask(() => {
        throw error;
      });
    }
    // Moving time may have made other timers due (several at one instant): they fire by themselves.
    if (timers.length > 0 && timers[0]!.at <= current) scheduleFlush();
  };

  /** Fires the timers due now (those set before this flush), then looks again on the next macrotask. */
  const flushDue = () => {
    flushScheduled = false;
    const lastSeq = seq;
    while (timers.length > 0 && timers[0]!.at <= current && timers[0]!.seq <= lastSeq) fire(timers[0]!);
    if (timers.length > 0 && timers[0]!.at <= current) scheduleFlush();
  };
  const scheduleFlush = () => {
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(flushDue);
  };

  const clock: VirtualClock = {
    now: () => current,
    setTimer(callback, ms) {
      const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
      const timer: Timer = { at: current + delay, seq: ++seq, callback };
      insert(timer);
      activity++;
      if (timer.at <= current) scheduleFlush();
      return () => {
        const index = timers.indexOf(timer);
        if (index >= 0) {
          timers.splice(index, 1);
          activity++;
        }
      };
    },
    get pendingTimers() {
      return timers.length;
    },
    get activity() {
      return activity;
    },
    nextTimerAt: () => timers[0]?.at ?? null,
    hasDueTimers: () => timers.length > 0 && timers[0]!.at <= current,
    advance(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new TypeError(`clock.advance: expected milliseconds >= 0, received ${ms}`);
      return clock.advanceTo(current + ms);
    },
    async advanceTo(time) {
      for (;;) {
        await settle();
        const next = timers[0];
        if (!next || next.at > time) break;
        fire(next);
      }
      if (time > current) {
        current = time;
        activity++;
        if (timers.length > 0 && timers[0]!.at <= current) scheduleFlush();
      }
      await settle();
    },
    async runAll(maxTimers = 10_000) {
      let fired = 0;
      for (; fired < maxTimers; fired++) {
        await settle();
        const next = timers[0];
        if (!next) break;
        fire(next);
      }
      await settle();
      return fired;
    },
  };
  return clock;
}
