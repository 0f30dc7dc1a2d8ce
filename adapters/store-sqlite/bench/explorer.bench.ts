// The local explorer API (`cairn dev`, wrangler's `--local` commands) on SQLite: the first page of instances of
// a workflow with 100,000 of them (with its counts by status), and the details of an instance with 10,000
// steps. Median of 20 requests each. Targets: < 100 ms and < 200 ms. Build first (`npm run bench` does).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createLocalExplorerApi,
  createRuntime,
  explorerWorkflowsOf,
  newInstanceRecord,
  serialize,
  WorkflowEntrypoint,
  type Scheduler,
  type WorkflowEvent,
  type WorkflowStep,
} from '@cairn/core';
import { createSqliteStore } from '@cairn/store-sqlite';

class ManySteps extends WorkflowEntrypoint<Record<string, unknown>, { steps: number }> {
  async run(event: WorkflowEvent<{ steps: number }>, step: WorkflowStep) {
    let total = 0;
    for (let i = 0; i < event.payload.steps; i++) total += await step.do('s', async () => i);
    return total;
  }
}

const nowhere: Scheduler = { name: 'nowhere', async schedule() {} };
const dir = mkdtempSync(join(tmpdir(), 'cairn-explorer-bench-'));
const store = createSqliteStore({ path: join(dir, 'explorer.db') });
const workflows = { MANY: ManySteps };
const runtime = createRuntime({ store, scheduler: nowhere, workflows });
const api = createLocalExplorerApi({ runtime, workflows: explorerWorkflowsOf(runtime.registered, 'bench') });

const INSTANCES = 100_000;
const base = Date.now() - INSTANCES;
for (let i = 0; i < INSTANCES; i++) {
  const record = newInstanceRecord({ workflowName: 'MANY', instanceId: `i-${i}`, params: serialize({ steps: 1 }), createdAt: base + i, wakeAt: null });
  await store.createInstance({ instance: i % 10 === 0 ? { ...record, status: 'complete' } : record });
}
await runtime.workflow('MANY').create({ id: 'big', params: { steps: 10_000 } });
await runtime.replay({ workflowName: 'MANY', instanceId: 'big' });

async function medianMs(path: string, check: (result: any) => void): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const started = process.hrtime.bigint();
    const response = await api(new Request(`http://127.0.0.1/cdn-cgi/local/explorer/api${path}`));
    const body = (await response!.json()) as { result: unknown };
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    check(body.result);
  }
  return times.sort((a, b) => a - b)[10]!;
}

const firstPage = await medianMs('/workflows/MANY/instances?page=1&per_page=25', (result) => {
  if ((result as unknown[]).length !== 25) throw new Error('expected a full first page');
});
const details = await medianMs('/workflows/MANY/instances/big', (result) => {
  if ((result as { step_count: number }).step_count !== 10_000) throw new Error('expected 10,000 steps');
});
console.log('local explorer API on SQLite (median of 20 requests)');
console.log(`  first page of ${INSTANCES.toLocaleString('en-US')} instances, with counts: ${firstPage.toFixed(1)} ms   (target < 100)`);
console.log(`  details of a 10,000-step instance:          ${details.toFixed(1)} ms   (target < 200)`);
await runtime.close();
store.close();
rmSync(dir, { recursive: true, force: true });
