// claimDueInstances: due instances for many runners at once, each claimed by one caller until its claim ends
// (its time, or the instance's next update). Registered when the store has the method (fleet hosts use it).

import { describe, expect, it } from 'vitest';
import type { WorkflowStore } from '@cairn/core';
import type { SuiteContext } from './context.js';
import { T0, createInstance, mustGet, refOf } from './fixtures.js';

type Claim = NonNullable<WorkflowStore['claimDueInstances']>;

function claimOf(ctx: SuiteContext): Claim | undefined {
  return ctx.store.claimDueInstances?.bind(ctx.store);
}

export function claimTests(ctx: SuiteContext): void {
  describe('claimDueInstances', () => {
    it('claims due instances earliest first, at most `limit`; a claimed instance is left out of other claims until the claim ends', async (t) => {
      const claim = claimOf(ctx);
      if (!claim) return t.skip();
      const late = await createInstance(ctx.store, { wakeAt: T0 + 30 });
      const early = await createInstance(ctx.store, { wakeAt: T0 + 10 });
      await createInstance(ctx.store, { wakeAt: T0 + 5_000 });
      const first = await claim({ now: T0 + 100, limit: 1, claimUntil: T0 + 1_000 });
      expect(first).toEqual([{ ...refOf(early), wakeAt: T0 + 10 }]);
      expect(await claim({ now: T0 + 100, limit: 10, claimUntil: T0 + 1_000 })).toEqual([{ ...refOf(late), wakeAt: T0 + 30 }]);
      expect(await claim({ now: T0 + 999, limit: 10, claimUntil: T0 + 2_000 })).toEqual([]);
      // listDueInstances still lists them; a claim past its time is taken again.
      expect((await ctx.store.listDueInstances({ now: T0 + 100, limit: 10 })).map((due) => due.instanceId)).toEqual([early.instanceId, late.instanceId]);
      expect((await claim({ now: T0 + 1_000, limit: 10, claimUntil: T0 + 2_000 })).map((due) => due.instanceId)).toEqual([early.instanceId, late.instanceId]);
    });

    it('a claim changes no field of the record and not its version; the next update ends it', async (t) => {
      const claim = claimOf(ctx);
      if (!claim) return t.skip();
      const instance = await createInstance(ctx.store, { wakeAt: T0 });
      expect(await claim({ now: T0, limit: 10, claimUntil: T0 + 60_000 })).toHaveLength(1);
      expect(await mustGet(ctx.store, instance)).toEqual(instance);
      await ctx.store.updateInstance({ ...refOf(instance), expectedVersion: instance.version, patch: { updatedAt: T0 + 1 } });
      expect(await claim({ now: T0 + 2, limit: 10, claimUntil: T0 + 60_000 })).toEqual([{ ...refOf(instance), wakeAt: T0 }]);
    });

    it('`ref` claims that instance only, when it is due and unclaimed', async (t) => {
      const claim = claimOf(ctx);
      if (!claim) return t.skip();
      const due = await createInstance(ctx.store, { wakeAt: T0 });
      const other = await createInstance(ctx.store, { wakeAt: T0 });
      const future = await createInstance(ctx.store, { wakeAt: T0 + 10_000 });
      expect(await claim({ now: T0, limit: 1, ref: refOf(future), claimUntil: T0 + 1_000 })).toEqual([]);
      expect(await claim({ now: T0, limit: 1, ref: refOf(due), claimUntil: T0 + 1_000 })).toEqual([{ ...refOf(due), wakeAt: T0 }]);
      expect(await claim({ now: T0, limit: 1, ref: refOf(due), claimUntil: T0 + 1_000 })).toEqual([]);
      expect(await claim({ now: T0, limit: 10, claimUntil: T0 + 1_000 })).toEqual([{ ...refOf(other), wakeAt: T0 }]);
    });

    it('concurrent claims take disjoint sets that together hold every due instance', async (t) => {
      const claim = claimOf(ctx);
      if (!claim) return t.skip();
      const created = [];
      for (let i = 0; i < 24; i++) created.push(await createInstance(ctx.store, { wakeAt: T0 + i }));
      const claims = await Promise.all(Array.from({ length: ctx.options.concurrency }, () => claim({ now: T0 + 100, limit: 6, claimUntil: T0 + 60_000 })));
      const taken = claims.flat().map((due) => due.instanceId);
      expect(new Set(taken).size).toBe(taken.length);
      const rest = await claim({ now: T0 + 100, limit: 100, claimUntil: T0 + 60_000 });
      expect([...taken, ...rest.map((due) => due.instanceId)].sort()).toEqual(created.map((instance) => instance.instanceId).sort());
    });
  });
}
