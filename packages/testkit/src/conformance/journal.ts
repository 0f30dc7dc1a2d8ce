// loadJournal: one read of the instance, its current generation's steps (recordedAt order, then id) and every event (id order).

import { describe, expect, it } from 'vitest';
import { parseInstanceRecord, parseStepRecord } from '@cairn/core';
import type { SuiteContext } from './context.js';
import { T0, createInstance, createLeased, makeEvent, makeRichStep, makeStep, mustGet, mustLoad, refOf } from './fixtures.js';

export function journalTests(ctx: SuiteContext): void {
  describe('journal', () => {
    readBackTests(ctx);
    generationTests(ctx);
  });
}

/** Records read back as written, in order. */
function readBackTests(ctx: SuiteContext): void {
  it('a new instance has an empty journal, and its instance equals getInstance', async () => {
    const instance = await createInstance(ctx.store);
    const journal = await mustLoad(ctx.store, instance);
    expect(journal).toEqual({ instance, steps: [], events: [] });
  });

  it('a recorded step reads back equal to what was written, every optional field included', async () => {
    const instance = await createLeased(ctx.store);
    const rich = makeRichStep({ id: 'do:charge-1#2' });
    const plain = makeStep({ id: 'do:charge-1', attempt: 3, recordedAt: T0 + 3 });
    for (const step of [rich, plain]) {
      expect(await ctx.store.recordStep({ ...refOf(instance), leaseToken: instance.leaseToken, step })).toEqual({ recorded: true });
    }
    const journal = await mustLoad(ctx.store, instance);
    expect(journal.steps).toEqual([rich, plain]);
    expect(journal.instance).toEqual(await mustGet(ctx.store, instance));
  });

  it('steps come back in recording order, whatever their ids', async () => {
    const instance = await createLeased(ctx.store);
    const ids = ['do:zeta-1', 'sleep:nap-1#start', 'do:alpha-1#1', 'wait:approve-1#start', 'do:alpha-1', 'do:beta-2', 'do:beta-10'];
    const steps = ids.map((id, i) => makeStep({ id, recordedAt: T0 + i * 10, kind: id.startsWith('do') ? 'do' : id.startsWith('sleep') ? 'sleep' : 'wait' }));
    for (const step of steps) await ctx.store.recordStep({ ...refOf(instance), leaseToken: instance.leaseToken, step });
    expect((await mustLoad(ctx.store, instance)).steps.map((step) => step.id)).toEqual(ids);
  });

  it('steps are ordered by recordedAt, then by id, even when written in another order', async () => {
    const instance = await createLeased(ctx.store);
    const written = [
      makeStep({ id: 'do:late-1', recordedAt: T0 + 30 }),
      makeStep({ id: 'do:b-1', recordedAt: T0 + 10 }),
      makeStep({ id: 'do:a-1', recordedAt: T0 + 10 }),
      makeStep({ id: 'do:mid-1', recordedAt: T0 + 20 }),
    ];
    for (const step of written) await ctx.store.recordStep({ ...refOf(instance), leaseToken: instance.leaseToken, step });
    expect((await mustLoad(ctx.store, instance)).steps.map((step) => step.id)).toEqual(['do:a-1', 'do:b-1', 'do:mid-1', 'do:late-1']);
  });
}

/** Generations and per-instance journals. */
function generationTests(ctx: SuiteContext): void {
  it('after a generation bump (restart) only the new generation steps are loaded, and old ids can be recorded again', async () => {
    const instance = await createLeased(ctx.store);
    for (const id of ['do:a-1', 'do:b-1']) {
      await ctx.store.recordStep({ ...refOf(instance), leaseToken: instance.leaseToken, step: makeStep({ id, value: '"gen0"' }) });
    }
    // What restart() writes: a new generation and a new fencing token.
    const restarted = parseInstanceRecord(
      await ctx.store.updateInstance({
        ...refOf(instance),
        expectedVersion: instance.version,
        patch: { status: 'queued', generation: 1, leaseToken: instance.leaseToken + 1, leaseOwner: 'restarter', wakeSeq: 1 },
      }),
    );
    expect((await mustLoad(ctx.store, instance)).steps).toEqual([]);
    const again = makeStep({ id: 'do:a-1', generation: 1, value: '"gen1"', recordedAt: T0 + 50 });
    expect(await ctx.store.recordStep({ ...refOf(instance), leaseToken: restarted.leaseToken, step: again })).toEqual({ recorded: true });
    const journal = await mustLoad(ctx.store, instance);
    expect(journal.steps).toEqual([again]);
    expect(journal.instance.generation).toBe(1);
  });

  it('events are kept across a generation bump: loadJournal returns every event', async () => {
    const instance = await createLeased(ctx.store);
    const event = makeEvent(T0 + 1, 'before-restart');
    const after = parseInstanceRecord(await ctx.store.appendEvent({ ...refOf(instance), event }));
    await ctx.store.updateInstance({ ...refOf(after), expectedVersion: after.version, patch: { generation: 1, leaseToken: after.leaseToken + 1 } });
    expect((await mustLoad(ctx.store, instance)).events).toEqual([event]);
  });

  it('journals are per instance: steps and events of one never show in another', async () => {
    const a = await createLeased(ctx.store, { workflowName: 'alpha' });
    const b = await createLeased(ctx.store, { workflowName: 'beta', instanceId: a.instanceId });
    const c = await createLeased(ctx.store, { workflowName: 'alpha' });
    await ctx.store.recordStep({ ...refOf(a), leaseToken: a.leaseToken, step: makeStep({ id: 'do:only-a-1' }) });
    await ctx.store.appendEvent({ ...refOf(a), event: makeEvent(T0, 'only-a') });
    for (const other of [b, c]) {
      const journal = await mustLoad(ctx.store, other);
      expect(journal.steps).toEqual([]);
      expect(journal.events).toEqual([]);
    }
    const own = await mustLoad(ctx.store, a);
    expect(own.steps.map(parseStepRecord).map((step) => step.id)).toEqual(['do:only-a-1']);
    expect(own.events).toHaveLength(1);
  });
}
