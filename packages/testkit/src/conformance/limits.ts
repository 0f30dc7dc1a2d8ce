// Sizes: values up to core's 1 MiB limit round-trip byte-exact; long ids and names; journals of many records.

import { describe, expect, it } from 'vitest';
import { parseInstanceRecord, parseStepRecord } from '@cairn/core';
import type { SuiteContext } from './context.js';
import { T0, createLeased, makeEvent, makeInstance, makeStep, mustGet, mustLoad, refOf, serializedOfBytes, utf8Bytes } from './fixtures.js';

export function limitTests(ctx: SuiteContext): void {
  describe('limits', () => {
    sizeTests(ctx);
    lengthTests(ctx);
  });
}

/** Values of the maximum size round-trip. */
function sizeTests(ctx: SuiteContext): void {
  const max = () => ctx.options.maxValueBytes;

  it('params of the maximum size (1 MiB of mixed unicode) round-trip byte-exact', async () => {
    const params = serializedOfBytes(max());
    expect(utf8Bytes(params)).toBe(max());
    const instance = makeInstance({ params });
    await ctx.store.createInstance({ instance });
    expect((await mustGet(ctx.store, instance)).params === params).toBe(true);
    expect((await mustLoad(ctx.store, instance)).instance.params === params).toBe(true);
    const page = await ctx.store.listInstances({ workflowName: instance.workflowName });
    expect(page.instances.find((one) => one.instanceId === instance.instanceId)?.params === params).toBe(true);
  });

  it('a step value of the maximum size round-trips byte-exact (journal and first-writer-wins answer)', async () => {
    const leased = await createLeased(ctx.store);
    const value = serializedOfBytes(max());
    const step = makeStep({ id: 'do:big-1', value });
    await ctx.store.recordStep({ ...refOf(leased), leaseToken: leased.leaseToken, step });
    const [stored] = (await mustLoad(ctx.store, leased)).steps;
    expect(stored?.value === value).toBe(true);
    const again = await ctx.store.recordStep({ ...refOf(leased), leaseToken: leased.leaseToken, step: { ...step, value: '"small"' } });
    expect(again.recorded === false && parseStepRecord(again.existing).value === value).toBe(true);
  });

  it('an event payload and an output of the maximum size round-trip byte-exact', async () => {
    const leased = await createLeased(ctx.store);
    const payload = serializedOfBytes(max());
    const output = serializedOfBytes(max() - 7);
    const after = parseInstanceRecord(await ctx.store.appendEvent({ ...refOf(leased), event: makeEvent(T0, 'big', { payload }) }));
    await ctx.store.updateInstance({ ...refOf(leased), expectedVersion: after.version, patch: { status: 'complete', output } });
    const journal = await mustLoad(ctx.store, leased);
    expect(journal.events[0]?.payload === payload).toBe(true);
    expect(journal.instance.output === output).toBe(true);
    expect((await mustGet(ctx.store, leased)).output === output).toBe(true);
  });

  it('one journal holding several maximum-size values is read whole', async () => {
    const leased = await createLeased(ctx.store, { params: serializedOfBytes(max()) });
    const values = [0, 1, 2].map((i) => serializedOfBytes(max() - i));
    for (const [i, value] of values.entries()) {
      await ctx.store.recordStep({ ...refOf(leased), leaseToken: leased.leaseToken, step: makeStep({ id: `do:big-${i + 1}`, value, recordedAt: T0 + i }) });
    }
    const payloads = [0, 1].map((i) => serializedOfBytes(max() - 10 - i));
    for (const [i, payload] of payloads.entries()) {
      await ctx.store.appendEvent({ ...refOf(leased), event: makeEvent(T0 + i, `big${i}`, { payload }) });
    }
    const journal = await mustLoad(ctx.store, leased);
    expect(journal.steps.map((step) => step.value === values[journal.steps.indexOf(step)])).toEqual([true, true, true]);
    expect(journal.events.map((event, i) => event.payload === payloads[i])).toEqual([true, true]);
  });
}

/** Long journals, long ids. */
function lengthTests(ctx: SuiteContext): void {
  it(`a journal of many records (largeJournalSteps) is read whole and in order`, async () => {
    const leased = await createLeased(ctx.store);
    const count = ctx.options.largeJournalSteps;
    const steps = Array.from({ length: count }, (_, i) => makeStep({ id: `do:step-${i + 1}`, recordedAt: T0 + i, value: `"${'v'.repeat(200)}${i}"` }));
    const batch = ctx.options.concurrency;
    for (let i = 0; i < steps.length; i += batch) {
      await Promise.all(steps.slice(i, i + batch).map((step) => ctx.store.recordStep({ ...refOf(leased), leaseToken: leased.leaseToken, step })));
    }
    const events = Array.from({ length: 60 }, (_, i) => makeEvent(T0 + i, `e${String(i).padStart(3, '0')}`));
    for (const event of events) await ctx.store.appendEvent({ ...refOf(leased), event });
    const journal = await mustLoad(ctx.store, leased);
    expect(journal.steps.map((step) => step.id)).toEqual(steps.map((step) => step.id));
    expect(journal.steps).toEqual(steps);
    expect(journal.events).toEqual(events);
    expect(journal.instance.eventSeq).toBe(events.length);
  });

  it('the longest ids and names Cairn allows are stored as given', async () => {
    const instanceId = `${'I'.repeat(50)}-${'_x9'.repeat(16)}z`;
    expect(instanceId).toHaveLength(100);
    const workflowName = 'WORKFLOW_' + 'ü漢'.repeat(30);
    const leased = await createLeased(ctx.store, { instanceId, workflowName });
    const stepName = 'ステップ 🏔️ "quoted" \\ / '.repeat(8).slice(0, 256);
    const step = makeStep({
      id: `wait:${stepName}-12#start`,
      key: `wait:${stepName}-12`,
      name: stepName,
      kind: 'wait',
      state: 'started',
      eventType: 'E'.repeat(100),
    });
    await ctx.store.recordStep({ ...refOf(leased), leaseToken: leased.leaseToken, step });
    const event = makeEvent(T0, 'long', { type: 'T'.repeat(100) });
    await ctx.store.appendEvent({ ...refOf(leased), event });
    const journal = await mustLoad(ctx.store, { workflowName, instanceId });
    expect(journal.instance.instanceId).toBe(instanceId);
    expect(journal.instance.workflowName).toBe(workflowName);
    expect(journal.steps).toEqual([step]);
    expect(journal.events).toEqual([event]);
  });
}
