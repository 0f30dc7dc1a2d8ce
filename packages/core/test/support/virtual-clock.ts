// A virtual clock for engine tests: timers fire in time order when the test advances time, with the
// event loop drained between firings so replays progress as they would in real time.

import type { Clock } from '@cairn/core';

export interface VirtualClock extends Clock {
  /** Fires timers in order until none is left that is due before `until()` turns true (or `maxTimers`). */
  runUntil(done: () => boolean | Promise<boolean>, maxTimers?: number): Promise<void>;
  advance(ms: number): Promise<void>;
  pending(): number;
}

export async function settle(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

export function createVirtualClock(start = Date.UTC(2026, 0, 1)): VirtualClock {
  let now = start;
  let seq = 0;
  const timers = new Map<number, { at: number; seq: number; callback: () => void }>();
  const earliest = () => {
    let best: [number, { at: number; seq: number; callback: () => void }] | undefined;
    for (const entry of timers) {
      if (!best || entry[1].at < best[1].at || (entry[1].at === best[1].at && entry[1].seq < best[1].seq)) best = entry;
    }
    return best;
  };
  return {
    now: () => now,
    setTimer(callback, ms) {
      const id = ++seq;
      timers.set(id, { at: now + Math.max(0, ms), seq: id, callback });
      return () => timers.delete(id);
    },
    pending: () => timers.size,
    async runUntil(done, maxTimers = 100_000) {
      for (let fired = 0; fired < maxTimers; fired++) {
        await settle();
        if (await done()) return;
        const next = earliest();
        if (!next) return;
        timers.delete(next[0]);
        now = Math.max(now, next[1].at);
        next[1].callback();
      }
      throw new Error('virtual clock: too many timers fired');
    },
    async advance(ms) {
      const until = now + ms;
      for (;;) {
        await settle();
        const next = earliest();
        if (!next || next[1].at > until) break;
        timers.delete(next[0]);
        now = Math.max(now, next[1].at);
        next[1].callback();
      }
      now = until;
      await settle();
    },
  };
}
