// Per-workflow concurrency limits: at most `limit` instances run at once, across runners; the rest stay queued
// and start as running ones finish or suspend; waiting instances hold no slot.
import { describe, expect, it } from 'vitest';
import { createMemoryStore, createRuntime, WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { faultyStore } from './support/faulty-store.js';
import { eventually } from './support/harness.js';

function tracker() {
  let running = 0;
  let peak = 0;
  return {
    get peak() {
      return peak;
    },
    async work(ms: number) {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, ms));
      running--;
    },
  };
}

const allComplete = (store: ReturnType<typeof createMemoryStore>, workflowName: string, count: number) =>
  eventually(async () => (await store.listInstances({ workflowName, status: 'complete', limit: 1_000 })).instances.length === count, 20_000);

describe('concurrency limits', () => {
  it('runs at most `limit` instances at once; the others wait queued and all complete', async () => {
    const load = tracker();
    const store = createMemoryStore();
    const runtime = createRuntime({
      store,
      workflows: {
        W: {
          workflow: class extends WorkflowEntrypoint {
            async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
              await step.do('work', () => load.work(30));
              await step.do('more', () => load.work(10));
            }
          },
          concurrency: { limit: 2 },
        },
      },
    });
    await runtime.workflow('W').createBatch(Array.from({ length: 8 }, (_, i) => ({ id: `w${i}` })));
    await eventually(async () => (await store.listInstances({ workflowName: 'W', status: 'queued' })).instances.length > 0);
    await allComplete(store, 'W', 8);
    expect(load.peak).toBe(2);
    await runtime.close();
  });

  it('a waiting instance holds no slot: another runs while it sleeps', async () => {
    const store = createMemoryStore();
    const runtime = createRuntime({
      store,
      workflows: {
        W: {
          workflow: class extends WorkflowEntrypoint<unknown, { nap: boolean }> {
            async run(event: WorkflowEvent<{ nap: boolean }>, step: WorkflowStep) {
              if (event.payload.nap) await step.sleep('nap', '1 hour');
              return step.do('done', async () => 'done');
            }
          },
          concurrency: { limit: 1 },
        },
      },
    });
    const sleeper = await runtime.workflow('W').create({ id: 'sleeper', params: { nap: true } });
    await eventually(async () => (await sleeper.status()).status === 'waiting');
    const other = await runtime.workflow('W').create({ id: 'other', params: { nap: false } });
    await eventually(async () => (await other.status()).status === 'complete');
    await runtime.close();
  });

  it('two runners on one store share the limit', async () => {
    const load = tracker();
    const store = createMemoryStore();
    const Workflow = class extends WorkflowEntrypoint {
      async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
        await step.do('work', () => load.work(40));
      }
    };
    const runners = [0, 1].map((n) => createRuntime({ store, owner: `runner-${n}`, workflows: { W: { workflow: Workflow, concurrency: { limit: 1 } } } }));
    await runners[0]!.workflow('W').createBatch(Array.from({ length: 3 }, (_, i) => ({ id: `a${i}` })));
    await runners[1]!.workflow('W').createBatch(Array.from({ length: 3 }, (_, i) => ({ id: `b${i}` })));
    await allComplete(store, 'W', 6);
    expect(load.peak).toBe(1);
    await Promise.all(runners.map((runner) => runner.close()));
  });

  it('a runner that dies holding a slot frees it when its lease expires', async () => {
    const inner = createMemoryStore();
    const faults = { dead: false };
    const Workflow = class extends WorkflowEntrypoint {
      async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
        await step.do('work', async () => {
          if (faults.dead === false && _e.instanceId === 'first') {
            faults.dead = true; // this runner's store calls hang from now on: it is gone
            return new Promise(() => {});
          }
          return 'ok';
        });
      }
    };
    const dying = createRuntime({
      store: faultyStore(inner, faults),
      owner: 'dying',
      leaseMs: 300,
      onError: () => undefined,
      workflows: { W: { workflow: Workflow, concurrency: { limit: 1 } } },
    });
    await dying.workflow('W').create({ id: 'first' });
    await eventually(async () => faults.dead);
    const survivor = createRuntime({ store: inner, owner: 'survivor', leaseMs: 300, workflows: { W: { workflow: Workflow, concurrency: { limit: 1 } } } });
    await survivor.workflow('W').create({ id: 'second' });
    // The slot and the first instance's lease expire; the survivor's sweeps run both.
    await eventually(async () => {
      await survivor.sweep();
      return (await inner.listInstances({ workflowName: 'W', status: 'complete' })).instances.length === 2;
    }, 15_000);
  });

  it('a bad limit, or the reserved binding name, fails createRuntime', () => {
    const W = class extends WorkflowEntrypoint {
      async run() {}
    };
    expect(() => createRuntime({ store: createMemoryStore(), workflows: { W: { workflow: W, concurrency: { limit: 0 } } } })).toThrow(/limit/);
    expect(() => createRuntime({ store: createMemoryStore(), workflows: { __cairn_concurrency: W } })).toThrow(/reserved/);
  });
});
