// listDueInstances: instances whose wakeAt is set and <= now, earliest first, at most `limit`.

import { describe, expect, it } from 'vitest';
import { parseInstanceRecord, type DueInstance } from '@cairn/core';
import type { SuiteContext } from './context.js';
import { T0, createInstance, makeEvent, refOf } from './fixtures.js';

function expectDueShape(due: DueInstance[]): void {
  for (const item of due) {
    expect(typeof item.workflowName).toBe('string');
    expect(typeof item.instanceId).toBe('string');
    expect(typeof item.wakeAt).toBe('number');
  }
}

export function wakeUpTests(ctx: SuiteContext): void {
  describe('wake-ups', () => {
    it('returns only instances due at now (wakeAt <= now, inclusive), earliest first; null and future wakeAt excluded', async () => {
      const late = await createInstance(ctx.store, { wakeAt: T0 + 300 });
      const early = await createInstance(ctx.store, { workflowName: 'other', wakeAt: T0 + 100 });
      const exact = await createInstance(ctx.store, { wakeAt: T0 + 500 });
      await createInstance(ctx.store, { wakeAt: T0 + 501 });
      await createInstance(ctx.store, { wakeAt: null });
      await createInstance(ctx.store, { wakeAt: T0 + 10_000 });
      const due = await ctx.store.listDueInstances({ now: T0 + 500, limit: 100 });
      expectDueShape(due);
      expect(due).toEqual([
        { workflowName: early.workflowName, instanceId: early.instanceId, wakeAt: T0 + 100 },
        { workflowName: late.workflowName, instanceId: late.instanceId, wakeAt: T0 + 300 },
        { workflowName: exact.workflowName, instanceId: exact.instanceId, wakeAt: T0 + 500 },
      ]);
      expect(await ctx.store.listDueInstances({ now: T0 + 99, limit: 100 })).toEqual([]);
    });

    it('returns at most `limit`, the earliest ones', async () => {
      const created = [];
      for (const offset of [50, 10, 40, 20, 30]) created.push(await createInstance(ctx.store, { wakeAt: T0 + offset }));
      const due = await ctx.store.listDueInstances({ now: T0 + 1_000, limit: 2 });
      expect(due.map((item) => item.wakeAt)).toEqual([T0 + 10, T0 + 20]);
      expect(due.map((item) => item.instanceId)).toEqual([created[1]!.instanceId, created[3]!.instanceId]);
    });

    it('follows instance writes: a cleared wakeAt leaves the index, a moved one moves, an event append keeps it', async () => {
      const a = await createInstance(ctx.store, { wakeAt: T0 + 10 });
      const b = await createInstance(ctx.store, { wakeAt: T0 + 20 });
      const c = await createInstance(ctx.store, { wakeAt: null });
      await ctx.store.updateInstance({ ...refOf(a), expectedVersion: a.version, patch: { wakeAt: null } });
      await ctx.store.updateInstance({ ...refOf(b), expectedVersion: b.version, patch: { wakeAt: T0 + 5_000 } });
      const woken = parseInstanceRecord(await ctx.store.updateInstance({ ...refOf(c), expectedVersion: c.version, patch: { wakeAt: T0 + 1 } }));
      await ctx.store.appendEvent({ ...refOf(c), event: makeEvent(T0, 'keep') });
      expect(await ctx.store.listDueInstances({ now: T0 + 100, limit: 10 })).toEqual([
        { workflowName: woken.workflowName, instanceId: woken.instanceId, wakeAt: T0 + 1 },
      ]);
      expect((await ctx.store.listDueInstances({ now: T0 + 5_000, limit: 10 })).map((item) => item.instanceId)).toEqual([c.instanceId, b.instanceId]);
    });
  });
}
