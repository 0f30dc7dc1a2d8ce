// One trace through the Lambda host: a create over the Function URL with the caller's `traceparent`, the first
// run by async invoke, the sleep as an EventBridge schedule whose input carries the instance's trace context,
// and the approval; every host span (`cairn.wake`, host lambda) joins the caller's trace under the create span
// and holds the replay it ran.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trace } from '@opentelemetry/api';
import { createOrderRuntime } from '../../examples/aws-lambda/src/app.ts';
import { demoPayments } from '../../examples/aws-lambda/src/workflow.ts';
import { startDynamoDBLocal, type DynamoDBLocal } from '../emulators/dynamodb-local.ts';
import { enableContext, parentOf, telemetryRig, traceparentOf, type TelemetryRig } from '../telemetry/support.ts';
import { startAwsStack, until, type AwsStack } from './support/aws-stack.ts';

const CALLER = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 };

let dynamodb: DynamoDBLocal;
let stack: AwsStack;
let rig: TelemetryRig;
let disableContext: () => void;
beforeAll(async () => {
  // As a function's OpenTelemetry layer does: a provider and async context registered before the handler loads.
  rig = telemetryRig();
  trace.setGlobalTracerProvider(rig.tracerProvider);
  disableContext = enableContext();
  dynamodb = await startDynamoDBLocal();
  stack = await startAwsStack({
    dynamodb,
    createRuntime: (clients) => createOrderRuntime({ ...clients, payments: demoPayments(0), maxInProcessWaitMs: 1_000 }),
  });
});
afterAll(async () => {
  await stack?.stop();
  await dynamodb?.stop();
  trace.disable();
  disableContext?.();
  await rig?.shutdown();
});

describe('OpenTelemetry through the Lambda host', () => {
  it('carries the instance trace from the Function URL create through the EventBridge schedule to every replay', async () => {
    const created = await stack.request(
      'POST',
      '/workflows/ORDER/instances',
      { id: 'traced-1', params: { orderId: 't1', amount: 5, email: 'buyer@example.com', coolOff: '2 seconds' } },
      { traceparent: traceparentOf(CALLER) },
    );
    expect(created.status).toBe(201);
    const sleep = await until(
      async () => stack.scheduler.created.find((record) => JSON.parse(record.request.Target.Input).instanceId === 'traced-1'),
      15_000,
      'a cool-off schedule',
    );
    await until(async () => stack.scheduler.fired.some((fired) => fired.name === sleep.name), 10_000, 'the cool-off schedule to fire');
    await until(
      async () => (await stack.request('GET', '/workflows/ORDER/instances/traced-1')).json.status === 'waiting' && stack.scheduler.created.length >= 2,
      10_000,
      'the approval wait',
    );
    await stack.request('POST', '/workflows/ORDER/instances/traced-1/events', { type: 'approval', payload: { approved: true, by: 'maria' } });
    await until(async () => (await stack.request('GET', '/workflows/ORDER/instances/traced-1')).json.status === 'complete', 10_000, 'completion');
    await stack.lambda.idle();
    await rig.tracerProvider.forceFlush();

    const create = rig.span('cairn.create');
    expect(create.spanContext().traceId).toBe(CALLER.traceId);
    expect(parentOf(create)).toBe(CALLER.spanId);
    // The schedule's input (an EventBridge Scheduler target) carries the instance's trace context.
    expect(JSON.parse(sleep.request.Target.Input)).toMatchObject({ kind: 'cairn.wake', instanceId: 'traced-1', trace: traceparentOf(create.spanContext()) });

    const wakes = rig.spans().filter((span) => span.name === 'cairn.wake' && span.attributes['cairn.instance.id'] === 'traced-1');
    expect(wakes.length).toBeGreaterThanOrEqual(2);
    for (const wake of wakes) {
      expect(wake.attributes['cairn.host']).toBe('lambda');
      expect(wake.spanContext().traceId).toBe(CALLER.traceId);
      expect(parentOf(wake)).toBe(create.spanContext().spanId);
    }
    const replays = rig.spans().filter((span) => span.name === 'cairn.replay' && span.attributes['cairn.instance.id'] === 'traced-1');
    expect(replays.map((span) => span.attributes['cairn.replay.outcome'])).toContain('complete');
    const wakeIds = new Set(wakes.map((wake) => wake.spanContext().spanId));
    for (const replay of replays) {
      expect(replay.spanContext().traceId).toBe(CALLER.traceId);
      // A replay ran by a wake is inside its wake span; the one the approval started, under the Function URL request's trace.
      expect(wakeIds.has(parentOf(replay)!) || parentOf(replay) === CALLER.spanId || parentOf(replay) === create.spanContext().spanId).toBe(true);
    }
    expect(replays.filter((replay) => wakeIds.has(parentOf(replay)!)).length).toBeGreaterThanOrEqual(2);
  });
});
