// Cloud Tasks schedules at most 30 days ahead: a longer sleep is woken early, re-suspends, and the next
// link is scheduled, until the sleep is really over. Shown with the horizon shortened to 250 ms.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStore } from '@cairn/core';
import { buildCountingService } from './counting-workflow.js';
import { startGcpStack, type GcpStack } from './harness.js';

const HORIZON_MS = 250;
const store = createMemoryStore();
let stack: GcpStack;

beforeAll(async () => {
  stack = await startGcpStack(buildCountingService(store, { maxScheduleAheadMs: HORIZON_MS }));
});
afterAll(async () => {
  await stack?.stop();
});

describe('wake-ups past the Cloud Tasks horizon', () => {
  it('chains early wake-ups until a long sleep is over, then goes on', async () => {
    expect((await stack.call('POST', '/workflows/COUNT/instances', { id: 'long-nap', params: { napMs: 1500 } })).status).toBe(201);
    const ref = { workflowName: 'COUNT', instanceId: 'long-nap' };
    const until = Date.now() + 20_000;
    while (!(await store.loadJournal(ref))?.steps.some((s) => s.id === 'wait:go-1#start')) {
      if (Date.now() > until) {
        const tasks = [...stack.emulator.tasks.values()].filter((t) => t.body.toString().includes('"long-nap"'));
        throw new Error(
          `never reached the wait: ${JSON.stringify({ instance: await store.getInstance(ref), tasks: tasks.map((t) => ({ body: t.body.toString(), state: t.state, n: t.dispatchCount, in: t.scheduleTime - Date.now() })), dispatches: stack.emulator.dispatches.slice(-8) })}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await stack.call('POST', '/workflows/COUNT/instances/long-nap/events', { type: 'go', payload: { n: 1 } });
    await stack.waitForStatus('COUNT', 'long-nap', 'complete');

    const journal = (await store.loadJournal(ref))!;
    const sleepEnd = journal.steps.find((s) => s.id === 'sleep:nap-1#start')!.wakeAt!;
    const afterSleep = journal.steps.find((s) => s.id === 'do:b-1')!;
    expect(afterSleep.startedAt).toBeGreaterThanOrEqual(sleepEnd);

    const tasks = [...stack.emulator.tasks.values()].filter((t) => t.body.toString().includes('"long-nap"'));
    // No task was ever scheduled past the horizon...
    for (const task of tasks) expect(task.scheduleTime - task.createTime).toBeLessThanOrEqual(HORIZON_MS + 5);
    // ...so the 1.5 s sleep took a chain of early wake-ups: the same wake-up (one wakeSeq), each link a
    // task of its own, every one delivered.
    const sleepSeq = (t: (typeof tasks)[number]) => JSON.parse(t.body.toString()).wakeAt === sleepEnd;
    const links = tasks.filter(sleepSeq);
    expect(links.length).toBeGreaterThanOrEqual(Math.floor(1500 / HORIZON_MS) - 1);
    expect(new Set(links.map((t) => JSON.parse(t.body.toString()).wakeSeq)).size).toBe(1);
    expect(links.every((t) => t.state === 'done')).toBe(true);
    expect(stack.emulator.createCalls.filter((c) => c.status !== 200)).toEqual([]);
  });
});
