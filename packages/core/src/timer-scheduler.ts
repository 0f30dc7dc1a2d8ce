// The default scheduler: in-process timers. Wake-ups live in memory, so after a restart the host must
// replay due instances (`runtime.sweep()`); the local runner does that on start.

import { systemClock, type Clock } from './clock.js';
import type { Scheduler, WakeRequest } from './scheduler.js';

export interface TimerSchedulerOptions {
  clock?: Clock;
}

export function createTimerScheduler(options: TimerSchedulerOptions = {}): Scheduler {
  const clock = options.clock ?? systemClock;
  const pending = new Map<string, () => void>();
  let deliver: ((wake: WakeRequest) => Promise<void>) | undefined;
  let closed = false;

  return {
    name: 'timer',
    attach(handler) {
      deliver = handler;
    },
    async schedule(wake) {
      if (closed) return;
      const key = `${wake.workflowName}\u0000${wake.instanceId}\u0000${wake.wakeSeq}`;
      if (pending.has(key)) return;
      const cancel = clock.setTimer(() => {
        pending.delete(key);
        if (!closed) void deliver?.(wake);
      }, wake.wakeAt - clock.now());
      pending.set(key, cancel);
    },
    async close() {
      closed = true;
      for (const cancel of pending.values()) cancel();
      pending.clear();
    },
  };
}
