// deleteInstance: the instance, its steps of every generation and its events go; nothing of it comes back
// when the same id is created again; neighbours (same id under another workflow, ids sharing a prefix) stay.

import { describe, expect, it } from 'vitest';
import type { InstanceRecord, WorkflowStore } from '@cairn/core';
import type { SuiteContext } from './context.js';
import { T0, createLeased, makeEvent, makeInstance, makeStep, mustGet, mustLoad, refOf, serializedOfBytes, uniqueId } from './fixtures.js';

/** A leased instance with steps in two generations, a maximum-size value and two events. */
async function populated(store: WorkflowStore, overrides: Partial<InstanceRecord> = {}): Promise<InstanceRecord> {
  let instance = await createLeased(store, overrides);
  const ref = refOf(instance);
  await store.recordStep({ ...ref, leaseToken: instance.leaseToken, step: makeStep({ id: 'do:a-1' }) });
  await store.recordStep({ ...ref, leaseToken: instance.leaseToken, step: makeStep({ id: 'do:big-1', value: serializedOfBytes(64 * 1024) }) });
  instance = await store.updateInstance({
    ...ref,
    expectedVersion: instance.version,
    patch: { generation: 1, leaseToken: instance.leaseToken + 1, leaseOwner: 'runner-b' },
  });
  await store.recordStep({ ...ref, leaseToken: instance.leaseToken, step: makeStep({ id: 'do:a-1', generation: 1, value: '"gen1"' }) });
  await store.appendEvent({ ...ref, event: makeEvent(T0 + 1, 'one') });
  return store.appendEvent({ ...ref, event: makeEvent(T0 + 2, 'two') });
}

export function deletionTests(ctx: SuiteContext): void {
  describe('deletion', () => {
    it('deleteInstance removes the instance, its steps of every generation and its events, and resolves true', async () => {
      const instance = await populated(ctx.store, { wakeAt: T0 });
      const ref = refOf(instance);
      expect(await ctx.store.deleteInstance(ref)).toBe(true);
      expect(await ctx.store.getInstance(ref)).toBeNull();
      expect(await ctx.store.loadJournal(ref)).toBeNull();
      const due = await ctx.store.listDueInstances({ now: T0 + 10_000, limit: 1_000 });
      expect(due.some((entry) => entry.instanceId === instance.instanceId)).toBe(false);
      const listed = await ctx.store.listInstances({ workflowName: instance.workflowName, limit: 1_000 });
      expect(listed.instances.some((entry) => entry.instanceId === instance.instanceId)).toBe(false);
    });

    it('deleting an unknown or already deleted instance resolves false and changes nothing else', async () => {
      const other = await createLeased(ctx.store);
      const ref = { workflowName: 'conformance', instanceId: uniqueId('never') };
      expect(await ctx.store.deleteInstance(ref)).toBe(false);
      const instance = await populated(ctx.store);
      expect(await ctx.store.deleteInstance(refOf(instance))).toBe(true);
      expect(await ctx.store.deleteInstance(refOf(instance))).toBe(false);
      expect(await mustGet(ctx.store, other)).toEqual(other);
    });

    it('the same id created again starts with an empty journal: no step or event of the deleted instance comes back', async () => {
      const instance = await populated(ctx.store);
      const ref = refOf(instance);
      await ctx.store.deleteInstance(ref);
      const again = makeInstance({ ...ref, params: '"second life"' });
      await ctx.store.createInstance({ instance: again });
      const journal = await mustLoad(ctx.store, ref);
      expect(journal.instance).toEqual(again);
      expect(journal.steps).toEqual([]);
      expect(journal.events).toEqual([]);
      // And the old ids can be recorded afresh (the previous records are gone, not merely hidden).
      const leased = await ctx.store.updateInstance({
        ...ref,
        expectedVersion: again.version,
        patch: { generation: 1, leaseOwner: 'runner-c', leaseToken: 1 },
      });
      const step = makeStep({ id: 'do:a-1', generation: 1, value: '"fresh"' });
      expect(await ctx.store.recordStep({ ...ref, leaseToken: leased.leaseToken, step })).toEqual({ recorded: true });
      expect((await mustLoad(ctx.store, ref)).steps).toEqual([step]);
    });

    it('neighbours stay: the same id under another workflow, and ids that extend the deleted one', async () => {
      const instance = await populated(ctx.store);
      const sameIdOtherWorkflow = await populated(ctx.store, { workflowName: 'conformance-other', instanceId: instance.instanceId });
      const longerId = await populated(ctx.store, { instanceId: `${instance.instanceId}-2` });
      const before = [await mustLoad(ctx.store, sameIdOtherWorkflow), await mustLoad(ctx.store, longerId)];
      await ctx.store.deleteInstance(refOf(instance));
      expect([await mustLoad(ctx.store, sameIdOtherWorkflow), await mustLoad(ctx.store, longerId)]).toEqual(before);
    });
  });
}
