// The SQLite store under the default runtime (in-process timers): retries, a sleep and an event.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRuntime, WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { createSqliteStore } from '@cairn/store-sqlite';
import { tempDir } from './helpers.js';

const executions = new Map<string, number>();
const count = (key: string) => executions.set(key, (executions.get(key) ?? 0) + 1);
const wokenAt = new Map<string, number>();

class Order extends WorkflowEntrypoint<Record<string, unknown>, { n: number; sleepMs?: number; stepMs?: number }> {
  async run(event: WorkflowEvent<{ n: number; sleepMs?: number; stepMs?: number }>, step: WorkflowStep) {
    const id = event.instanceId;
    const a = await step.do('a', async () => {
      count(`${id}:a`);
      if (event.payload.stepMs) await new Promise((resolve) => setTimeout(resolve, event.payload.stepMs));
      return event.payload.n * 2;
    });
    const b = await step.do('flaky', { retries: { limit: 3, delay: 10, backoff: 'constant' } }, async (ctx) => {
      count(`${id}:flaky`);
      if (ctx.attempt < 2) throw new Error('not yet');
      return a + 1;
    });
    if (event.payload.sleepMs) {
      const until = Date.now() + event.payload.sleepMs;
      await step.sleepUntil('nap', until);
      await step.do('woke', async () => {
        wokenAt.set(id, Date.now() - until);
      });
    }
    const ev = event.payload.n < 0 ? await step.waitForEvent<{ ok: boolean }>('approve', { type: 'go', timeout: '1 hour' }) : null;
    return { b, ok: ev?.payload.ok ?? null };
  }
}

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('SQLite store under the runtime', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    dir = tempDir();
    executions.clear();
  });
  afterEach(() => dir.cleanup());

  it('runs a workflow with retries, a sleep and an event on the default runtime', async () => {
    const store = createSqliteStore({ path: dir.file() });
    const runtime = createRuntime({ store, workflows: { ORDER: Order }, maxInProcessWaitMs: 20 });
    const instance = await runtime.workflow('ORDER').create({ id: 'one', params: { n: -2, sleepMs: 50 } });
    await until(async () => (await instance.status()).status === 'waiting' && executions.get('one:flaky') === 2 && wokenAt.has('one'));
    await instance.sendEvent({ type: 'go', payload: { ok: true } });
    await until(async () => (await instance.status()).status === 'complete');
    expect(await instance.status()).toEqual({ status: 'complete', output: { b: -3, ok: true } });
    const journal = await store.loadJournal({ workflowName: 'ORDER', instanceId: 'one' });
    expect(journal?.steps.map((step) => step.id)).toEqual(
      ['do:a-1', 'do:flaky-1#1', 'do:flaky-1', 'sleep:nap-1#start', 'do:woke-1', 'wait:approve-1#start', 'wait:approve-1'].filter((id) =>
        journal!.steps.some((step) => step.id === id),
      ),
    );
    expect(journal?.steps.filter((step) => step.id === 'do:flaky-1')).toHaveLength(1);
    // The wait's outcome holds the event it took, so the journal leaves the consumed event out.
    expect(journal?.events).toHaveLength(0);
    expect(journal?.steps.find((step) => step.id === 'wait:approve-1')).toMatchObject({ eventType: 'go', value: expect.any(String) });
    await runtime.close();
    await store.close();
  });
});
