// The order example end to end through the Cloud Run server, on core's memory store: created over HTTP,
// its payment retried and its sleep woken by Cloud Tasks deliveries, approved by an event, completed.

import { afterAll, beforeAll, describe } from 'vitest';
import { createMemoryStore } from '@cairn/core';
import { createOrderService } from '../../examples/cloud-run/src/app.ts';
import { startGcpStack, TASKS_SA, type GcpStack } from './harness.js';
import { describeOrderJourney } from './order-journey.js';

let stack: GcpStack;

beforeAll(async () => {
  stack = await startGcpStack(({ serviceUrl, tasks, auth }) =>
    createOrderService({
      store: createMemoryStore(),
      tasks,
      queue: 'projects/demo-cairn/locations/us-central1/queues/cairn-wakes',
      serviceUrl,
      tasksServiceAccount: TASKS_SA,
      auth,
      maxInProcessWaitMs: 0,
    }),
  );
});
afterAll(async () => {
  await stack?.stop();
});

describe('Cloud Run + Cloud Tasks, memory store', () => {
  describeOrderJourney(() => stack);
});
