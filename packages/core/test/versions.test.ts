// Code versions, pinned: each instance records the version that started it and every replay runs that version's
// code, whatever is current; a runtime without the version leaves the instance alone; restart may move it.

import { afterEach, describe, expect, it } from 'vitest';
import {
  CairnError,
  createMemoryStore,
  createRuntime,
  dispatchContextOf,
  explorerInstanceDetails,
  WorkflowEntrypoint,
  type MemoryStore,
  type Runtime,
  type RuntimeOptions,
  type WorkflowEvent,
  type WorkflowStep,
} from '@cairn/core';
import { eventually } from './support/harness.js';
import { createVirtualClock } from './support/virtual-clock.js';
import { VERSION_RETRY_MS } from '../src/engine/replay.js';

/** Version `tag` of an order workflow: a step, a wait for `go`, then its version as output. */
function orderVersion(tag: string) {
  return class extends WorkflowEntrypoint {
    async run(_event: WorkflowEvent<unknown>, step: WorkflowStep) {
      await step.do('charge', async () => tag);
      await step.waitForEvent('go', { type: 'go', timeout: '1 hour' });
      return step.do('finish', async () => tag);
    }
  };
}

const V1 = orderVersion('v1');
const V2 = orderVersion('v2');
const runtimes: Runtime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((runtime) => runtime.close()));
});

const ref = { workflowName: 'ORDER', instanceId: 'pinned' };

function deploy(store: MemoryStore, workflows: RuntimeOptions['workflows'], options: Partial<RuntimeOptions> = {}): Runtime {
  const runtime = createRuntime({ store, workflows, maxInProcessWaitMs: 0, ...options });
  runtimes.push(runtime);
  return runtime;
}

async function statusOf(runtime: Runtime, id: string, wanted: string) {
  return eventually(async () => {
    const status = await (await runtime.workflow('ORDER').get(id)).status();
    return status.status === wanted ? status : undefined;
  });
}

describe('pinned versions', () => {
  it('an instance finishes on the version that started it; new instances get the current one; status() shows it', async () => {
    const store = createMemoryStore();
    const first = deploy(store, { ORDER: { versions: { v1: V1 }, current: 'v1' } });
    await first.workflow('ORDER').create({ id: 'old' });
    expect(await statusOf(first, 'old', 'waiting')).toMatchObject({ version: 'v1' });
    await first.close();

    // The deploy: v2 is current; v1 stays registered for the instances pinned to it.
    const second = deploy(store, { ORDER: { versions: { v1: V1, v2: V2 }, current: 'v2' } });
    await second.workflow('ORDER').create({ id: 'new' });
    for (const id of ['old', 'new']) {
      await statusOf(second, id, 'waiting');
      await (await second.workflow('ORDER').get(id)).sendEvent({ type: 'go', payload: null });
    }
    expect(await statusOf(second, 'old', 'complete')).toMatchObject({ output: 'v1', version: 'v1' });
    // The explorer API (the web explorer, `wrangler … --local`) shows it too.
    const journal = await store.loadJournal({ workflowName: 'ORDER', instanceId: 'old' });
    expect(explorerInstanceDetails(journal!, Date.now())).toMatchObject({ status: 'complete', version: 'v1' });
    expect(await statusOf(second, 'new', 'complete')).toMatchObject({ output: 'v2', version: 'v2' });
  });

  it('a runtime without the pinned version leaves the instance untouched with a typed error; one that has it runs it', async () => {
    const store = createMemoryStore();
    const clock = createVirtualClock(Date.now());
    const first = deploy(store, { ORDER: { versions: { v1: V1 }, current: 'v1' } }, { clock });
    await first.workflow('ORDER').create({ id: 'pinned' });
    await clock.runUntil(async () => (await store.getInstance(ref))?.status === 'waiting');
    await first.close();
    const before = (await store.loadJournal(ref))!;

    const errors: unknown[] = [];
    const lacking = deploy(store, { ORDER: { versions: { v2: V2 }, current: 'v2' } }, { clock, onError: (error) => errors.push(error) });
    await (await lacking.workflow('ORDER').get('pinned')).sendEvent({ type: 'go', payload: null });
    await clock.runUntil(() => errors.length > 0);
    expect(CairnError.is(errors[0], 'workflow_version_unavailable')).toBe(true);
    expect((errors[0] as Error).message).toMatch(/no code version "v1".*available: "v2"/);
    const after = (await store.loadJournal(ref))!;
    expect(after.steps, 'nothing recorded').toEqual(before.steps);
    expect(after.instance).toMatchObject({ status: 'waiting', leaseOwner: null, workflowVersion: 'v1', leaseToken: before.instance.leaseToken });
    expect(after.instance.wakeAt, 'due again later, for a host that has the version').toBeGreaterThan(clock.now());
    await lacking.close();

    const having = deploy(store, { ORDER: { versions: { v1: V1, v2: V2 }, current: 'v2' } }, { clock });
    await clock.advance(VERSION_RETRY_MS);
    await having.replay(ref);
    await clock.runUntil(async () => (await store.getInstance(ref))?.status === 'complete');
    expect(await (await having.workflow('ORDER').get('pinned')).status()).toMatchObject({ status: 'complete', output: 'v1' });
  });

  it("restart({ version: 'current' }) moves an instance to the current version; an unknown version is a typed error", async () => {
    const store = createMemoryStore();
    const first = deploy(store, { ORDER: { versions: { v1: V1 }, current: 'v1' } });
    await first.workflow('ORDER').create({ id: 'moved' });
    await statusOf(first, 'moved', 'waiting');
    await first.close();
    const second = deploy(store, { ORDER: { versions: { v1: V1, v2: V2 }, current: 'v2' } });
    const instance = await second.workflow('ORDER').get('moved');
    const refused = await instance.restart({ version: 'v9' }).catch((error: unknown) => error);
    expect(CairnError.is(refused, 'invalid_input')).toBe(true);
    expect((refused as Error).message).toMatch(/"v1", "v2"/);
    expect(await instance.status()).toMatchObject({ version: 'v1' });
    await instance.restart({ version: 'current' });
    await statusOf(second, 'moved', 'waiting');
    await instance.sendEvent({ type: 'go', payload: null });
    expect(await statusOf(second, 'moved', 'complete')).toMatchObject({ output: 'v2', version: 'v2' });
  });

  it('a versions registration whose current is not one of its versions is refused', () => {
    expect(() => createRuntime({ store: createMemoryStore(), workflows: { ORDER: { versions: { v1: V1 }, current: 'v2' } } })).toThrow(/current/);
  });

  it('a dynamic registration: currentVersion picks the version at create (told the metadata); every run is told it', async () => {
    const seen: Array<string | undefined> = [];
    let current = 'r1';
    class Dynamic extends WorkflowEntrypoint {
      async run(event: WorkflowEvent<unknown>, step: WorkflowStep) {
        seen.push(dispatchContextOf(event)?.version);
        await step.waitForEvent('go', { type: 'go', timeout: '1 hour' });
        return dispatchContextOf(event)?.version;
      }
    }
    const store = createMemoryStore();
    const runtime = deploy(store, { ORDER: { workflow: Dynamic, currentVersion: () => current } });
    await runtime.workflow('ORDER').create({ id: 'd1' });
    await statusOf(runtime, 'd1', 'waiting');
    current = 'r2';
    await (await runtime.workflow('ORDER').get('d1')).sendEvent({ type: 'go', payload: null });
    expect(await statusOf(runtime, 'd1', 'complete')).toMatchObject({ output: 'r1', version: 'r1' });
    expect(seen).toEqual(['r1', 'r1']);
  });
});
