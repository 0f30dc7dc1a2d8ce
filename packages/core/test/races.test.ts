// Correctness under failure: racing runners, events mid-replay, crashes between side effect and checkpoint.
import { describe, expect, it } from 'vitest';
import { createMemoryStore, createRuntime, WorkflowEntrypoint, type StepRecord, type WorkflowEvent, type WorkflowStep, type WorkflowStore } from '@cairn/core';
import { faultyStore, type Faults } from './support/faulty-store.js';
import { eventually } from './support/harness.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Each step records a side effect; the output is computed from step results only. */
function makeWorkflow(sideEffects: Map<string, number>) {
  return class extends WorkflowEntrypoint {
    async run(event: WorkflowEvent<{ n: number }>, step: WorkflowStep) {
      const values: number[] = [];
      for (let i = 0; i < 4; i++) {
        values.push(
          await step.do(`step ${i}`, { retries: { limit: 20, delay: 5, backoff: 'constant' } }, async () => {
            const key = `${event.instanceId}/${i}`;
            sideEffects.set(key, (sideEffects.get(key) ?? 0) + 1);
            await sleep(Math.random() * 20);
            return event.payload.n * 10 + i + Math.random(); // differs per execution: shows which one was recorded
          }),
        );
      }
      const [a, b] = await Promise.all([step.do('left', async () => Math.random()), step.do('right', async () => Math.random())]);
      return { values, a, b };
    }
  };
}

function assertOneOutcomePerStep(steps: StepRecord[]) {
  const outcomes = steps.filter((s) => s.state === 'completed' || s.state === 'failed').map((s) => s.key);
  expect(new Set(outcomes).size).toBe(outcomes.length);
}

describe('races', () => {
  it('several runners on one instance, stalled at random, converge on the recorded results', async () => {
    const store = createMemoryStore();
    const sideEffects = new Map<string, number>();
    const W = makeWorkflow(sideEffects);
    const faults: Faults[] = [0, 1, 2].map(() => ({}));
    const runners = faults.map((f, i) =>
      createRuntime({ store: faultyStore(store, f), workflows: { W }, owner: `runner-${i}`, leaseMs: 150, onError: () => {} }),
    );
    const ids = Array.from({ length: 12 }, (_, i) => `race-${i}`);
    for (const [i, id] of ids.entries()) await runners[i % 3]!.workflow('W').create({ id, params: { n: i } });
    // Chaos: runners stall (longer than the lease) and every runner keeps replaying every instance.
    let stop = false;
    const chaos = (async () => {
      while (!stop) {
        const f = faults[Math.floor(Math.random() * 3)]!;
        f.delayMs = 200;
        await sleep(60);
        f.delayMs = 0;
      }
    })();
    const hammer = runners.map(async (runner) => {
      while (!stop) {
        await Promise.all(ids.map((instanceId) => runner.replay({ workflowName: 'W', instanceId }).catch(() => undefined)));
        await sleep(10);
      }
    });
    await eventually(async () => {
      const all = await Promise.all(ids.map((instanceId) => store.getInstance({ workflowName: 'W', instanceId })));
      return all.every((instance) => instance?.status === 'complete');
    }, 20_000);
    stop = true;
    await Promise.all([chaos, ...hammer]);
    for (const instanceId of ids) {
      const journal = (await store.loadJournal({ workflowName: 'W', instanceId }))!;
      assertOneOutcomePerStep(journal.steps);
      const recorded = (key: string) => JSON.parse(journal.steps.find((s) => s.id === key)!.value!)[0];
      const output = (
        await runners[0]!
          .workflow('W')
          .get(instanceId)
          .then((i) => i.status())
      ).output as { values: number[]; a: number; b: number };
      expect(output.values).toEqual([0, 1, 2, 3].map((i) => recorded(`do:step ${i}-1`)));
      expect([output.a, output.b]).toEqual([recorded('do:left-1'), recorded('do:right-1')]);
    }
    await Promise.all(runners.map((runner) => runner.close()));
  }, 30_000);

  it('a runner that lost its lease (stalled past expiry) is fenced: its late write is refused', async () => {
    const store = createMemoryStore();
    const sideEffects = new Map<string, number>();
    const W = makeWorkflow(sideEffects);
    const slow: Faults = {};
    const a = createRuntime({ store: faultyStore(store, slow), workflows: { W }, owner: 'a', leaseMs: 150, onError: () => {} });
    const b = createRuntime({ store, workflows: { W }, owner: 'b', leaseMs: 150, onError: () => {} });
    await store.createInstance({
      instance: await (async () => {
        const tmp = createMemoryStore();
        const r = createRuntime({ store: tmp, workflows: { W }, scheduler: { name: 'none', schedule: async () => {} } });
        await r.workflow('W').create({ id: 'fenced', params: { n: 1 } });
        return (await tmp.getInstance({ workflowName: 'W', instanceId: 'fenced' }))!;
      })(),
    });
    let refused = 0;
    slow.before = async (method) => {
      if (method === 'recordStep') {
        slow.before = undefined;
        slow.delayMs = 400; // a stalls (a GC pause, a partition): its heartbeats stop, its lease expires
        await sleep(400);
      }
    };
    const inner = store.recordStep.bind(store);
    store.recordStep = async (params) =>
      inner(params).catch((error: unknown) => {
        refused++;
        throw error;
      });
    const first = a.replay({ workflowName: 'W', instanceId: 'fenced' });
    await sleep(250);
    const second = await b.replay({ workflowName: 'W', instanceId: 'fenced' });
    expect(second.outcome).toBe('complete');
    expect((await first).outcome).toBe('lease_lost');
    expect(refused).toBe(1);
    assertOneOutcomePerStep((await store.loadJournal({ workflowName: 'W', instanceId: 'fenced' }))!.steps);
    await Promise.all([a.close(), b.close()]);
  });

  it('an event sent by another process between "decide to suspend" and "release" is never lost', async () => {
    const store = createMemoryStore();
    const W = class extends WorkflowEntrypoint {
      async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
        const event = await step.waitForEvent<string>('approval', { type: 'approval', timeout: '1 day' });
        return event.payload;
      }
    };
    const sender = createRuntime({ store, workflows: { W }, owner: 'sender', scheduler: { name: 'none', schedule: async () => {} } });
    let injected = false;
    const racing: WorkflowStore = faultyStore(store, {
      before: async (method, params) => {
        // The runner is about to release the lease as `waiting`: another process sends the event right now.
        if (method === 'updateInstance' && params.patch.status === 'waiting' && !injected) {
          injected = true;
          await (await sender.workflow('W').get('mid')).sendEvent({ type: 'approval', payload: 'yes' });
        }
      },
    });
    const runner = createRuntime({ store: racing, workflows: { W }, owner: 'runner' });
    const instance = await runner.workflow('W').create({ id: 'mid' });
    await eventually(async () => (await instance.status()).status === 'complete');
    expect(injected).toBe(true);
    expect(await instance.status()).toEqual({ status: 'complete', output: 'yes' });
    await runner.close();
  });

  it('an event arriving while a step runs is seen by the same replay', async () => {
    const store = createMemoryStore();
    let replays = 0;
    const W = class extends WorkflowEntrypoint {
      async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
        replays++;
        await step.do('slow', async () => sleep(100));
        return (await step.waitForEvent<number>('n', { type: 'n' })).payload;
      }
    };
    const runner = createRuntime({ store, workflows: { W }, owner: 'runner' });
    const other = createRuntime({ store, workflows: { W }, owner: 'other', scheduler: { name: 'none', schedule: async () => {} } });
    await runner.workflow('W').create({ id: 'ev' });
    await sleep(30);
    await (await other.workflow('W').get('ev')).sendEvent({ type: 'n', payload: 42 });
    await eventually(async () => (await store.getInstance({ workflowName: 'W', instanceId: 'ev' }))?.status === 'complete');
    expect((await (await runner.workflow('W').get('ev')).status()).output).toBe(42);
    expect(replays).toBe(1);
    await runner.close();
  });

  it('an exception between a step side effect and its checkpoint: the step runs again and is recorded once', async () => {
    const store = createMemoryStore();
    const sideEffects = new Map<string, number>();
    let failed = false;
    const faults: Faults = {
      before: (method, params) => {
        if (method === 'recordStep' && params.step.key === 'do:step 1-1' && !failed) {
          failed = true;
          throw new Error('disk full');
        }
      },
    };
    const errors: string[] = [];
    const runner = createRuntime({
      store: faultyStore(store, faults),
      workflows: { W: makeWorkflow(sideEffects) },
      owner: 'r',
      onError: (e) => errors.push((e as Error).message),
    });
    const instance = await runner.workflow('W').create({ id: 'crashy', params: { n: 2 } });
    await eventually(async () => (await instance.status()).status === 'complete');
    expect(errors).toEqual(['disk full']);
    expect(sideEffects.get('crashy/0')).toBe(1);
    expect(sideEffects.get('crashy/1')).toBe(2); // at least once: the side effect happened before the failed checkpoint
    const journal = (await store.loadJournal({ workflowName: 'W', instanceId: 'crashy' }))!;
    assertOneOutcomePerStep(journal.steps);
    await runner.close();
  });

  it('engine death during an attempt: the next runner counts that attempt as failed and retries under the policy', async () => {
    const store = createMemoryStore();
    const attempts: number[] = [];
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const W = class extends WorkflowEntrypoint {
      async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
        return step.do('charge', { retries: { limit: 3, delay: 10, backoff: 'constant' } }, async (ctx) => {
          attempts.push(ctx.attempt);
          if (attempts.length === 1) {
            started();
            return new Promise(() => {}); // the process dies during this attempt
          }
          return 'charged';
        });
      }
    };
    const doomed: Faults = {};
    const a = createRuntime({ store: faultyStore(store, doomed), workflows: { W }, owner: 'a', leaseMs: 200 });
    const instance = await a.workflow('W').create({ id: 'dies' });
    await running;
    doomed.dead = true; // no more heartbeats or writes from a
    const b = createRuntime({ store, workflows: { W }, owner: 'b', leaseMs: 200 });
    await eventually(async () => (await b.sweep()) >= 0 && (await store.getInstance({ workflowName: 'W', instanceId: 'dies' }))?.status === 'complete');
    expect(attempts).toEqual([1, 2]);
    const journal = (await store.loadJournal({ workflowName: 'W', instanceId: 'dies' }))!;
    const lost = journal.steps.find((s) => s.id === 'do:charge-1#1')!;
    expect(lost.error?.message).toBe('Attempt failed due to internal workflows error');
    expect(journal.instance.recoveries).toBe(1);
    expect(await (await b.workflow('W').get(instance.id)).status()).toEqual({ status: 'complete', output: 'charged' });
    await b.close();
  });
});
