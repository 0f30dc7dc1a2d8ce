// The demo: one order through the workflow on an SQLite file, run by the Node host, narrated.
import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createNodeHost } from '@cairn/host-node';
import { createSqliteStore } from '@cairn/store-sqlite';
import type { InstanceStatus, WorkflowStore } from '@cairn/core';
import { narrationHooks } from './narrate.ts';
import { OrderWorkflow, type Approval, type OrderEnv, type OrderParams } from './workflow.ts';

export interface DemoOptions {
  /** The SQLite file (recreated). */
  dbPath: string;
  /** Where the narration goes. */
  say(line: string): void;
  /** How long the demo waits, once the instance waits for approval, before sending it. @default 1000 */
  approvalDelayMs?: number;
}

export interface DemoResult {
  status: InstanceStatus;
  instanceId: string;
  elapsedMs: number;
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const started = Date.now();
  const say = (line: string) => options.say(`[+${((Date.now() - started) / 1000).toFixed(2)}s] ${line}`);
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${options.dbPath}${suffix}`, { force: true });
  mkdirSync(dirname(options.dbPath), { recursive: true });

  const env: OrderEnv = { log: (line) => say(`  ${line}`) };
  const store = createSqliteStore({ path: options.dbPath });
  const runner = createNodeHost({ store, workflows: { ORDER: OrderWorkflow }, env, hooks: narrationHooks(say), handleSignals: false });
  await runner.start();
  try {
    const orders = runner.runtime.workflow('ORDER');
    const params: OrderParams = { orderId: 'order-42', amount: 129 };
    const instance = await orders.create({ id: `order-42-${started.toString(36)}`, params });
    say(`created instance ${instance.id} with params ${JSON.stringify(params)}`);

    await waitFor(async () => (await instance.status()).status === 'waiting' && (await waitsForEvent(runner.runtime.store, instance.id)));
    say(`the instance is suspended until an approval arrives; sending it in ${(options.approvalDelayMs ?? 1000) / 1000}s`);
    await delay(options.approvalDelayMs ?? 1000);
    const approval: Approval = { approver: 'dana@example.com' };
    await instance.sendEvent({ type: 'order-approved', payload: approval });
    say(`sent event "order-approved" ${JSON.stringify(approval)} through the instance API`);

    let status = await instance.status();
    await waitFor(async () => {
      status = await instance.status();
      return status.status === 'complete' || status.status === 'errored' || status.status === 'terminated';
    });
    say(`instance ${status.status}`);
    return { status, instanceId: instance.id, elapsedMs: Date.now() - started };
  } finally {
    await runner.stop();
  }
}

/** True once the instance's journal shows a wait that has started and not received its event. */
async function waitsForEvent(store: WorkflowStore, instanceId: string): Promise<boolean> {
  const journal = await store.loadJournal({ workflowName: 'ORDER', instanceId });
  const waits = journal?.steps.filter((step) => step.kind === 'wait') ?? [];
  return waits.some((step) => step.state === 'started') && !waits.some((step) => step.state === 'completed');
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`the demo timed out after ${timeoutMs / 1000}s`);
    await delay(50);
  }
}
