// appendEvent: visible to loadJournal, eventSeq and version incremented, the new instance returned; events in id order.

import { describe, expect, it } from 'vitest';
import { parseInstanceRecord } from '@cairn/core';
import type { SuiteContext } from './context.js';
import { T0, createInstance, createLeased, expectCairnError, makeEvent, mustGet, mustLoad, refOf, uniqueId } from './fixtures.js';

export function eventTests(ctx: SuiteContext): void {
  idempotencyTests(ctx);
  describe('events', () => {
    it('appendEvent returns the instance with eventSeq and version incremented and nothing else changed', async () => {
      const before = await createInstance(ctx.store, { wakeAt: T0 + 100, status: 'waiting' });
      const event = makeEvent(T0 + 1, 'a');
      const returned = parseInstanceRecord(await ctx.store.appendEvent({ ...refOf(before), event }));
      const expected = { ...before, eventSeq: before.eventSeq + 1, version: before.version + 1 };
      expect(returned).toEqual(expected);
      expect(await mustGet(ctx.store, before)).toEqual(expected);
      const journal = await mustLoad(ctx.store, before);
      expect(journal.events).toEqual([event]);
      expect(journal.instance).toEqual(expected);
    });

    it('appendEvent needs no lease and leaves a held lease as it is', async () => {
      const leased = await createLeased(ctx.store);
      const returned = parseInstanceRecord(await ctx.store.appendEvent({ ...refOf(leased), event: makeEvent(T0, 'x') }));
      expect(returned.leaseOwner).toBe(leased.leaseOwner);
      expect(returned.leaseToken).toBe(leased.leaseToken);
      expect(returned.leaseExpiresAt).toBe(leased.leaseExpiresAt);
    });

    it('an append makes a compare-and-set at the version read before it conflict (how a runner learns of new events)', async () => {
      const before = await createLeased(ctx.store);
      await ctx.store.appendEvent({ ...refOf(before), event: makeEvent(T0, 'mid-replay') });
      await expectCairnError(
        ctx.store.updateInstance({ ...refOf(before), expectedVersion: before.version, patch: { status: 'waiting', leaseOwner: null } }),
        'version_conflict',
      );
      const now = await mustGet(ctx.store, before);
      expect(now.status).toBe('running');
      expect(now.eventSeq).toBe(1);
    });

    it('events come back in id order even when appended out of order, each counted once', async () => {
      const instance = await createInstance(ctx.store);
      const events = [
        makeEvent(T0 + 300, 'c', { type: 'shipped' }),
        makeEvent(T0 + 100, 'a'),
        makeEvent(T0 + 300, 'b', { type: 'shipped' }),
        makeEvent(T0 + 200, 'z', { timestamp: T0 - 5 }),
        makeEvent(T0 + 100, 'b'),
      ];
      let last = instance;
      for (const event of events) last = parseInstanceRecord(await ctx.store.appendEvent({ ...refOf(instance), event }));
      expect(last.eventSeq).toBe(events.length);
      expect(last.version).toBe(instance.version + events.length);
      const journal = await mustLoad(ctx.store, instance);
      const sorted = [...events].sort((a, b) => (a.id < b.id ? -1 : 1));
      expect(journal.events).toEqual(sorted);
    });

    it('appendEvent on a missing instance throws InstanceNotFoundError and creates nothing', async () => {
      const ref = { workflowName: 'conformance', instanceId: uniqueId('missing') };
      await expectCairnError(ctx.store.appendEvent({ ...ref, event: makeEvent(T0, 'lost') }), 'instance_not_found');
      expect(await ctx.store.getInstance(ref)).toBeNull();
      expect(await ctx.store.loadJournal(ref)).toBeNull();
    });
  });
}

function idempotencyTests(ctx: SuiteContext): void {
  describe('events: idempotency keys', () => {
    it('an event id already stored changes nothing: the first event with an id wins, counters move once', async () => {
      const instance = await createInstance(ctx.store);
      const first = makeEvent(T0, 'keyed', { payload: '"first"', order: '0000000ab-0001xyz' });
      const once = parseInstanceRecord(await ctx.store.appendEvent({ ...refOf(instance), event: first }));
      const again = parseInstanceRecord(await ctx.store.appendEvent({ ...refOf(instance), event: { ...first, payload: '"second"', type: 'other' } }));
      expect(again.eventSeq).toBe(once.eventSeq);
      expect(again.version).toBe(once.version);
      const journal = await mustLoad(ctx.store, instance);
      expect(journal.events).toEqual([first]);
      expect(journal.instance).toMatchObject({ eventSeq: instance.eventSeq + 1, version: instance.version + 1 });
    });

    it('concurrent appends of one event id store it once', async () => {
      const instance = await createInstance(ctx.store);
      const event = makeEvent(T0, 'same');
      await Promise.all(Array.from({ length: ctx.options.concurrency }, () => ctx.store.appendEvent({ ...refOf(instance), event })));
      const journal = await mustLoad(ctx.store, instance);
      expect(journal.events).toEqual([event]);
      expect(journal.instance.eventSeq).toBe(instance.eventSeq + 1);
    });
  });
}
