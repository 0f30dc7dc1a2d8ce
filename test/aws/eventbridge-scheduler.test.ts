import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CairnError, WakeMessageSchema, createMemoryStore, createRuntime, WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { createEventBridgeScheduler, scheduleName } from '@cairn/scheduler-eventbridge';
import { lambdaClient, SCHEDULER_ROLE_ARN, schedulerClient } from './support/clients.ts';
import { startLambdaStandIn, type LambdaStandIn } from './support/lambda-stand-in.ts';
import { startSchedulerStandIn, type SchedulerStandIn } from './support/scheduler-stand-in.ts';

let lambda: LambdaStandIn;
let scheduler: SchedulerStandIn;
const received: unknown[] = [];

beforeAll(async () => {
  lambda = await startLambdaStandIn({ functionName: 'cairn-fn', createHandler: () => async (event) => void received.push(event) });
  scheduler = await startSchedulerStandIn({ groups: ['cairn'], invoke: (arn, input) => lambda.invokeAsync(arn, input) });
});
afterAll(async () => {
  await scheduler?.stop();
  await lambda?.stop();
});

function adapter(overrides: Record<string, unknown> = {}) {
  return createEventBridgeScheduler({
    client: schedulerClient(scheduler.endpoint),
    lambdaClient: lambdaClient(lambda.endpoint),
    targetArn: lambda.functionArn,
    roleArn: SCHEDULER_ROLE_ARN,
    groupName: 'cairn',
    immediateWindowMs: 1_000,
    ...overrides,
  });
}

async function until(check: () => boolean, ms = 5_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('createEventBridgeScheduler', () => {
  it('creates a one-time UTC schedule that delivers the wake message and deletes itself', async () => {
    const wakeAt = Date.now() + 1_500;
    await adapter().schedule({ workflowName: 'ORDER', instanceId: 'o-1', wakeAt, wakeSeq: 2 });
    const record = scheduler.created.at(-1)!;
    expect(record.name).toBe('cairn.w.ORDER.o-1.2');
    expect(record.groupName).toBe('cairn');
    expect(record.expression).toBe(`at(${new Date(Math.ceil(wakeAt / 1000) * 1000).toISOString().slice(0, 19)})`);
    expect(record.request).toMatchObject({
      ScheduleExpressionTimezone: 'UTC',
      ActionAfterCompletion: 'DELETE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: { Arn: lambda.functionArn, RoleArn: SCHEDULER_ROLE_ARN, RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 } },
    });
    expect(JSON.parse(record.request.Target.Input)).toEqual({ kind: 'cairn.wake', workflowName: 'ORDER', instanceId: 'o-1', wakeSeq: 2, wakeAt });
    expect(scheduler.schedules.has('cairn/cairn.w.ORDER.o-1.2')).toBe(true);

    const before = received.length;
    await until(() => received.length > before, 4_000);
    // Never early: the schedule fires at the whole second at or after the wake-up.
    expect(scheduler.fired.at(-1)!.at).toBeGreaterThanOrEqual(wakeAt);
    expect(WakeMessageSchema.parse(received.at(-1))).toMatchObject({ instanceId: 'o-1', wakeSeq: 2 });
    expect(scheduler.schedules.has('cairn/cairn.w.ORDER.o-1.2')).toBe(false);
  });

  it('is idempotent per (instance, wakeSeq): a retried call is a success and delivers once', async () => {
    const wake = { workflowName: 'ORDER', instanceId: 'o-2', wakeAt: Date.now() + 1_200, wakeSeq: 7 };
    const eventbridge = adapter();
    await eventbridge.schedule(wake);
    await eventbridge.schedule(wake);
    await eventbridge.schedule({ ...wake, wakeAt: wake.wakeAt + 60_000 });
    expect(scheduler.errors.filter((error) => error.type === 'ConflictException')).toHaveLength(2);
    expect(scheduler.created.filter((record) => record.name === 'cairn.w.ORDER.o-2.7')).toHaveLength(1);
    await until(() => received.some((event) => (event as { instanceId?: string }).instanceId === 'o-2'), 4_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(received.filter((event) => (event as { instanceId?: string }).instanceId === 'o-2')).toHaveLength(1);
  });

  it('an id deleted and created again (a new incarnation) gets schedules of its own: no ConflictException taken for success', async () => {
    const wake = { workflowName: 'ORDER', instanceId: 'reused', wakeAt: Date.now() + 60_000, wakeSeq: 1 };
    const eventbridge = adapter();
    const conflictsBefore = scheduler.errors.filter((error) => error.type === 'ConflictException').length;
    await eventbridge.schedule({ ...wake, incarnation: 'aaaaaaaaaa' });
    await eventbridge.schedule({ ...wake, incarnation: 'bbbbbbbbbb' });
    expect(scheduler.errors.filter((error) => error.type === 'ConflictException')).toHaveLength(conflictsBefore);
    expect(scheduler.schedules.has('cairn/cairn.v.ORDER.reused.aaaaaaaaaa.1')).toBe(true);
    expect(scheduler.schedules.has('cairn/cairn.v.ORDER.reused.bbbbbbbbbb.1')).toBe(true);
    const input = JSON.parse(scheduler.created.at(-1)!.request.Target.Input);
    expect(input).toMatchObject({ instanceId: 'reused', wakeSeq: 1, incarnation: 'bbbbbbbbbb' });
  });

  it('invokes the function asynchronously for a wake-up due now, without a schedule', async () => {
    const count = scheduler.created.length;
    const wakeAt = Date.now() + 500;
    await adapter().schedule({ workflowName: 'ORDER', instanceId: 'o-3', wakeAt, wakeSeq: 0 });
    expect(scheduler.created.length).toBe(count);
    await until(() => received.some((event) => (event as { instanceId?: string }).instanceId === 'o-3'));
    const invocation = lambda.invocations.find((record) => (record.event as { instanceId?: string }).instanceId === 'o-3')!;
    expect(invocation.source).toBe('event');
    expect(invocation.event).toEqual({ kind: 'cairn.wake', workflowName: 'ORDER', instanceId: 'o-3', wakeSeq: 0, wakeAt });
  });

  it('names schedules within the service rules, hashing what does not fit', async () => {
    const long = scheduleName('cairn', 'A'.repeat(80), 'x', 3);
    const odd = scheduleName('cairn', 'Order Workflow/v2', 'x', 3);
    for (const name of [long, odd, scheduleName('cairn', 'W', 'i'.repeat(100), 123456789)]) {
      expect(name).toMatch(/^[0-9a-zA-Z\-_.]{1,64}$/);
    }
    expect(odd).toMatch(/^cairn\.h\.[0-9a-f]{32}\.3$/);
    expect(scheduleName('cairn', 'Order Workflow/v2', 'y', 3)).not.toBe(odd);
    expect(scheduleName('cairn', 'A-B', 'C', 1)).not.toBe(scheduleName('cairn', 'A', 'B-C', 1));
    expect(scheduleName('cairn', 'A.B', 'C', 1)).not.toBe(scheduleName('cairn', 'A', 'B', 1));
    // The service accepts the hashed names.
    await adapter().schedule({ workflowName: 'Order Workflow/v2 '.repeat(5), instanceId: 'i'.repeat(100), wakeAt: Date.now() + 3_600_000, wakeSeq: 1 });
    expect(scheduler.created.at(-1)!.name).toMatch(/^cairn\.h\.[0-9a-f]{32}\.1$/);
  });

  it('reports failures as AdapterError naming the option', async () => {
    const missingGroup = await adapter({ groupName: 'nope' })
      .schedule({ workflowName: 'ORDER', instanceId: 'o-4', wakeAt: Date.now() + 60_000, wakeSeq: 1 })
      .catch((error: unknown) => error);
    expect(CairnError.is(missingGroup, 'scheduler_error')).toBe(true);
    expect(missingGroup).toMatchObject({ name: 'AdapterError', adapter: 'eventbridge', operation: 'schedule', option: 'groupName' });
    expect((missingGroup as Error).cause).toMatchObject({ name: 'ResourceNotFoundException' });

    const missingFunction = await adapter({ targetArn: 'arn:aws:lambda:us-east-1:123456789012:function:gone' })
      .schedule({ workflowName: 'ORDER', instanceId: 'o-4', wakeAt: Date.now(), wakeSeq: 1 })
      .catch((error: unknown) => error);
    expect(missingFunction).toMatchObject({ name: 'AdapterError', adapter: 'eventbridge', operation: 'invoke', option: 'targetArn' });

    expect(() => adapter({ roleArn: 'not-an-arn' })).toThrow(/createEventBridgeScheduler options/);
    expect(() => adapter({ client: {} })).toThrow(/createEventBridgeScheduler options/);
  });

  it('the stand-in refuses what the service refuses', async () => {
    const { CreateScheduleCommand } = await import('@aws-sdk/client-scheduler');
    const client = schedulerClient(scheduler.endpoint);
    const base = {
      Name: 'ok-name',
      GroupName: 'cairn',
      ScheduleExpression: 'at(2099-01-01T00:00:00)',
      FlexibleTimeWindow: { Mode: 'OFF' as const },
      Target: { Arn: lambda.functionArn, RoleArn: SCHEDULER_ROLE_ARN, Input: '{}' },
    };
    const refused = async (input: object) =>
      client.send(new CreateScheduleCommand({ ...base, ...input })).then(
        () => null,
        (error: Error) => error.name,
      );
    expect(await refused({ Name: 'bad name' })).toBe('ValidationException');
    expect(await refused({ Name: 'x'.repeat(65) })).toBe('ValidationException');
    expect(await refused({ ScheduleExpression: 'at(2099-02-30T00:00:00)' })).toBe('ValidationException');
    expect(await refused({ ScheduleExpression: 'at(2099-01-01 00:00:00)' })).toBe('ValidationException');
    expect(await refused({ FlexibleTimeWindow: { Mode: 'FLEXIBLE' } })).toBe('ValidationException');
    expect(await refused({ Target: { ...base.Target, Input: 'x'.repeat(8193) } })).toBe('ValidationException');
    expect(await refused({ Target: { ...base.Target, RetryPolicy: { MaximumRetryAttempts: 186 } } })).toBe('ValidationException');
    expect(await refused({ GroupName: 'missing' })).toBe('ResourceNotFoundException');
    expect(await refused({})).toBe(null);
    expect(await refused({})).toBe('ConflictException');
  });

  it('each sleep costs exactly one CreateSchedule; starting costs one async invoke and no schedule', async () => {
    class ThreeNaps extends WorkflowEntrypoint {
      async run(_event: WorkflowEvent<unknown>, step: WorkflowStep) {
        for (let i = 0; i < 3; i++) {
          await step.do(`work ${i}`, async () => i);
          await step.sleep(`nap ${i}`, '1 hour');
        }
        return 'rested';
      }
    }
    // Virtual time: each replay happens an hour after the previous one, as the schedules would fire.
    let now = Date.now();
    const clock = { now: () => now, setTimer: () => () => {} };
    const runtime = createRuntime({
      store: createMemoryStore(),
      workflows: { NAPS: ThreeNaps },
      clock,
      scheduler: adapter({ clock }),
    });
    const schedulesBefore = scheduler.created.length;
    const invokesBefore = lambda.invocations.length;
    await runtime.workflow('NAPS').create({ id: 'naps' });
    expect(scheduler.created.length).toBe(schedulesBefore);
    await until(() => lambda.invocations.length === invokesBefore + 1);
    const ref = { workflowName: 'NAPS', instanceId: 'naps' };
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) {
      outcomes.push((await runtime.replay(ref)).outcome);
      now += 3_600_000 + 1_000;
    }
    expect(outcomes).toEqual(['suspended', 'suspended', 'suspended', 'complete']);
    const mine = scheduler.created.slice(schedulesBefore).filter((record) => JSON.parse(record.request.Target.Input).instanceId === 'naps');
    expect(mine).toHaveLength(3);
    expect(new Set(mine.map((record) => record.name)).size).toBe(3);
    await runtime.close();
  });
});
