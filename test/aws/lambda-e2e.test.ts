// End to end on local stand-ins: the order workflow runs in the Lambda handler, its state in DynamoDB
// Local, its sleeps as EventBridge Scheduler schedules, its hand-overs as async invokes, its approval
// through a Function URL request.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep, type WorkflowStore } from '@cairn/core';
import { createDynamoDBStore } from '@cairn/store-dynamodb';
import { createEventBridgeScheduler } from '@cairn/scheduler-eventbridge';
import { createOrderRuntime } from '../../examples/aws-lambda/src/app.ts';
import { demoPayments, OrderParamsSchema, OrderWorkflow } from '../../examples/aws-lambda/src/workflow.ts';
import { startDynamoDBLocal, type DynamoDBLocal } from '../emulators/dynamodb-local.ts';
import { startAwsStack, until, type AwsStack } from './support/aws-stack.ts';
import { sweeperTick } from './support/events.ts';

let dynamodb: DynamoDBLocal;
beforeAll(async () => {
  dynamodb = await startDynamoDBLocal();
});
afterAll(async () => {
  await dynamodb?.stop();
});

const ref = (instanceId: string) => ({ workflowName: 'ORDER', instanceId });

async function statusOf(store: WorkflowStore, workflowName: string, instanceId: string) {
  return (await store.getInstance({ workflowName, instanceId }))?.status;
}

/** Every step key has exactly one outcome record, and no attempt ran twice. */
async function expectOneOutcomePerStep(store: WorkflowStore, workflowName: string, instanceId: string) {
  const journal = await store.loadJournal({ workflowName, instanceId });
  const outcomes = new Map<string, number>();
  for (const step of journal!.steps) {
    if (step.state === 'completed' || step.state === 'failed') outcomes.set(step.key, (outcomes.get(step.key) ?? 0) + 1);
  }
  for (const count of outcomes.values()) expect(count).toBe(1);
  return journal!;
}

function orderStack(extra: { deliveries?: number } = {}) {
  const payments = demoPayments(2);
  return {
    payments,
    start: () =>
      startAwsStack({
        dynamodb,
        deliveries: extra.deliveries,
        // Sleeps over 1 s become schedules, so the cool-off below goes through EventBridge Scheduler.
        createRuntime: (clients) => createOrderRuntime({ ...clients, payments, maxInProcessWaitMs: 1_000 }),
      }),
  };
}

describe('order workflow on Lambda + EventBridge Scheduler + DynamoDB', () => {
  let stack: AwsStack;
  const { payments, start } = orderStack();
  beforeAll(async () => {
    stack = await start();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('starts by async invoke, sleeps on a schedule, takes an approval through the Function URL and completes', async () => {
    const created = await stack.request('POST', '/workflows/ORDER/instances', {
      id: 'order-1',
      params: { orderId: 'o1', amount: 42, email: 'buyer@example.com', coolOff: '3 seconds' },
    });
    expect(created.status).toBe(201);
    expect(created.json.id).toBe('order-1');

    // The first run: an async invoke (no schedule), two declined charges retried in process, then the sleep.
    const sleep = await until(
      async () => stack.scheduler.created.find((record) => JSON.parse(record.request.Target.Input).instanceId === 'order-1'),
      15_000,
      'a cool-off schedule',
    );
    expect(sleep.request).toMatchObject({ ScheduleExpressionTimezone: 'UTC', ActionAfterCompletion: 'DELETE', FlexibleTimeWindow: { Mode: 'OFF' } });
    expect(stack.lambda.invocations[0]!.source).toBe('function-url');
    expect(stack.lambda.invocations.some((record) => record.source === 'event' && (record.event as { kind?: string }).kind === 'cairn.wake')).toBe(true);
    expect(payments.charges.get('o1')).toBe(3);
    expect(await statusOf(stack.store, 'ORDER', 'order-1')).toBe('waiting');

    // The schedule fires, the instance wakes and now waits for the approval (a 7-day timeout schedule).
    await until(async () => stack.scheduler.fired.some((fired) => fired.name === sleep.name), 10_000, 'the cool-off schedule to fire');
    await until(async () => stack.scheduler.created.length >= 2, 10_000, 'the approval timeout schedule');
    expect(stack.scheduler.schedules.has(`${sleep.groupName}/${sleep.name}`)).toBe(false);
    const waiting = await stack.request('GET', '/workflows/ORDER/instances/order-1');
    expect(waiting.json.status).toBe('waiting');

    const approved = await stack.request('POST', '/workflows/ORDER/instances/order-1/events', { type: 'approval', payload: { approved: true, by: 'maria' } });
    expect(approved.status).toBe(202);
    const done = await until(
      async () => {
        const response = await stack.request('GET', '/workflows/ORDER/instances/order-1');
        return response.json.status === 'complete' && response;
      },
      10_000,
      'completion',
    );
    expect(done.json.output).toEqual({
      orderId: 'o1',
      status: 'fulfilled',
      paymentId: 'pay-o1',
      approvedBy: 'maria',
      trackingId: 'trk-o1',
      receipt: { sentTo: 'buyer@example.com' },
    });
    await expectOneOutcomePerStep(stack.store, 'ORDER', 'order-1');
    expect(payments.charges.get('o1')).toBe(3);
    await stack.lambda.idle();
    expect(stack.lambda.invocations.filter((record) => record.outcome !== 'ok')).toEqual([]);

    const missing = await stack.request('GET', '/workflows/ORDER/instances/nope');
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('instance_not_found');
  });

  it('the sweeper tick (an EventBridge rule event) wakes instances whose wake-up was lost', async () => {
    // An instance whose wake-up never reached the scheduler: created directly in the store as due.
    const runtime = createRuntime({
      store: stack.store,
      scheduler: { name: 'lost', schedule: async () => {} },
      workflows: { ORDER: { workflow: OrderWorkflow, params: OrderParamsSchema } },
    });
    await runtime.workflow('ORDER').create({ id: 'order-lost', params: { orderId: 'lost', amount: 1, email: 'a@b.co', coolOff: 1 } });
    expect(stack.lambda.invocations.some((record) => (record.event as { instanceId?: string }).instanceId === 'order-lost')).toBe(false);
    expect(await stack.invokeAsync(sweeperTick('e1d2'))).toBe(202);
    await until(
      async () =>
        (await statusOf(stack.store, 'ORDER', 'order-lost')) === 'waiting' &&
        (await stack.store.loadJournal(ref('order-lost')))!.steps.some((step) => step.kind === 'wait'),
      15_000,
      'the swept instance to reach its approval',
    );
    expect(payments.charges.get('lost')).toBe(3);
    await runtime.close();
  });
});

describe('duplicate deliveries and concurrent invocations', () => {
  let stack: AwsStack;
  const { payments, start } = orderStack({ deliveries: 3 });
  beforeAll(async () => {
    stack = await start();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('record one outcome per step and produce the same output', async () => {
    const params = { orderId: 'o2', amount: 7, email: 'x@example.com', coolOff: '2 seconds' };
    expect((await stack.request('POST', '/workflows/ORDER/instances', { id: 'order-2', params })).status).toBe(201);
    // Four more invocations race the first one for the same instance.
    const wake = { kind: 'cairn.wake', workflowName: 'ORDER', instanceId: 'order-2', wakeSeq: 0, wakeAt: Date.now() };
    expect(await Promise.all([1, 2, 3, 4].map(() => stack.invokeAsync(wake)))).toEqual([202, 202, 202, 202]);

    const sleep = await until(
      async () =>
        stack.scheduler.created.find((record) => JSON.parse(record.request.Target.Input).instanceId === 'order-2' && record.request.ScheduleExpression),
      15_000,
      'the sleep schedule',
    );
    await until(async () => stack.scheduler.fired.filter((fired) => fired.name === sleep.name).length === 3, 10_000, 'three deliveries of the schedule');
    await until(
      async () => (await stack.store.loadJournal(ref('order-2')))!.steps.some((step) => step.kind === 'wait'),
      10_000,
      'the sleep to end (the approval wait begins)',
    );
    // Concurrent approvals and wake-ups again.
    const [approval] = await Promise.all([
      stack.request('POST', '/workflows/ORDER/instances/order-2/events', { type: 'approval', payload: { approved: true, by: 'li' } }),
      stack.invokeAsync({ ...wake, wakeSeq: 5 }),
      stack.invokeAsync({ ...wake, wakeSeq: 5 }),
    ]);
    expect(approval.status).toBe(202);
    const done = await until(
      async () => {
        const response = await stack.request('GET', '/workflows/ORDER/instances/order-2');
        return response.json.status === 'complete' && response;
      },
      15_000,
      'completion',
    );
    await stack.lambda.idle();

    expect(done.json.output).toEqual({
      orderId: 'o2',
      status: 'fulfilled',
      paymentId: 'pay-o2',
      approvedBy: 'li',
      trackingId: 'trk-o2',
      receipt: { sentTo: 'x@example.com' },
    });
    const journal = await expectOneOutcomePerStep(stack.store, 'ORDER', 'order-2');
    // Two declines and one success: each attempt ran once although up to five invocations raced.
    expect(payments.charges.get('o2')).toBe(3);
    expect(journal.steps.filter((step) => step.key.startsWith('do:charge payment') && step.state === 'attempt-failed')).toHaveLength(2);
    // Several environments ran concurrently; the losers saw the instance busy or already done.
    expect(stack.lambda.coldStarts).toBeGreaterThan(1);
    const wakeResults = stack.lambda.invocations
      .filter((record) => (record.event as { kind?: string }).kind === 'cairn.wake')
      .map((record) => (record.result as { outcome?: string } | undefined)?.outcome);
    // At least 5 racing starts, 3 deliveries of the sleep schedule, 2 racing wake-ups after the approval.
    expect(wakeResults.length).toBeGreaterThanOrEqual(10);
    for (const outcome of wakeResults) expect(['suspended', 'busy', 'complete', 'lease_lost']).toContain(outcome);
    expect(stack.lambda.invocations.filter((record) => record.outcome !== 'ok')).toEqual([]);
    // The same output for everyone who asks again.
    expect((await stack.request('GET', '/workflows/ORDER/instances/order-2')).json.output).toEqual(done.json.output);
  });
});

class LongCompute extends WorkflowEntrypoint<{ ran: Map<string, number> }, { steps: number; stepMs: number }> {
  async run(event: WorkflowEvent<{ steps: number; stepMs: number }>, step: WorkflowStep) {
    let total = 0;
    for (let i = 0; i < event.payload.steps; i++) {
      total += await step.do(`chunk ${i}`, async () => {
        this.env.ran.set(`chunk ${i}`, (this.env.ran.get(`chunk ${i}`) ?? 0) + 1);
        await new Promise((resolve) => setTimeout(resolve, event.payload.stepMs));
        return i;
      });
    }
    return { total };
  }
}

describe('an invocation that runs out of time', () => {
  let stack: AwsStack;
  const ran = new Map<string, number>();
  beforeAll(async () => {
    stack = await startAwsStack({
      dynamodb,
      timeoutMs: 4_000,
      safetyMarginMs: 2_000,
      createRuntime: (clients) =>
        createRuntime({
          store: createDynamoDBStore({ client: clients.dynamodb, tableName: clients.tableName }),
          scheduler: createEventBridgeScheduler({
            client: clients.scheduler,
            lambdaClient: clients.lambda,
            targetArn: clients.functionArn,
            roleArn: clients.schedulerRoleArn,
            groupName: clients.scheduleGroup,
          }),
          workflows: { LONG: LongCompute },
          env: { ran },
        }),
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('hands over to a fresh invocation and continues correctly', async () => {
    // 12 steps of 300 ms = 3.6 s of work; each invocation may start steps for 2 s of its 4 s.
    expect((await stack.request('POST', '/workflows/LONG/instances', { id: 'long-1', params: { steps: 12, stepMs: 300 } })).status).toBe(201);
    const done = await until(
      async () => {
        const response = await stack.request('GET', '/workflows/LONG/instances/long-1');
        return response.json.status === 'complete' && response;
      },
      20_000,
      'completion',
    );
    await stack.lambda.idle();
    expect(done.json.output).toEqual({ total: 66 });
    expect([...ran.values()]).toEqual(Array(12).fill(1));
    const wakes = stack.lambda.invocations.filter((record) => (record.event as { instanceId?: string }).instanceId === 'long-1');
    expect(wakes.length).toBeGreaterThanOrEqual(2);
    expect(wakes.filter((record) => (record.result as { outcome?: string }).outcome === 'continue').length).toBeGreaterThanOrEqual(1);
    // No invocation hit the function timeout, and no schedule was needed for the hand-overs.
    expect(stack.lambda.invocations.filter((record) => record.outcome !== 'ok')).toEqual([]);
    expect(stack.scheduler.created).toHaveLength(0);
    await expectOneOutcomePerStep(stack.store, 'LONG', 'long-1');
  });
});
