// Durability: everything a store acknowledged is there after it is closed and opened again on the same
// storage (a restart). Runs when the harness can reopen (`reopen`). It cannot prove fsync-level durability.

import { describe, expect, it } from 'vitest';
import type { SuiteContext } from './context.js';
import { T0, createLeased, makeEvent, makeStep, mustLoad, refOf } from './fixtures.js';

export function durabilityTests(ctx: SuiteContext): void {
  describe('durability', () => {
    it('an instance, its steps, its events and its updates are all there after the store is opened again', async (t) => {
      if (!ctx.harness.reopen) t.skip();
      const leased = await createLeased(ctx.store);
      const steps = [makeStep({ id: 'do:a-1' }), makeStep({ id: 'do:b-1', recordedAt: T0 + 1 })];
      for (const step of steps) await ctx.store.recordStep({ ...refOf(leased), leaseToken: leased.leaseToken, step });
      const event = makeEvent(T0, 'kept');
      await ctx.store.appendEvent({ ...refOf(leased), event });
      const current = (await mustLoad(ctx.store, leased)).instance;
      await ctx.store.updateInstance({ ...refOf(leased), expectedVersion: current.version, patch: { status: 'waiting', wakeAt: T0 + 9 } });
      const before = await mustLoad(ctx.store, leased);
      const reopened = await ctx.harness.reopen!();
      const after = await reopened.loadJournal(refOf(leased));
      expect(after).toEqual(before);
      expect(await reopened.listDueInstances({ now: T0 + 9, limit: 10 })).toEqual(expect.arrayContaining([{ ...refOf(leased), wakeAt: T0 + 9 }]));
    });
  });
}
