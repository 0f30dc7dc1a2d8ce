import { describe, expect, it } from 'vitest';
import { createVirtualClock } from '@cairn/testkit';

describe('virtual clock', () => {
  it('stands still, fires timers in time order as it advances, and lets work settle between them', async () => {
    const clock = createVirtualClock({ start: 1_000 });
    const fired: string[] = [];
    clock.setTimer(() => fired.push(`c@${clock.now()}`), 300);
    clock.setTimer(() => {
      fired.push(`a@${clock.now()}`);
      // Async work started by a timer finishes before the next timer fires.
      void Promise.resolve()
        .then(() => new Promise((r) => setImmediate(r)))
        .then(() => {
          fired.push('a-work');
          clock.setTimer(() => fired.push(`a2@${clock.now()}`), 50);
        });
    }, 100);
    clock.setTimer(() => fired.push(`b@${clock.now()}`), 120);
    const cancelled = clock.setTimer(() => fired.push('never'), 200);
    cancelled();
    await new Promise((r) => setTimeout(r, 5));
    expect(fired).toEqual([]);
    expect(clock.now()).toBe(1_000);
    await clock.advance(160);
    expect(fired).toEqual(['a@1100', 'a-work', 'b@1120', 'a2@1150']);
    expect(clock.now()).toBe(1_160);
    await clock.advanceTo(500);
    expect(clock.now()).toBe(1_160);
    expect(clock.nextTimerAt()).toBe(1_300);
    expect(await clock.runAll()).toBe(1);
    expect(fired.at(-1)).toBe('c@1300');
    expect(clock.pendingTimers).toBe(0);
  });

  it('fires due timers (zero delay) without time moving', async () => {
    const clock = createVirtualClock({ start: new Date(5_000) });
    const done = new Promise<number>((resolve) => clock.setTimer(() => resolve(clock.now()), 0));
    expect(await done).toBe(5_000);
    // Timers at one instant all fire when time reaches it.
    const both: number[] = [];
    clock.setTimer(() => both.push(1), 10);
    clock.setTimer(() => both.push(2), 10);
    await clock.advance(10);
    expect(both).toEqual([1, 2]);
    expect(() => clock.advance(-1)).toThrow(TypeError);
  });
});
