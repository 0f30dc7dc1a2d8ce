// Isolation: each tenant's run() in a Worker with a heap limit and a CPU limit per step attempt. An attempt that
// allocates past its heap or spins past its CPU limit fails as a step error (and is retried); the engine, and
// another tenant's instance running at the same time, go on.

import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryStore, type Runtime, type WorkflowInstance } from '@cairn/core';
import { greeter, startDispatcher } from './dispatcher.js';

const runtimes: Runtime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((runtime) => runtime.close()));
});

async function settled(instance: WorkflowInstance, wanted: string[] = ['complete', 'errored'], timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const status = await instance.status();
    if (wanted.includes(status.status)) return status;
    if (Date.now() > until) throw new Error(`${instance.id} stayed ${status.status}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A tenant whose first attempt at `heavy` does `misbehave`; the second attempt returns. */
const misbehaving = (misbehave: string) => `
import { WorkflowEntrypoint } from 'cloudflare:workers';
export class TenantWorkflow extends WorkflowEntrypoint {
  async run(event, step) {
    const before = await step.do('before', async () => 'ok');
    const heavy = await step.do('heavy', { retries: { limit: 2, delay: 10, backoff: 'constant' } }, async (ctx) => {
      if (ctx.attempt === 1) { ${misbehave} }
      return 'attempt ' + ctx.attempt;
    });
    return { before, heavy };
  }
}`;

const HOG = 'const hoard = []; for (;;) hoard.push(new Array(1e6).fill(Math.random()));';
const SPIN = 'for (;;) {}';

async function attemptsOf(runtime: Runtime, id: string) {
  const journal = await runtime.store.loadJournal({ workflowName: 'WORKFLOWS', instanceId: id });
  return journal!.steps.filter((step) => step.name === 'heavy').map((step) => ({ state: step.state, attempt: step.attempt, error: step.error?.name }));
}

/** Counts, outside steps, the runs its Worker has seen: a Worker reused by the next replay counts on. */
const COUNTING = `
import { WorkflowEntrypoint } from 'cloudflare:workers';
export class TenantWorkflow extends WorkflowEntrypoint {
  async run(event, step) {
    globalThis.runsSeen = (globalThis.runsSeen ?? 0) + 1;
    await step.do('first', async () => 1);
    await step.waitForEvent('go', { type: 'go', timeout: '1 hour' });
    return { runsSeen: globalThis.runsSeen };
  }
}`;

describe('isolated tenants', () => {
  it("a tenant's Worker is kept for its next replay: the code is imported once, not once per wake-up", async () => {
    const dispatcher = startDispatcher({ store: createMemoryStore(), code: { acme: { v1: COUNTING } }, current: { acme: 'v1' }, isolation: {} });
    runtimes.push(dispatcher.runtime);
    const instance = await dispatcher.bindingFor('acme').create({});
    await settled(instance, ['waiting']);
    await instance.sendEvent({ type: 'go', payload: null });
    // Two replays (to the wait, then to the end), both in the one Worker.
    expect(await settled(instance)).toMatchObject({ status: 'complete', output: { runsSeen: 2 } });
  });

  it('run to complete in a Worker: steps, waits and the tenant payload cross to the engine', async () => {
    const dispatcher = startDispatcher({ store: createMemoryStore(), code: { acme: { v1: greeter('Hello') } }, current: { acme: 'v1' }, isolation: {} });
    runtimes.push(dispatcher.runtime);
    const instance = await dispatcher.bindingFor('acme').create({ params: { name: 'Ada', wait: true } });
    await settled(instance, ['waiting']);
    await instance.sendEvent({ type: 'approve', payload: { by: 'ops' } });
    expect(await settled(instance)).toMatchObject({
      status: 'complete',
      output: { line: 'Hello, Ada!', payload: { name: 'Ada', wait: true }, approved: { by: 'ops' } },
    });
  });

  for (const [what, misbehave, limit] of [
    ['allocates past its heap limit', HOG, 'memory'],
    ['spins past its CPU limit', SPIN, 'cpu'],
  ] as const) {
    it(`a step attempt that ${what} fails that attempt only; another tenant's instance runs on beside it`, { timeout: 60_000 }, async () => {
      const dispatcher = startDispatcher({
        store: createMemoryStore(),
        code: { bad: { v1: misbehaving(misbehave) }, good: { v1: greeter('Hi') } },
        current: { bad: 'v1', good: 'v1' },
        isolation: { memoryMb: 32, cpuMsPerAttempt: 300 },
      });
      runtimes.push(dispatcher.runtime);
      const bad = await dispatcher.bindingFor('bad').create({ id: 'bad-1' });
      const good = await dispatcher.bindingFor('good').create({ id: 'good-1', params: { name: 'G', wait: true } });
      await settled(good, ['waiting']);
      await good.sendEvent({ type: 'approve', payload: 1 });
      expect(await settled(good)).toMatchObject({ status: 'complete', output: { line: 'Hi, G!' } });
      expect(await settled(bad)).toMatchObject({ status: 'complete', output: { before: 'ok', heavy: 'attempt 2' } });
      const attempts = await attemptsOf(dispatcher.runtime, 'bad-1');
      expect(attempts).toEqual([
        { state: 'attempt-failed', attempt: 1, error: 'IsolationLimitError' },
        { state: 'completed', attempt: 2, error: undefined },
      ]);
      const journal = await dispatcher.runtime.store.loadJournal({ workflowName: 'WORKFLOWS', instanceId: 'bad-1' });
      expect(journal!.steps.find((step) => step.state === 'attempt-failed')?.error?.message).toContain(limit === 'memory' ? 'heap' : 'CPU limit');
    });
  }
});
