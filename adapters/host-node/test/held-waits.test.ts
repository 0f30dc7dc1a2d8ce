// The Node host keeps run() going in place across waits up to a minute by default (as Cloudflare's engine does
// across short sleeps and retry delays): the instance reads `waiting` meanwhile, a held replay takes no room
// from maxConcurrent, stop() does not wait for it, and a runner killed (SIGKILL) during the wait leaves the
// instance due when the wait ends, for another runner to finish on time, not a lease (30 s) later.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { createNodeHost, type NodeHost } from '@cairn/host-node';
import { createSqliteStore } from '@cairn/store-sqlite';
import { Napper, Retrier } from './support/napper.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cairn-held-'));
const childPath = join(dir, 'held-child.mjs');
const children = new Set<ChildProcess>();
const hosts: NodeHost<any>[] = [];
let dbCount = 0;
const newDb = () => join(dir, `cairn-${dbCount++}.db`);

let runs = 0;
let failures = 0;
class Demo extends WorkflowEntrypoint {
  async run(_event: WorkflowEvent<unknown>, step: WorkflowStep) {
    runs++;
    await step.sleep('nap', 1_500);
    await step.do('flaky', { retries: { limit: 2, delay: 1_200, backoff: 'constant' } }, async () => {
      if (failures++ === 0) throw new Error('not yet');
    });
    return { runs };
  }
}

function host(path: string, options: Record<string, unknown> = {}) {
  const created = createNodeHost({
    store: createSqliteStore({ path }),
    workflows: { DEMO: Demo, NAP: Napper, RETRY: Retrier },
    handleSignals: false,
    ...options,
  });
  hosts.push(created);
  return created;
}

async function until<T>(check: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

beforeAll(async () => {
  // Bundled from the sources, so the child runs without building any package.
  await build({
    entryPoints: [fileURLToPath(new URL('./support/held-child.ts', import.meta.url))],
    outfile: childPath,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    logLevel: 'error',
    alias: {
      '@cairn/core': join(root, 'packages/core/src/index.ts'),
      '@cairn/host-node': join(root, 'adapters/host-node/src/index.ts'),
      '@cairn/store-sqlite': join(root, 'adapters/store-sqlite/src/index.ts'),
    },
  });
});

afterEach(async () => {
  for (const one of hosts.splice(0)) await one.stop();
});

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('waits held in process on the Node host', () => {
  it('by default run() goes on in place across a sleep and a retry delay, reading `waiting` during the sleep', async () => {
    runs = 0;
    failures = 0;
    const node = host(newDb());
    await node.start();
    const instance = await node.runtime.workflow('DEMO').create({ id: 'demo' });
    await until(async () => (await instance.status()).status === 'waiting');
    const done = await until(async () => {
      const status = await instance.status();
      return status.status === 'complete' && status;
    });
    expect(done.output).toEqual({ runs: 1 });
  });

  it('a held replay takes no room: with maxConcurrent 1, two instances hold their sleeps at once', async () => {
    const node = host(newDb(), { maxConcurrent: 1 });
    await node.start();
    const workflow = node.runtime.workflow('NAP');
    const first = await workflow.create({ id: 'first', params: { sleepMs: 2_000 } });
    const second = await workflow.create({ id: 'second', params: { sleepMs: 2_000 } });
    await until(async () => (await first.status()).status === 'waiting' && (await second.status()).status === 'waiting');
    expect(node.active).toBe(0);
    for (const instance of [first, second]) await until(async () => (await instance.status()).status === 'complete');
  });

  it('stop() does not wait for a held wait: the instance is left waiting and unleased, due when the wait ends', async () => {
    const path = newDb();
    const node = host(path);
    await node.start();
    const instance = await node.runtime.workflow('NAP').create({ id: 'nap', params: { sleepMs: 20_000 } });
    await until(async () => (await instance.status()).status === 'waiting');
    const stopAt = Date.now();
    await node.stop();
    const stored = await createSqliteStore({ path }).getInstance({ workflowName: 'NAP', instanceId: 'nap' });
    expect(stored).toMatchObject({ status: 'waiting', leaseOwner: null });
    // Stopped well before the sleep would have ended (about 20 s from its start).
    expect(stored!.wakeAt! - stopAt).toBeGreaterThan(10_000);
    expect(Date.now()).toBeLessThan(stored!.wakeAt!);
  });

  it('a runner killed during a held sleep: another runner finishes the instance on time, not a lease later', { timeout: 60_000 }, async () => {
    const path = newDb();
    const store = createSqliteStore({ path });
    const ref = { workflowName: 'NAP', instanceId: 'nap-1' };
    const held = await killDuring(path, 'NAP', async () => {
      const instance = await store.getInstance(ref).catch(() => null);
      return instance?.status === 'waiting' && instance.leaseOwner !== null && instance;
    });
    // The lease was cut to the sleep's end plus a grace: the due index brings the instance back then.
    expect(held.leaseExpiresAt! - held.updatedAt).toBeLessThan(10_000);
    const { lateMs, pid } = (await rescue(path, ref)) as { lateMs: number; pid: number };
    expect(pid).toBe(process.pid);
    // Due at the sleep's end plus the grace (3 s with the default 30 s lease), far less than the lease.
    expect(lateMs).toBeLessThan(10_000);
    await store.close?.();
  });

  it('a runner killed during a held retry delay: the next one charges no attempt to the kill (nothing was in flight)', { timeout: 60_000 }, async () => {
    const path = newDb();
    const store = createSqliteStore({ path });
    const ref = { workflowName: 'RETRY', instanceId: 'retry-1' };
    await killDuring(path, 'RETRY', async () => {
      const journal = await store.loadJournal(ref).catch(() => null);
      const failed = journal?.steps.some((step) => step.key === 'do:flaky-1' && step.state === 'attempt-failed');
      if (!failed || journal!.instance.leaseOwner === null) return false;
      // Well inside the 4 s delay, after its mark was written.
      await new Promise((resolve) => setTimeout(resolve, 500));
      return true;
    });
    const { attempt, pid } = (await rescue(path, ref)) as { attempt: number; pid: number };
    expect(pid).toBe(process.pid);
    // Attempt 1 failed on purpose, attempt 2 passed: the kill during the delay was not taken for a failed attempt.
    expect(attempt).toBe(2);
    const steps = (await store.loadJournal(ref))!.steps.filter((step) => step.state === 'attempt-failed');
    expect(steps.map((step) => step.attempt)).toEqual([1]);
    await store.close?.();
  });
});

/** Starts a child host running `workflow` with a 4 s wait, waits for `held`, and kills it (SIGKILL). */
async function killDuring<T>(path: string, workflow: 'NAP' | 'RETRY', held: () => Promise<T | false | undefined>): Promise<T> {
  const child = spawn(process.execPath, [childPath, path, '4000', workflow], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const value = await until(held).catch((error: unknown) => {
    throw new Error(`the child did not hold the wait: ${String(error)}\n${output}`);
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  children.delete(child);
  return value;
}

/** A host in this process takes the instance over and runs it to completion; its output. */
async function rescue(path: string, ref: { workflowName: string; instanceId: string }): Promise<unknown> {
  const rescuer = host(path);
  await rescuer.start();
  const done = await until(async () => {
    const status = await rescuer.runtime
      .workflow(ref.workflowName as 'NAP')
      .get(ref.instanceId)
      .then((instance) => instance.status());
    return status.status === 'complete' && status;
  }, 30_000);
  return done.output;
}
