import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRuntime, serialize, WorkflowEntrypoint, type Scheduler, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { createLocalRunner, createSqliteStore, type LocalRunner } from '@cairn/store-sqlite';
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

/** A scheduler that delivers nothing: as if the wake-up had been scheduled by a process that is gone. */
const nowhere: Scheduler = { name: 'nowhere', async schedule() {} };

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('SQLite store under the runtime, and the local runner', () => {
  let dir: ReturnType<typeof tempDir>;
  const runners: LocalRunner<any>[] = [];
  beforeEach(() => {
    dir = tempDir();
    executions.clear();
  });
  afterEach(async () => {
    for (const runner of runners.splice(0)) await runner.stop();
    dir.cleanup();
  });
  const runner = (options: Partial<Parameters<typeof createLocalRunner>[0]> = {}) => {
    const created = createLocalRunner({
      store: createSqliteStore({ path: dir.file() }),
      workflows: { ORDER: Order },
      handleSignals: false,
      maxInProcessWaitMs: 20,
      ...options,
    } as Parameters<typeof createLocalRunner>[0]);
    runners.push(created);
    return created;
  };

  it('runs a workflow with retries, a sleep and an event on the default runtime', async () => {
    const store = createSqliteStore({ path: dir.file() });
    const runtime = createRuntime({ store, workflows: { ORDER: Order }, maxInProcessWaitMs: 20 });
    const instance = await runtime.workflow('ORDER').create({ id: 'one', params: { n: -2, sleepMs: 50 } });
    await until(async () => (await instance.status()).status === 'waiting' && executions.get('one:flaky') === 2 && wokenAt.has('one'));
    await instance.sendEvent({ type: 'go', payload: { ok: true } });
    await until(async () => (await instance.status()).status === 'complete');
    expect(await instance.status()).toEqual({ status: 'complete', output: { b: -3, ok: true } });
    const journal = await store.loadJournal({ workflowName: 'ORDER', instanceId: 'one' });
    expect(journal?.steps.map((step) => step.id)).toEqual([
      'do:a-1',
      'do:flaky-1#1',
      'do:flaky-1',
      'sleep:nap-1#start',
      'do:woke-1',
      'wait:approve-1#start',
      'wait:approve-1',
    ].filter((id) => journal!.steps.some((step) => step.id === id)));
    expect(journal?.steps.filter((step) => step.id === 'do:flaky-1')).toHaveLength(1);
    expect(journal?.events).toHaveLength(1);
    await runtime.close();
    await store.close();
  });

  it('recovers an instance whose runner died mid-step, without re-running recorded steps', async () => {
    const store = createSqliteStore({ path: dir.file() });
    const dead = createRuntime({ store, scheduler: nowhere, workflows: { ORDER: Order } });
    await dead.workflow('ORDER').create({ id: 'crashed', params: { n: 5 } });
    // What a runner leaves when killed after step "a": its lease, and wakeAt = the lease's expiry.
    const now = Date.now();
    const held = await store.updateInstance({
      workflowName: 'ORDER',
      instanceId: 'crashed',
      expectedVersion: 0,
      patch: { status: 'running', leaseOwner: 'dead-runner', leaseToken: 1, leaseExpiresAt: now - 1, wakeAt: now - 1 },
    });
    await store.recordStep({
      workflowName: 'ORDER',
      instanceId: 'crashed',
      leaseToken: held.leaseToken,
      step: { v: 1, id: 'do:a-1', key: 'do:a-1', generation: 0, kind: 'do', name: 'a', state: 'completed', attempt: 1, value: serialize(10), startedAt: now, recordedAt: now },
    });
    await store.close();

    const local = runner();
    await local.start();
    const instance = await local.runtime.workflow('ORDER').get('crashed');
    await until(async () => (await instance.status()).status === 'complete');
    expect(await instance.status()).toEqual({ status: 'complete', output: { b: 11, ok: null } });
    expect(executions.get('crashed:a')).toBeUndefined();
    expect((await local.runtime.store.getInstance({ workflowName: 'ORDER', instanceId: 'crashed' }))?.recoveries).toBe(1);
  });

  it('wakes sleepers that another process scheduled, by polling the due index', async () => {
    const other = createSqliteStore({ path: dir.file() });
    const elsewhere = createRuntime({ store: other, scheduler: nowhere, workflows: { ORDER: Order } });
    const local = runner({ wakeHorizonMs: 0, pollIntervalMs: 10 });
    await local.start();
    // Created by the other process: only the due index tells the runner.
    await elsewhere.workflow('ORDER').create({ id: 'sleeper', params: { n: 1, sleepMs: 200 } });
    const instance = await local.runtime.workflow('ORDER').get('sleeper');
    await until(async () => (await instance.status()).status === 'complete');
    // The runner kept no timer for it (horizon 0): the poll found it, late by at most a poll or so.
    expect(wokenAt.get('sleeper')).toBeLessThan(150);
    await other.close();
  });

  it('pages through many due instances without holding the waiting ones', async () => {
    const other = createSqliteStore({ path: dir.file() });
    const elsewhere = createRuntime({ store: other, scheduler: nowhere, workflows: { ORDER: Order } });
    for (let i = 0; i < 150; i++) await elsewhere.workflow('ORDER').create({ id: `due-${i}`, params: { n: i } });
    for (let i = 0; i < 20; i++) await elsewhere.workflow('ORDER').create({ id: `waiting-${i}`, params: { n: -1 } });
    const local = runner({ maxConcurrent: 16, batchSize: 8 });
    await local.start();
    await until(async () => {
      const page = await other.listInstances({ status: 'complete', limit: 1_000 });
      return page.instances.length === 150;
    });
    await until(async () => (await other.listInstances({ status: 'waiting', limit: 1_000 })).instances.length === 20);
    expect(local.active).toBe(0);
    // Waiting for an event: nothing due, nothing running.
    expect(await other.listDueInstances({ now: Date.now(), limit: 10 })).toEqual([]);
    for (let i = 0; i < 150; i++) expect(executions.get(`due-${i}:a`)).toBe(1);
    await other.close();
  });

  it('stops cleanly: the running step records, the instance is left due, and the next runner finishes it', async () => {
    const first = runner({ sliceMs: 100 });
    await first.start();
    await first.runtime.workflow('ORDER').create({ id: 'slow', params: { n: 3, stepMs: 300 } });
    await until(async () => executions.get('slow:a') === 1);
    await first.stop();
    const store = createSqliteStore({ path: dir.file() });
    const journal = await store.loadJournal({ workflowName: 'ORDER', instanceId: 'slow' });
    expect(journal?.steps.find((step) => step.id === 'do:a-1')?.state).toBe('completed');
    expect(journal?.instance).toMatchObject({ leaseOwner: null, status: 'running' });
    expect(journal?.instance.wakeAt).not.toBeNull();
    await store.close();

    const second = runner();
    await second.start();
    const instance = await second.runtime.workflow('ORDER').get('slow');
    await until(async () => (await instance.status()).status === 'complete');
    expect(await instance.status()).toEqual({ status: 'complete', output: { b: 7, ok: null } });
    expect(executions.get('slow:a')).toBe(1);
  });
});
