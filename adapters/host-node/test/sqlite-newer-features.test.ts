// The engine's newer features on a real SQLite file, with two Node hosts sharing it: a concurrency limit
// held across both, saga rollbacks, cron schedules and deletion.
import { afterEach, describe, expect, it } from 'vitest';
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { createNodeHost, type NodeHost } from '@cairn/host-node';
import { createSqliteStore } from '@cairn/store-sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function tempDir(): { file: (name?: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-node-host-'));
  return { file: (name = 'cairn.db') => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const dirs: Array<() => void> = [];
const runners: NodeHost[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((runner) => runner.stop()));
  for (const cleanup of dirs.splice(0)) cleanup();
});

async function until<T>(check: () => Promise<T | false | undefined>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let running = 0;
let peak = 0;
const undone: string[] = [];

class Job extends WorkflowEntrypoint<unknown, { fail?: boolean }> {
  async run(event: WorkflowEvent<{ fail?: boolean }>, step: WorkflowStep) {
    await step.do(
      'work',
      async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 40));
        running--;
        return event.instanceId;
      },
      { rollback: async ({ output }) => void undone.push(String(output)) },
    );
    if (event.payload.fail) throw new Error('failed after work');
    return event.schedule?.cron ?? 'made by hand';
  }
}

describe('newer features on SQLite with two runners', () => {
  it('shares a concurrency limit, rolls back failures, fires cron once, deletes', async () => {
    const { file, cleanup } = tempDir();
    dirs.push(cleanup);
    const start = (owner: string) => {
      const runner = createNodeHost({
        store: createSqliteStore({ path: file() }),
        owner,
        workflows: { JOB: { workflow: Job, concurrency: { limit: 2 }, schedules: ['* * * * *'] } },
        pollIntervalMs: 20,
      });
      runners.push(runner);
      return runner;
    };
    const [a, b] = [start('runner-a'), start('runner-b')];
    await Promise.all([a.start(), b.start()]);
    await a.runtime.workflow('JOB').createBatch(Array.from({ length: 5 }, (_, i) => ({ id: `a${i}`, params: { fail: i === 0 } })));
    await b.runtime.workflow('JOB').createBatch(Array.from({ length: 5 }, (_, i) => ({ id: `b${i}` })));
    // Both runners fire the same schedule; each fire time is created once.
    await Promise.all([a.runtime.fireSchedules(), b.runtime.fireSchedules()]);
    const store = createSqliteStore({ path: file() });
    const cron = (await store.listInstances({ workflowName: 'JOB', limit: 1_000 })).instances.filter((i) => i.instanceId.startsWith('cron-'));
    expect(cron.length).toBeGreaterThanOrEqual(10);
    const total = 10 + cron.length;
    await until(async () => {
      const all = (await store.listInstances({ workflowName: 'JOB', limit: 1_000 })).instances;
      return all.length >= total && all.every((i) => i.status === 'complete' || i.status === 'errored');
    }, 30_000);
    expect(peak).toBeLessThanOrEqual(2);
    const failed = (await a.runtime.workflow('JOB').get('a0')).status();
    expect(await failed).toMatchObject({ status: 'errored', rollback: { outcome: 'complete', error: null } });
    expect(undone).toEqual(['a0']);
    expect((await (await b.runtime.workflow('JOB').get(cron[0]!.instanceId)).status()).output).toBe('* * * * *');

    await a.runtime.workflow('JOB').deleteBatch(['a1', 'b1']);
    expect(await store.getInstance({ workflowName: 'JOB', instanceId: 'b1' })).toBeNull();
    expect(await store.loadJournal({ workflowName: 'JOB', instanceId: 'a1' })).toBeNull();
    await store.close();
  });
});
