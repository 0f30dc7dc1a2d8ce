// A workflow that counts how often each step body runs (side effects), for race and recovery tests.

import { createRuntime, WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep, type WorkflowStore } from '@cairn/core';
import { createCloudTasksScheduler } from '@cairn/scheduler-cloud-tasks';
import { createCloudRunHandler } from '@cairn/host-cloud-run';
import { QUEUE, TASKS_SA, type BuildContext } from './harness.js';

export const effects = new Map<string, number>();
const effect = (key: string) => {
  effects.set(key, (effects.get(key) ?? 0) + 1);
  return key;
};

export class CountingWorkflow extends WorkflowEntrypoint<Record<string, unknown>, { napMs?: number }> {
  async run(event: WorkflowEvent<{ napMs?: number }>, step: WorkflowStep) {
    const id = event.instanceId;
    const a = await step.do('a', async () => effect(`${id}:a`));
    await step.sleep('nap', event.payload.napMs ?? 300);
    const [b, c] = await Promise.all([step.do('b', async () => effect(`${id}:b`)), step.do('c', async () => effect(`${id}:c`))]);
    const go = await step.waitForEvent<{ n: number }>('go', { type: 'go', timeout: '1 hour' });
    const d = await step.do('d', async () => effect(`${id}:d`));
    return { a, b, c, d, go: go.payload };
  }
}

export function buildCountingService(store: WorkflowStore, options: { maxScheduleAheadMs?: number } = {}) {
  return ({ serviceUrl, tasks, auth }: BuildContext) => {
    const runtime = createRuntime({
      store,
      scheduler: createCloudTasksScheduler({
        client: tasks,
        queue: QUEUE,
        url: `${serviceUrl}/_cairn/wake`,
        serviceAccountEmail: TASKS_SA,
        maxScheduleAheadMs: options.maxScheduleAheadMs,
      }),
      workflows: { COUNT: CountingWorkflow },
      maxInProcessWaitMs: 0,
      // Short leases so a lease left behind (e.g. by a killed request) expires within a test.
      leaseMs: 2_000,
    });
    const handler = createCloudRunHandler({ runtime, auth, requestTimeoutMs: 20_000, safetyMarginMs: 2_000, onAuthFailure: () => {} });
    return { runtime, handler };
  };
}
