// The order service, assembled: store + Cloud Tasks scheduler -> runtime -> Cloud Run handler.
// server.ts builds the clients from the environment; tests pass the local stand-ins' clients.

import { z } from 'zod';
import { createRuntime, type WorkflowStore } from '@cairn/core';
import { createCloudTasksScheduler, type CloudTasksLike } from '@cairn/scheduler-cloud-tasks';
import { createCloudRunHandler, type CloudRunAuthOptions } from '@cairn/host-cloud-run';
import { OrderWorkflow } from './order-workflow.ts';

export interface OrderServiceOptions {
  store: WorkflowStore;
  tasks: CloudTasksLike;
  /** projects/P/locations/L/queues/Q */
  queue: string;
  /** The service's own URL (https://orders-xyz-uc.a.run.app): the tasks' target and the tokens' audience. */
  serviceUrl: string;
  /** The service account Cloud Tasks signs ID tokens as. */
  tasksServiceAccount: string;
  auth: CloudRunAuthOptions;
  requestTimeoutMs?: number;
  safetyMarginMs?: number;
  /** Sleeps up to this long wait in process; longer ones suspend and are woken by a task. @default 1000 */
  maxInProcessWaitMs?: number;
  /** Passed to the scheduler (tests shorten Cloud Tasks' 30-day horizon to see chaining). */
  maxScheduleAheadMs?: number;
}

export const OrderParamsSchema = z.object({
  orderId: z.string().min(1).max(64),
  amountCents: z.number().int(),
  coolOffMs: z.number().int().min(0).optional(),
});

export function createOrderService(options: OrderServiceOptions) {
  const scheduler = createCloudTasksScheduler({
    client: options.tasks,
    queue: options.queue,
    url: new URL('/_cairn/wake', options.serviceUrl).toString(),
    serviceAccountEmail: options.tasksServiceAccount,
    audience: options.serviceUrl.replace(/\/$/, ''),
    maxScheduleAheadMs: options.maxScheduleAheadMs,
    dispatchDeadlineSeconds: Math.min(1800, Math.max(15, Math.ceil((options.requestTimeoutMs ?? 300_000) / 1000))),
  });
  const runtime = createRuntime({
    store: options.store,
    scheduler,
    workflows: { ORDER: { workflow: OrderWorkflow, params: OrderParamsSchema } },
    maxInProcessWaitMs: options.maxInProcessWaitMs ?? 1000,
    retention: '30 days',
  });
  const handler = createCloudRunHandler({
    runtime,
    auth: options.auth,
    requestTimeoutMs: options.requestTimeoutMs,
    safetyMarginMs: options.safetyMarginMs,
  });
  return { runtime, handler };
}
