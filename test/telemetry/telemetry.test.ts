// OpenTelemetry with the real SDK, on the memory store and on SQLite: the spans of a workflow with a retried
// step, a sleep that suspends, an event wait and rollbacks, their attributes and parentage (one trace from the
// caller's span through every replay), spans made inside a step nested under its attempt, and the metrics.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metrics, SpanStatusCode } from '@opentelemetry/api';
import {
  createMemoryStore,
  createRuntime,
  NonRetryableError,
  WorkflowEntrypoint,
  type WorkflowEvent,
  type WorkflowStep,
  type WorkflowStore,
} from '@cairn/core';
import { createSqliteStore } from '@cairn/store-sqlite';
import { createVirtualClock } from '../../packages/core/test/support/virtual-clock.ts';
import { enableContext, parentOf, telemetryRig, trace, traceparentOf, type TelemetryRig } from './support.ts';

let failures = 0;
class Order extends WorkflowEntrypoint {
  async run(_event: WorkflowEvent<unknown>, step: WorkflowStep) {
    await step.do('reserve', async () => 'hold-1', { rollback: async () => {} });
    await step.do('charge', { retries: { limit: 2, delay: '1 second', backoff: 'constant' } }, async () => {
      // The step's own instrumentation: its span is the attempt's child.
      trace.getTracer('card-client').startActiveSpan('card-api POST', (span) => span.end());
      if (failures++ === 0) throw new Error('card service busy');
      return 'ch_1';
    });
    await step.sleep('cool off', '1 hour');
    const approval = await step.waitForEvent<{ by: string }>('approval', { type: 'approved', timeout: '1 day' });
    if (approval.payload.by === 'nobody') throw new NonRetryableError('nobody approved');
    return 'shipped';
  }
}

// The memory store's runtime is given its providers; the SQLite one finds them registered globally.
const stores: Array<[string, () => { store: WorkflowStore; cleanup: () => void }]> = [
  ['memory', () => ({ store: createMemoryStore(), cleanup: () => {} })],
  [
    'sqlite',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'cairn-otel-'));
      const store = createSqliteStore({ path: join(dir, 'cairn.db') });
      return { store, cleanup: () => (store.close(), rmSync(dir, { recursive: true, force: true })) };
    },
  ],
];

let disableContext: () => void;
beforeAll(() => {
  disableContext = enableContext();
});
afterAll(() => disableContext());

describe.each(stores)('OpenTelemetry on the %s store', (name, makeStore) => {
  let rig: TelemetryRig;
  let checkout: { traceId: string; spanId: string };
  let recordedTrace: string | undefined;

  beforeAll(async () => {
    failures = 0;
    rig = telemetryRig();
    // The workflow's own instrumentation (and, for SQLite, Cairn's too) finds the providers globally.
    trace.setGlobalTracerProvider(rig.tracerProvider);
    if (name === 'sqlite') metrics.setGlobalMeterProvider(rig.meterProvider);
    const { store, cleanup } = makeStore();
    const clock = createVirtualClock();
    const runtime = createRuntime({
      store,
      clock,
      owner: 'runner-a',
      workflows: { ORDER: Order },
      ...(name === 'memory' ? { telemetry: { tracerProvider: rig.tracerProvider, meterProvider: rig.meterProvider } } : {}),
    });
    // The caller's own span: the instance's trace is this one.
    const instance = await trace.getTracer('shop').startActiveSpan('checkout', async (span) => {
      checkout = span.spanContext();
      try {
        return await runtime.workflow('ORDER').create({ id: 'o-1' });
      } finally {
        span.end();
      }
    });
    recordedTrace = (await store.getInstance({ workflowName: 'ORDER', instanceId: 'o-1' }))?.trace;
    const until = async (status: string) => clock.runUntil(async () => (await instance.status()).status === status);
    // The retry delay (held in process, read as waiting), then the sleep (suspended).
    await until('waiting');
    await clock.advance(1_000);
    await until('waiting');
    await clock.advance(3_600_000);
    await until('waiting');
    await instance.sendEvent({ type: 'approved', payload: { by: 'nobody' } });
    await until('errored');
    await runtime.close();
    await rig.tracerProvider.forceFlush();
    cleanup();
  });
  afterAll(async () => {
    trace.disable();
    metrics.disable();
    await rig.shutdown();
  });

  it('records the create span on the instance, as a child of the caller, and carries it in the first wake-up', () => {
    const create = rig.span('cairn.create');
    expect(create.spanContext().traceId).toBe(checkout.traceId);
    expect(parentOf(create)).toBe(checkout.spanId);
    expect(create.attributes).toMatchObject({ 'cairn.workflow.name': 'ORDER', 'cairn.instance.id': 'o-1' });
    expect(recordedTrace).toBe(traceparentOf(create.spanContext()));
  });

  it('makes one span per replay, each in the caller trace under the create span, with its outcome and runner', () => {
    const create = rig.span('cairn.create');
    const replays = rig.spans().filter((span) => span.name === 'cairn.replay');
    expect(replays.map((span) => span.attributes['cairn.replay.outcome'])).toEqual(['suspended', 'suspended', 'errored']);
    for (const replay of replays) {
      expect(replay.spanContext().traceId).toBe(checkout.traceId);
      expect(parentOf(replay)).toBe(create.spanContext().spanId);
      expect(replay.attributes).toMatchObject({ 'cairn.workflow.name': 'ORDER', 'cairn.instance.id': 'o-1', 'cairn.runner': 'runner-a' });
    }
    expect(replays[2]!.status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'NonRetryableError: nobody approved' });
  });

  it('makes a span per step attempt under its replay, with kind, attempt, outcome and the error; replayed steps make none', () => {
    const [first] = rig.spans().filter((span) => span.name === 'cairn.replay');
    const steps = rig.spans().filter((span) => span.name.startsWith('cairn.step '));
    const described = steps.map(
      (span) => `${span.name} ${span.attributes['cairn.step.kind']} #${span.attributes['cairn.step.attempt']} ${span.attributes['cairn.step.outcome']}`,
    );
    expect(described.sort()).toEqual(
      [
        'cairn.step reserve do #1 completed',
        'cairn.step charge do #1 retrying',
        'cairn.step charge do #2 completed',
        'cairn.step cool off sleep #0 completed',
        'cairn.step approval waitForEvent #1 completed',
        'cairn.step reserve rollback #1 completed',
      ].sort(),
    );
    const retried = rig.span('cairn.step charge', (span) => span.attributes['cairn.step.outcome'] === 'retrying');
    expect(retried.status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'Error: card service busy' });
    expect(retried.events.map((event) => event.name)).toEqual(['exception']);
    expect(parentOf(retried)).toBe(first!.spanContext().spanId);
    expect(parentOf(rig.span('cairn.step reserve', (span) => span.attributes['cairn.step.kind'] === 'do'))).toBe(first!.spanContext().spanId);
  });

  it('nests spans the step code makes under the attempt that made them', () => {
    const attempts = rig.spans().filter((span) => span.name === 'cairn.step charge' && span.attributes['cairn.step.kind'] === 'do');
    const inner = rig.spans().filter((span) => span.name === 'card-api POST');
    expect(inner.map(parentOf).sort()).toEqual(attempts.map((span) => span.spanContext().spanId).sort());
  });

  it('puts sleeps and waits, which outlive a replay, under the instance span, spanning the time they took', () => {
    const create = rig.span('cairn.create');
    const sleep = rig.span('cairn.step cool off');
    expect(parentOf(sleep)).toBe(create.spanContext().spanId);
    const seconds = sleep.duration[0] + sleep.duration[1] / 1e9;
    expect(seconds).toBeGreaterThanOrEqual(3600);
    expect(seconds).toBeLessThan(3700);
    expect(parentOf(rig.span('cairn.step approval'))).toBe(create.spanContext().spanId);
    const last = rig.spans().filter((span) => span.name === 'cairn.replay')[2]!;
    expect(parentOf(rig.span('cairn.step reserve', (span) => span.attributes['cairn.step.kind'] === 'rollback'))).toBe(last.spanContext().spanId);
  });

  it('counts instances and steps and records durations and wake lateness', async () => {
    expect(await rig.counter('cairn.instance.started')).toBe(1);
    expect(await rig.counter('cairn.instance.errored')).toBe(1);
    expect(await rig.counter('cairn.instance.completed')).toBeUndefined();
    expect(await rig.counter('cairn.step.retried')).toBe(1);
    // reserve, charge, the sleep, the wait and the rollback of reserve
    expect(await rig.counter('cairn.step.completed')).toBe(5);
    expect(await rig.histogramCount('cairn.step.duration')).toBe(6);
    expect(await rig.histogramCount('cairn.replay.duration')).toBe(3);
    expect(await rig.histogramCount('cairn.wake.lateness')).toBeGreaterThanOrEqual(2);
  });
});

describe('OpenTelemetry off', () => {
  it('without a provider, nothing is recorded on the instance and nothing wraps the store', async () => {
    const store = createMemoryStore();
    const runtime = createRuntime({ store, workflows: { ORDER: Order } });
    expect(runtime.store).toBe(store);
    await runtime.workflow('ORDER').create({ id: 'plain' });
    expect('trace' in (await store.getInstance({ workflowName: 'ORDER', instanceId: 'plain' }))!).toBe(false);
    await runtime.close();
  });

  it('telemetry: false turns a given provider off; a provider that is not one is refused by name', async () => {
    const rig = telemetryRig();
    const store = createMemoryStore();
    const off = createRuntime({ store, workflows: { ORDER: Order }, telemetry: false });
    expect(off.store).toBe(store);
    await off.close();
    expect(() => createRuntime({ store, workflows: { ORDER: Order }, telemetry: { tracerProvider: {} as never } })).toThrow(
      /telemetry\.tracerProvider.*TracerProvider/,
    );
    await rig.shutdown();
  });
});
