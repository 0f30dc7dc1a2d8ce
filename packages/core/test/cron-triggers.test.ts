// Cron-triggered instances: `schedules` per workflow, fired by an in-process timer or by fireSchedules()/sweep().
import { describe, expect, it } from 'vitest';
import { createRuntime, WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { virtualRuntime } from './support/harness.js';

const HOUR = 3_600_000;
const seen: Array<{ id: string; payload: unknown; schedule: unknown }> = [];

class Report extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<unknown>, step: WorkflowStep) {
    await step.do('record', async () => void seen.push({ id: event.instanceId, payload: event.payload, schedule: event.schedule }));
    return event.schedule?.scheduledTime;
  }
}

describe('cron schedules', () => {
  it('an in-process timer creates one instance per fire time, with event.schedule and params {}', async () => {
    seen.length = 0;
    const h = virtualRuntime({ REPORT: { workflow: Report, schedules: ['0 * * * *'] }, PLAIN: Report });
    const t0 = h.clock.now(); // 2026-01-01T00:00Z
    await h.clock.advance(3 * HOUR);
    await h.runtime.idle();
    const instances = (await h.store.listInstances({ workflowName: 'REPORT' })).instances;
    expect(instances.map((i) => i.status)).toEqual(['complete', 'complete', 'complete']);
    const times = [t0 + HOUR, t0 + 2 * HOUR, t0 + 3 * HOUR];
    expect(seen.map((s) => s.schedule)).toEqual(times.map((scheduledTime) => ({ cron: '0 * * * *', scheduledTime })));
    expect(seen.every((s) => JSON.stringify(s.payload) === '{}' && /^cron-[0-9a-z]+-\d+$/.test(s.id))).toBe(true);
    expect((await h.store.listInstances({ workflowName: 'PLAIN' })).instances).toEqual([]);
    await h.runtime.close();
  });

  it('fireSchedules() catches up on the last 10 minutes, once, whichever runtime fires first', async () => {
    const h = virtualRuntime({ REPORT: { workflow: Report, schedules: ['*/5 * * * *'] } }, { cronTimers: false });
    await h.clock.advance(32 * 60_000); // 00:32: fire times 00:25 and 00:30 fall in the last 10 minutes
    expect(await h.runtime.fireSchedules()).toBe(2);
    expect(await h.runtime.fireSchedules()).toBe(0);
    const other = createRuntime({ store: h.store, clock: h.clock, workflows: { REPORT: { workflow: Report, schedules: ['*/5 * * * *'] } }, cronTimers: false });
    expect(await other.fireSchedules({ lookbackMs: HOUR })).toBe(10); // 23:35 ... 00:20; 00:25 and 00:30 exist
    expect(await h.runtime.sweep()).toBeGreaterThanOrEqual(0);
    expect((await h.store.listInstances({ workflowName: 'REPORT' })).instances).toHaveLength(12);
    await other.close();
    await h.runtime.close();
  });

  it('an invalid expression fails createRuntime, naming it', () => {
    expect(() => virtualRuntime({ REPORT: { workflow: Report, schedules: ['0 25 * * *'] } })).toThrow(/0 25 \* \* \*/);
  });
});
