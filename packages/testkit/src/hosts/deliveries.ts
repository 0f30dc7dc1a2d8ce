// Wake deliveries as schedulers make them: once, twice, early, late, forged, and past the host's deadline.

import { expect, it } from 'vitest';
import type { WakeMessage } from '@cairn/core';
import { freshId, lastWake, storeSnapshot, type HostSuiteContext } from './context.js';

export function deliveryTests(ctx: HostSuiteContext): void {
  it('runs a delivered wake-up to the first wait; the same delivery again runs nothing and changes nothing', async () => {
    const { harness, executions } = ctx;
    const id = freshId('dup');
    await harness.runtime.workflow('SLEEPER').create({ id });
    const first = lastWake(harness, id);
    expect(await harness.deliver(first)).toEqual({ kind: 'outcome', outcome: 'suspended' });
    const before = await storeSnapshot(harness.runtime.store);
    expect(await harness.deliver(first)).toEqual({ kind: 'outcome', outcome: 'stale' });
    expect(executions.of(`${id}:first`)).toBe(1);
    expect(await storeSnapshot(harness.runtime.store)).toEqual(before);
  });

  it('re-arms an early delivery and answers at once, running nothing', async () => {
    const { harness, executions } = ctx;
    const id = freshId('early');
    await harness.runtime.workflow('SLEEPER').create({ id });
    await harness.deliver(lastWake(harness, id));
    const sleeping = await harness.runtime.store.getInstance({ workflowName: 'SLEEPER', instanceId: id });
    expect(sleeping).toMatchObject({ status: 'waiting' });
    const before = await storeSnapshot(harness.runtime.store);
    const scheduledBefore = harness.scheduled().length;
    const started = Date.now();
    const early: WakeMessage = { kind: 'cairn.wake', workflowName: 'SLEEPER', instanceId: id, wakeSeq: sleeping!.wakeSeq, wakeAt: sleeping!.wakeAt! };
    expect(await harness.deliver(early)).toEqual({ kind: 'outcome', outcome: 'early' });
    // Answered without waiting for the wake time (a day away) or for any budget to run out.
    expect(Date.now() - started).toBeLessThan(ctx.setup.budgetMs);
    expect(harness.scheduled().slice(scheduledBefore)).toEqual([
      expect.objectContaining({ instanceId: id, wakeSeq: sleeping!.wakeSeq, wakeAt: sleeping!.wakeAt }),
    ]);
    expect(executions.of(`${id}:first`)).toBe(1);
    expect(await storeSnapshot(harness.runtime.store)).toEqual(before);
  });

  it('answers a late delivery for a finished instance with its status, changing nothing', async () => {
    const { harness, executions } = ctx;
    const id = freshId('late');
    await harness.runtime.workflow('QUICK').create({ id, params: { n: 1 } });
    const wake = lastWake(harness, id);
    expect(await harness.deliver(wake)).toEqual({ kind: 'outcome', outcome: 'complete' });
    const before = await storeSnapshot(harness.runtime.store);
    expect(await harness.deliver(wake)).toEqual({ kind: 'outcome', outcome: 'complete' });
    expect(await harness.deliver({ ...wake, wakeSeq: -1 })).toEqual({ kind: 'outcome', outcome: 'complete' });
    expect(executions.of(`${id}:only`)).toBe(1);
    expect(await storeSnapshot(harness.runtime.store)).toEqual(before);
  });

  it('answers forged deliveries (unknown workflow, unknown instance, malformed) and changes nothing', async () => {
    const { harness } = ctx;
    const before = await storeSnapshot(harness.runtime.store);
    const unknownWorkflow = await harness.deliver({ kind: 'cairn.wake', workflowName: 'NOT_BOUND', instanceId: 'x', wakeSeq: 0, wakeAt: 0 });
    expect(unknownWorkflow).toMatchObject({ kind: 'error', code: 'unknown_workflow' });
    const id = freshId('ghost');
    expect(await harness.deliver({ kind: 'cairn.wake', workflowName: 'QUICK', instanceId: id, wakeSeq: 3, wakeAt: 0 })).toEqual({
      kind: 'outcome',
      outcome: 'not_found',
    });
    const malformed = await harness.deliver({ kind: 'cairn.wake', workflowName: 'QUICK', instanceId: id, wakeSeq: 'x', wakeAt: -5 } as never);
    expect(malformed.kind).toBe('error');
    expect(['invalid_input', 'invalid_wake']).toContain((malformed as { code: string }).code);
    expect(await harness.runtime.store.getInstance({ workflowName: 'QUICK', instanceId: id })).toBeNull();
    expect(await storeSnapshot(harness.runtime.store)).toEqual(before);
  });

  it('stops starting steps at the deadline and goes on in the next delivery, running each step once', async () => {
    const { harness, executions, setup } = ctx;
    const id = freshId('long');
    const stepMs = Math.ceil((setup.budgetMs - setup.safetyMarginMs) / 3);
    await harness.runtime.workflow('LONG').create({ id, params: { steps: 5, stepMs } });
    const outcomes: string[] = [];
    for (let delivery = 0; delivery < 10 && outcomes[outcomes.length - 1] !== 'complete'; delivery++) {
      const answer = await harness.deliver(lastWake(harness, id));
      expect(answer.kind).toBe('outcome');
      outcomes.push((answer as { outcome: string }).outcome);
    }
    expect(outcomes).toContain('continue');
    expect(outcomes[outcomes.length - 1]).toBe('complete');
    for (let i = 0; i < 5; i++) expect(executions.of(`${id}:part ${i}`)).toBe(1);
  });
}
