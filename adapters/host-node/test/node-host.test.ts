// The Node host on two stores (memory, shared in this process; SQLite, a file any process may open): startup
// recovery, wake-ups another process scheduled, paging through many due instances, a clean stop.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRuntime, serialize, WorkflowEntrypoint, type Scheduler, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { createMemoryStore, type WorkflowStore } from '@cairn/core';
import { createNodeHost, type NodeHost } from '@cairn/host-node';
import { createSqliteStore } from '@cairn/store-sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

/** A store another process (or a later host) opens: the same memory store, or the same SQLite file. */
interface Backend {
  name: string;
  open(): WorkflowStore;
  cleanup(): void;
}

const backends: Array<() => Backend> = [
  () => {
    const shared = createMemoryStore();
    // close() of a shared memory store must not lose it: the next host opens the same one.
    return { name: 'memory', open: () => ({ ...shared, name: shared.name, close: async () => undefined }) as WorkflowStore, cleanup: () => undefined };
  },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-node-host-'));
    const path = join(dir, 'cairn.db');
    return { name: 'sqlite', open: () => createSqliteStore({ path }), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  },
];

describe.each(backends.map((make) => [make().name, make] as const))('the Node host on %s', (_name, make) => {
  let backend: Backend;
  const hosts: NodeHost<any>[] = [];
  beforeEach(() => {
    backend = make();
    executions.clear();
  });
  afterEach(async () => {
    for (const host of hosts.splice(0)) await host.stop();
    backend.cleanup();
  });
  const runner = (options: Record<string, unknown> = {}) => {
    const created = createNodeHost({
      store: backend.open(),
      workflows: { ORDER: Order },
      handleSignals: false,
      maxInProcessWaitMs: 20,
      ...options,
    } as Parameters<typeof createNodeHost>[0]);
    hosts.push(created);
    return created;
  };

  it('recovers an instance whose runner died mid-step, without re-running recorded steps', async () => {
    const store = backend.open();
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
      step: {
        v: 1,
        id: 'do:a-1',
        key: 'do:a-1',
        generation: 0,
        kind: 'do',
        name: 'a',
        state: 'completed',
        attempt: 1,
        value: serialize(10),
        startedAt: now,
        recordedAt: now,
      },
    });
    await store.close?.();

    const local = runner();
    await local.start();
    const instance = await local.runtime.workflow('ORDER').get('crashed');
    await until(async () => (await instance.status()).status === 'complete');
    expect(await instance.status()).toEqual({ status: 'complete', output: { b: 11, ok: null } });
    expect(executions.get('crashed:a')).toBeUndefined();
    expect((await local.runtime.store.getInstance({ workflowName: 'ORDER', instanceId: 'crashed' }))?.recoveries).toBe(1);
  });

  it('wakes sleepers that another process scheduled, by polling the due index', async () => {
    const other = backend.open();
    const elsewhere = createRuntime({ store: other, scheduler: nowhere, workflows: { ORDER: Order } });
    const local = runner({ wakeHorizonMs: 0, pollIntervalMs: 10 });
    await local.start();
    // Created by the other process: only the due index tells the runner.
    await elsewhere.workflow('ORDER').create({ id: 'sleeper', params: { n: 1, sleepMs: 200 } });
    const instance = await local.runtime.workflow('ORDER').get('sleeper');
    await until(async () => (await instance.status()).status === 'complete');
    // The runner kept no timer for it (horizon 0): the poll found it, late by at most a poll or so.
    expect(wokenAt.get('sleeper')).toBeLessThan(150);
    await other.close?.();
  });

  it('pages through many due instances without holding the waiting ones', async () => {
    const other = backend.open();
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
    await other.close?.();
  });

  it('stops cleanly: the running step records, the instance is left due, and the next runner finishes it', async () => {
    const first = runner({ sliceMs: 100 });
    await first.start();
    await first.runtime.workflow('ORDER').create({ id: 'slow', params: { n: 3, stepMs: 300 } });
    await until(async () => executions.get('slow:a') === 1);
    await first.stop();
    const store = backend.open();
    const journal = await store.loadJournal({ workflowName: 'ORDER', instanceId: 'slow' });
    expect(journal?.steps.find((step) => step.id === 'do:a-1')?.state).toBe('completed');
    expect(journal?.instance).toMatchObject({ leaseOwner: null, status: 'running' });
    expect(journal?.instance.wakeAt).not.toBeNull();
    await store.close?.();

    const second = runner();
    await second.start();
    const instance = await second.runtime.workflow('ORDER').get('slow');
    await until(async () => (await instance.status()).status === 'complete');
    expect(await instance.status()).toEqual({ status: 'complete', output: { b: 7, ok: null } });
    expect(executions.get('slow:a')).toBe(1);
  });
});
