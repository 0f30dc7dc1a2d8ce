// Wake-ups: early or duplicate deliveries, long timers, sweeping due instances.
import { describe, expect, it } from 'vitest';
import { createMemoryStore, createRuntime, systemClock, WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { virtualRuntime } from './support/harness.js';

const Sleeper = class extends WorkflowEntrypoint {
  async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
    await step.sleep('nap', '30 days');
    return 'rested';
  }
};

describe('wake-ups', () => {
  it('an early or duplicate wake-up of a sleeping instance writes nothing and asks the scheduler again', async () => {
    const scheduled: number[] = [];
    const h = virtualRuntime({ W: Sleeper });
    const instance = await h.runtime.workflow('W').create();
    await h.until(instance, 'waiting');
    await h.runtime.idle();
    const before = (await h.store.getInstance({ workflowName: 'W', instanceId: instance.id }))!;
    const inner = h.runtime.scheduler.schedule.bind(h.runtime.scheduler);
    h.runtime.scheduler.schedule = async (wake) => {
      scheduled.push(wake.wakeAt);
      return inner(wake);
    };
    const report = await h.runtime.replay({ workflowName: 'W', instanceId: instance.id });
    expect(report).toMatchObject({ outcome: 'suspended', wakeAt: before.wakeAt });
    const after = (await h.store.getInstance({ workflowName: 'W', instanceId: instance.id }))!;
    expect(after.version).toBe(before.version);
    expect(scheduled).toEqual([before.wakeAt]);
    expect(await h.until(instance)).toEqual({ status: 'complete', output: 'rested' });
  });

  it('the system clock chains timers longer than Node allows (about 24.8 days) instead of firing at once', async () => {
    let fired = false;
    const cancel = systemClock.setTimer(() => (fired = true), 40 * 86_400_000);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(fired).toBe(false);
    cancel();
  });

  it('a replay may wait in process longer than the runtime default (maxInProcessWaitMs per replay)', async () => {
    const Nap = class extends WorkflowEntrypoint {
      async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
        await step.sleep('nap', '5 seconds');
        return 'done';
      }
    };
    const h = virtualRuntime({ W: Nap }, { scheduler: { name: 'none', schedule: async () => {} } });
    await h.runtime.workflow('W').create({ id: 'short' });
    const ref = { workflowName: 'W', instanceId: 'short' };
    const defaultReport = h.runtime.replay(ref);
    await h.clock.advance(0);
    expect(await defaultReport).toMatchObject({ outcome: 'suspended', reason: 'sleep' });
    await h.store.updateInstance({ ...ref, expectedVersion: (await h.store.getInstance(ref))!.version, patch: { wakeAt: h.clock.now() } });
    const patient = h.runtime.replay(ref, { maxInProcessWaitMs: 10_000 });
    await h.clock.advance(5_000);
    expect(await patient).toMatchObject({ outcome: 'complete' });
  });

  it('sweep({ deadline }) replays due instances with that deadline and retries nothing in process', async () => {
    const store = createMemoryStore();
    const Busy = class extends WorkflowEntrypoint {
      async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
        for (let i = 0; i < 3; i++) await step.do(`s${i}`, async () => new Promise((resolve) => setTimeout(resolve, 20)));
        return 'done';
      }
    };
    const idle = createRuntime({ store, workflows: { W: Busy }, scheduler: { name: 'none', schedule: async () => {} } });
    await idle.workflow('W').create({ id: 'slow' });
    expect(await idle.sweep({ deadline: Date.now() + 30 })).toBe(1);
    const after = (await store.getInstance({ workflowName: 'W', instanceId: 'slow' }))!;
    expect(after.status).toBe('running'); // the deadline came with work left: due again at once
    expect(after.leaseOwner).toBeNull();
    expect(after.wakeAt).not.toBeNull();
    await idle.sweep({ deadline: Date.now() + 5_000 });
    expect((await store.getInstance({ workflowName: 'W', instanceId: 'slow' }))!.status).toBe('complete');
  });

  it('sweep() replays every due instance, e.g. after a restart lost the in-process timers', async () => {
    const store = createMemoryStore();
    const lost = createRuntime({ store, workflows: { W: Sleeper }, scheduler: { name: 'lost', schedule: async () => {} } });
    await lost.workflow('W').createBatch([{ id: 'a' }, { id: 'b' }]);
    const fresh = createRuntime({ store, workflows: { W: Sleeper } });
    expect(await fresh.sweep()).toBe(2);
    await fresh.idle();
    for (const id of ['a', 'b']) expect((await store.getInstance({ workflowName: 'W', instanceId: id }))!.status).toBe('waiting');
    await fresh.close();
  });
});
