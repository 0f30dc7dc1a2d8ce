// One trace through the Cloud Run host: an instance created inside the caller's span, every Cloud Tasks request
// that wakes it carrying the instance's trace context in its body, and each request's `cairn.wake` span (host
// cloud-run) joining the caller's trace under the create span and holding the replay it ran.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trace } from '@opentelemetry/api';
import { createMemoryStore } from '@cairn/core';
import { createOrderService } from '../../examples/cloud-run/src/app.ts';
import { enableContext, parentOf, telemetryRig, traceparentOf, type TelemetryRig } from '../telemetry/support.ts';
import { startGcpStack, TASKS_SA, type GcpStack } from './harness.js';

let stack: GcpStack;
let rig: TelemetryRig;
let disableContext: () => void;

beforeAll(async () => {
  rig = telemetryRig();
  trace.setGlobalTracerProvider(rig.tracerProvider);
  disableContext = enableContext();
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
  trace.disable();
  disableContext?.();
  await rig?.shutdown();
});

describe('OpenTelemetry through the Cloud Run host', () => {
  it('carries the instance trace in every Cloud Tasks request, and each request span holds its replay', async () => {
    const caller = await trace.getTracer('shop').startActiveSpan('checkout', async (span) => {
      try {
        await stack.runtime.workflow('ORDER').create({ id: 'traced-1', params: { orderId: 'T1', amountCents: 500, coolOffMs: 300 } });
        return span.spanContext();
      } finally {
        span.end();
      }
    });
    const ref = { workflowName: 'ORDER', instanceId: 'traced-1' };
    const until = Date.now() + 15_000;
    while (!(await stack.runtime.store.loadJournal(ref))!.steps.some((s) => s.id === 'wait:manager approval-1#start')) {
      if (Date.now() > until) throw new Error('the instance never reached its waitForEvent');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await stack.call('POST', '/workflows/ORDER/instances/traced-1/events', { type: 'approval', payload: { approvedBy: 'maria' } })).status).toBe(202);
    await stack.waitForStatus('ORDER', 'traced-1', 'complete');
    await stack.emulator.drain();
    await rig.tracerProvider.forceFlush();

    const create = rig.span('cairn.create');
    expect(parentOf(create)).toBe(caller.spanId);
    const tasks = [...stack.emulator.tasks.values()].map((task) => JSON.parse(task.body.toString()) as { instanceId: string; trace?: string });
    const ours = tasks.filter((task) => task.instanceId === 'traced-1');
    expect(ours.length).toBeGreaterThanOrEqual(4);
    expect(new Set(ours.map((task) => task.trace))).toEqual(new Set([traceparentOf(create.spanContext())]));

    const wakes = rig.spans().filter((span) => span.name === 'cairn.wake' && span.attributes['cairn.instance.id'] === 'traced-1');
    expect(wakes.length).toBeGreaterThanOrEqual(4);
    for (const wake of wakes) {
      expect(wake.attributes['cairn.host']).toBe('cloud-run');
      expect(wake.spanContext().traceId).toBe(caller.traceId);
      expect(parentOf(wake)).toBe(create.spanContext().spanId);
    }
    const wakeIds = new Set(wakes.map((wake) => wake.spanContext().spanId));
    const replays = rig.spans().filter((span) => span.name === 'cairn.replay' && span.attributes['cairn.instance.id'] === 'traced-1');
    expect(replays.every((replay) => replay.spanContext().traceId === caller.traceId)).toBe(true);
    expect(replays.filter((replay) => wakeIds.has(parentOf(replay)!)).length).toBeGreaterThanOrEqual(3);
    expect(replays.map((replay) => replay.attributes['cairn.replay.outcome'])).toContain('complete');
  });
});
