// Cloud Tasks is at-least-once and requests race: duplicate deliveries and concurrent requests for one
// instance must still record one outcome per step and run each step body once.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receivedEvents, createMemoryStore, createRuntime } from '@cairn/core';
import { buildCountingService, CountingWorkflow, effects } from './counting-workflow.js';
import { startGcpStack, SCHEDULER_SA, type GcpStack } from './harness.js';

let stack: GcpStack;
const store = createMemoryStore();

beforeAll(async () => {
  stack = await startGcpStack(buildCountingService(store));
});
afterAll(async () => {
  await stack?.stop();
});

async function waitForStep(instanceId: string, stepId: string) {
  const until = Date.now() + 15_000;
  while (!(await store.loadJournal({ workflowName: 'COUNT', instanceId }))?.steps.some((s) => s.id === stepId)) {
    if (Date.now() > until) throw new Error(`${instanceId} never recorded ${stepId}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function expectOneOutcomePerStep(instanceId: string) {
  const journal = (await store.loadJournal({ workflowName: 'COUNT', instanceId }))!;
  const outcomes = journal.steps.filter((s) => s.state === 'completed' || s.state === 'failed').map((s) => s.key);
  expect(outcomes.sort()).toEqual(['do:a-1', 'do:b-1', 'do:c-1', 'do:d-1', 'wait:go-1']);
  for (const key of ['a', 'b', 'c', 'd']) expect(effects.get(`${instanceId}:${key}`), `step ${key} ran once`).toBe(1);
}

describe('races through the Cloud Run server', () => {
  it('duplicate task deliveries: every task delivered three times at once', async () => {
    stack.emulator.setDuplicates(3);
    try {
      expect((await stack.call('POST', '/workflows/COUNT/instances', { id: 'dup', params: { napMs: 300 } })).status).toBe(201);
      await waitForStep('dup', 'wait:go-1#start');
      expect((await stack.call('POST', '/workflows/COUNT/instances/dup/events', { type: 'go', payload: { n: 1 } })).status).toBe(202);
      const done = await stack.waitForStatus('COUNT', 'dup', 'complete');
      expect(done.output).toEqual({ a: 'dup:a', b: 'dup:b', c: 'dup:c', d: 'dup:d', go: { n: 1 } });
      await stack.emulator.drain();
    } finally {
      stack.emulator.setDuplicates(1);
    }
    const names = new Set([...stack.emulator.tasks.values()].filter((t) => t.state === 'done' && t.body.toString().includes('"dup"')).map((t) => t.name));
    const deliveries = stack.emulator.dispatches.filter((d) => names.has(d.name));
    expect(deliveries.length).toBeGreaterThanOrEqual(names.size * 3);
    await expectOneOutcomePerStep('dup');
  });

  it('concurrent wakes, sweeps and events for one instance', async () => {
    expect((await stack.call('POST', '/workflows/COUNT/instances', { id: 'herd', params: { napMs: 200 } })).status).toBe(201);
    const wake = { kind: 'cairn.wake', workflowName: 'COUNT', instanceId: 'herd', wakeSeq: -1, wakeAt: 0 };
    const storm = await Promise.all([
      ...Array.from({ length: 8 }, () => stack.callWithToken('POST', '/_cairn/wake', wake)),
      ...Array.from({ length: 3 }, () => stack.callWithToken('POST', '/_cairn/sweep', undefined, SCHEDULER_SA)),
      ...Array.from({ length: 4 }, (_, n) => stack.call('POST', '/workflows/COUNT/instances/herd/events', { type: 'go', payload: { n } })),
    ]);
    for (const response of storm) expect([200, 202, 503]).toContain(response.status);
    await stack.waitForStatus('COUNT', 'herd', 'complete');
    // A second storm after completion changes nothing.
    const after = await Promise.all(Array.from({ length: 5 }, () => stack.callWithToken('POST', '/_cairn/wake', wake)));
    expect(after.map((r) => r.body.outcome)).toEqual(Array(5).fill('complete'));
    await expectOneOutcomePerStep('herd');
    // Four events were accepted; the wait consumed exactly one of them (its outcome holds it, the journal the rest).
    const journal = (await store.loadJournal({ workflowName: 'COUNT', instanceId: 'herd' }))!;
    expect(receivedEvents(journal)).toHaveLength(4);
    expect(journal.events).toHaveLength(3);
    expect(journal.steps.filter((s) => s.kind === 'wait' && s.state === 'completed')).toHaveLength(1);
  });

  it('concurrent creates of one id: exactly one 201, the others 409', async () => {
    const responses = await Promise.all(Array.from({ length: 6 }, () => stack.call('POST', '/workflows/COUNT/instances', { id: 'once', params: {} })));
    expect(responses.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    expect(responses.filter((r) => r.status === 409).every((r) => r.body.error.code === 'instance_already_exists')).toBe(true);
  });

  it('the sweeper endpoint recovers an instance whose wake-up was lost', async () => {
    // Created by a runtime whose scheduler drops every wake-up.
    const lossy = createRuntime({ store, scheduler: { name: 'lost', schedule: async () => {} }, workflows: { COUNT: CountingWorkflow } });
    await lossy.workflow('COUNT').create({ id: 'lost', params: { napMs: 100 } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await store.getInstance({ workflowName: 'COUNT', instanceId: 'lost' }))!.status).toBe('queued');
    const swept = await stack.callWithToken('POST', '/_cairn/sweep', { kind: 'cairn.sweep', limit: 10 }, SCHEDULER_SA);
    expect(swept.status).toBe(200);
    expect(swept.body.due).toBeGreaterThanOrEqual(1);
    await waitForStep('lost', 'wait:go-1#start');
    await stack.call('POST', '/workflows/COUNT/instances/lost/events', { type: 'go', payload: { n: 9 } });
    await stack.waitForStatus('COUNT', 'lost', 'complete');
    await lossy.close();
  });
});
