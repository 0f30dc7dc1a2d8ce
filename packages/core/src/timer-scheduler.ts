// The default scheduler: in-process timers. Wake-ups live in memory, so after a restart the host must
// replay due instances (`runtime.sweep()`); the Node host does that on start and polls the due index.

import { systemClock, type Clock } from './clock.js';
import type { Scheduler, WakeRequest } from './scheduler.js';
import { refKey } from './shared/refs.js';

export interface TimerSchedulerOptions {
  clock?: Clock;
  /**
   * Keep only wake-ups due within this long as timers; later ones are left to the due index (the engine
   * writes `wakeAt` before it schedules), so a waiting instance costs no memory. Only for a host that polls
   * the due index (the Node host). @default no limit: every wake-up is a timer
   */
  horizonMs?: number;
}

export function createTimerScheduler(options: TimerSchedulerOptions = {}): Scheduler {
  const clock = options.clock ?? systemClock;
  const horizonMs = options.horizonMs ?? Number.POSITIVE_INFINITY;
  const pending = new Map<string, () => void>();
  let deliver: ((wake: WakeRequest) => Promise<void>) | undefined;
  let closed = false;

  return {
    name: 'timer',
    attach(handler) {
      deliver = handler;
    },
    async schedule(wake) {
      const delay = wake.wakeAt - clock.now();
      if (closed || delay > horizonMs) return;
      // A sweeper's wake-up (-1) is named by its time: each due time it reports is a wake-up of its own.
      const key = `${refKey(wake)}\u0000${wake.wakeSeq}${wake.wakeSeq < 0 ? `@${wake.wakeAt}` : ''}`;
      if (pending.has(key)) return;
      const cancel = clock.setTimer(() => {
        pending.delete(key);
        if (!closed) void deliver?.(wake);
      }, delay);
      pending.set(key, cancel);
    },
    async close() {
      closed = true;
      for (const cancel of pending.values()) cancel();
      pending.clear();
    },
  };
}
