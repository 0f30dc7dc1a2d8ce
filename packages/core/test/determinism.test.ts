// The determinism guard: code that changed under a waiting instance and contradicts its journal is stopped
// before the contradicting step runs, and the instance is parked as paused with a NonDeterminismError, nothing
// recorded; appended steps and parallel branches whose order differs between replays are not contradictions.

import { describe, expect, it } from 'vitest';
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { virtualRuntime } from './support/harness.js';

type Body = (step: WorkflowStep, ran: string[]) => Promise<unknown>;

/** A workflow whose body is swapped between deploys; `ran` lists the step callbacks that ran. */
function deployable(first: Body) {
  const state = { body: first, ran: [] as string[] };
  class Changing extends WorkflowEntrypoint {
    async run(_event: WorkflowEvent<unknown>, step: WorkflowStep) {
      return state.body(step, state.ran);
    }
  }
  return { state, Changing };
}

const work = (ran: string[], name: string) => async () => {
  ran.push(name);
  return name;
};

/** v1: charge, ship, then a wait for `go`, then notify. */
const v1: Body = async (step, ran) => {
  await step.do('charge', work(ran, 'charge'));
  await step.do('ship', work(ran, 'ship'));
  await step.waitForEvent('go', { type: 'go', timeout: '1 hour' });
  return step.do('notify', work(ran, 'notify'));
};

async function deployUnder(changed: Body) {
  const { state, Changing } = deployable(v1);
  const h = virtualRuntime({ W: Changing });
  const instance = await h.runtime.workflow('W').create({ id: 'order-1' });
  await h.until(instance, 'waiting');
  const before = (await h.store.loadJournal({ workflowName: 'W', instanceId: 'order-1' }))!.steps;
  state.body = changed;
  state.ran.length = 0;
  await instance.sendEvent({ type: 'go', payload: {} });
  const status = await h.until(instance, 'paused', 'complete', 'errored');
  const after = (await h.store.loadJournal({ workflowName: 'W', instanceId: 'order-1' }))!.steps;
  return { h, instance, state, status, before, after };
}

describe('the determinism guard', () => {
  const contradictions: Array<[string, Body, RegExp]> = [
    [
      'reordered steps',
      async (step, ran) => {
        await step.do('ship', work(ran, 'ship'));
        await step.do('charge', work(ran, 'charge'));
        await step.waitForEvent('go', { type: 'go', timeout: '1 hour' });
        return step.do('notify', work(ran, 'notify'));
      },
      /requested: \[1:do:ship-1\]/,
    ],
    [
      'a renamed step',
      async (step, ran) => {
        await step.do('charge', work(ran, 'charge'));
        await step.do('dispatch', work(ran, 'dispatch'));
        await step.waitForEvent('go', { type: 'go', timeout: '1 hour' });
        return step.do('notify', work(ran, 'notify'));
      },
      /Recorded: \[1:do:charge-1, 2:do:ship-1\]; requested: \[1:do:charge-1, 2:do:dispatch-1\]/,
    ],
    [
      'a removed step',
      async (step, ran) => {
        await step.do('charge', work(ran, 'charge'));
        await step.waitForEvent('go', { type: 'go', timeout: '1 hour' });
        return step.do('notify', work(ran, 'notify'));
      },
      /requested: \[1:do:charge-1, 2:wait:go-1\]/,
    ],
    [
      'a step whose kind changed',
      async (step, ran) => {
        await step.do('charge', work(ran, 'charge'));
        await step.sleep('ship', '1 second');
        await step.waitForEvent('go', { type: 'go', timeout: '1 hour' });
        return step.do('notify', work(ran, 'notify'));
      },
      /2:sleep:ship-1/,
    ],
  ];

  for (const [what, changed, shown] of contradictions) {
    it(`${what}: the replay stops before the step runs, the instance is paused with a NonDeterminismError, nothing recorded`, async () => {
      const { status, before, after, state } = await deployUnder(changed);
      expect(status.status).toBe('paused');
      expect(status.error?.name).toBe('NonDeterminismError');
      expect(status.error?.message).toMatch(shown);
      expect(state.ran, 'no step of the changed code ran').toEqual([]);
      expect(after).toEqual(before);
    });
  }

  it('a parked instance resumes once the code replays its journal again, and completes', async () => {
    const renamed = contradictions[1]![1];
    const { h, instance, state } = await deployUnder(renamed);
    state.body = v1;
    await instance.resume();
    const status = await h.until(instance);
    expect(status).toMatchObject({ status: 'complete', output: 'notify' });
    expect(status.error).toBeUndefined();
    expect(state.ran).toEqual(['notify']);
  });

  it('appended steps are not a contradiction: the old steps replay, the new ones run', async () => {
    const { status, state } = await deployUnder(async (step, ran) => {
      await step.do('charge', work(ran, 'charge'));
      await step.do('ship', work(ran, 'ship'));
      await step.waitForEvent('go', { type: 'go', timeout: '1 hour' });
      await step.do('notify', work(ran, 'notify'));
      return step.do('survey', work(ran, 'survey'));
    });
    expect(status).toMatchObject({ status: 'complete', output: 'survey' });
    expect(state.ran).toEqual(['notify', 'survey']);
  });

  it('parallel branches whose calls come in another order on replay are not a contradiction', async () => {
    // Live, C finishes first, so D is called before B; on replay A's branch goes on first and B is called before D.
    const branches: Body = async (step, ran) => {
      let dDone!: () => void;
      const afterD = new Promise<void>((resolve) => (dDone = resolve));
      await Promise.all([
        step.do('A', async () => (await afterD, work(ran, 'A')())).then(() => step.do('B', work(ran, 'B'))),
        step.do('C', work(ran, 'C')).then(() => step.do('D', async () => (dDone(), work(ran, 'D')()))),
      ]);
      await step.waitForEvent('go', { type: 'go', timeout: '1 hour' });
      return step.do('E', work(ran, 'E'));
    };
    const { state, Changing } = deployable(branches);
    const h = virtualRuntime({ W: Changing });
    const instance = await h.runtime.workflow('W').create();
    await h.until(instance, 'waiting');
    expect(state.ran).toEqual(['C', 'D', 'A', 'B']);
    state.ran.length = 0;
    await instance.sendEvent({ type: 'go', payload: {} });
    expect(await h.until(instance, 'complete', 'paused', 'errored')).toMatchObject({ status: 'complete', output: 'E' });
    expect(state.ran).toEqual(['E']);
  });
});
