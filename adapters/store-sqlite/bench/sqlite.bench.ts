// Benchmarks of @cairn/store-sqlite. Build first: `npx tsup` in packages/core and adapters/store-sqlite,
// then `node adapters/store-sqlite/bench/sqlite.bench.ts` (Node 24 strips the types).
// Prints: per-step overhead, three-step instances per second, wake-up lateness under load, and the
// runner's RSS with 1,000,000 waiting instances on disk, and a replay's memory after 100 consumed events of 1 MB. Targets: < 100 µs/step, >= 3,000 instances/s,
// p99 lateness < 50 ms, RSS < 200 MB.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createRuntime, WorkflowEntrypoint, type Scheduler, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { createNodeHost } from '@cairn/host-node';
import { createSqliteStore } from '@cairn/store-sqlite';

const nowhere: Scheduler = { name: 'nowhere', async schedule() {} };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const fmt = (n: number, digits = 1) => n.toFixed(digits);

class ManySteps extends WorkflowEntrypoint<Record<string, unknown>, { steps: number }> {
  async run(event: WorkflowEvent<{ steps: number }>, step: WorkflowStep) {
    let total = 0;
    for (let i = 0; i < event.payload.steps; i++) total += await step.do('s', async () => i);
    return total;
  }
}

class ThreeSteps extends WorkflowEntrypoint<Record<string, unknown>, { n: number }> {
  async run(event: WorkflowEvent<{ n: number }>, step: WorkflowStep) {
    const a = await step.do('a', async () => event.payload.n);
    const b = await step.do('b', async () => a + 1);
    return step.do('c', async () => b * 2);
  }
}

const lateness: number[] = [];
class Sleeper extends WorkflowEntrypoint<Record<string, unknown>, { until: number }> {
  async run(event: WorkflowEvent<{ until: number }>, step: WorkflowStep) {
    await step.sleepUntil('nap', event.payload.until);
    await step.do('woke', async () => {
      lateness.push(Date.now() - event.payload.until);
    });
  }
}

class Waiter extends WorkflowEntrypoint<Record<string, unknown>, Record<string, never>> {
  async run(_event: WorkflowEvent<Record<string, never>>, step: WorkflowStep) {
    await step.waitForEvent('approval', { type: 'approve', timeout: '7 days' });
  }
}

const INBOX_EVENTS = 100;
const EVENT_BYTES = 1_000_000;

// Takes INBOX_EVENTS events of about 1 MB one after another, then sleeps a day.
class Inbox extends WorkflowEntrypoint<Record<string, unknown>, Record<string, never>> {
  async run(_event: WorkflowEvent<Record<string, never>>, step: WorkflowStep) {
    let bytes = 0;
    for (let i = 0; i < INBOX_EVENTS; i++) bytes += (await step.waitForEvent<string>(`item ${i}`, { type: 'item' })).payload.length;
    await step.sleep('rest', '1 day');
    return bytes;
  }
}

function freshDb(dir: string, name: string): string {
  return join(dir, `${name}.db`);
}

function countComplete(path: string): number {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM instances WHERE status = 'complete'").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

async function perStep(dir: string): Promise<void> {
  const steps = 10_000;
  const store = createSqliteStore({ path: freshDb(dir, 'steps') });
  const runtime = createRuntime({ store, scheduler: nowhere, workflows: { MANY: ManySteps }, stepLimit: steps + 10 });
  // Warm up the engine and the statements.
  await runtime.workflow('MANY').create({ id: 'warm', params: { steps: 500 } });
  await runtime.replay({ workflowName: 'MANY', instanceId: 'warm' });
  await runtime.workflow('MANY').create({ id: 'one', params: { steps } });
  const started = process.hrtime.bigint();
  const report = await runtime.replay({ workflowName: 'MANY', instanceId: 'one' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (report.outcome !== 'complete') throw new Error(`per-step run ended ${report.outcome}`);
  console.log(`per-step overhead: ${fmt((ms * 1000) / steps)} µs/step (1 instance x ${steps} trivial steps, synchronous=normal; ${fmt(ms, 0)} ms)`);

  // The same, replayed: loadJournal of 10,000 steps (one read, zod-parsed) and the engine walking it.
  await store.updateInstance({
    workflowName: 'MANY',
    instanceId: 'one',
    expectedVersion: (await store.getInstance({ workflowName: 'MANY', instanceId: 'one' }))!.version,
    patch: { status: 'running', output: null, finishedAt: null },
  });
  const loadStart = process.hrtime.bigint();
  const journal = await store.loadJournal({ workflowName: 'MANY', instanceId: 'one' });
  const loadMs = Number(process.hrtime.bigint() - loadStart) / 1e6;
  console.log(`  loadJournal of ${journal!.steps.length} steps: ${fmt(loadMs)} ms (${fmt((loadMs * 1000) / steps, 2)} µs/step incl. zod)`);

  // The store alone: recordStep in a loop, default and full durability.
  for (const synchronous of ['normal', 'full'] as const) {
    const raw = createSqliteStore({ path: freshDb(dir, `raw-${synchronous}`), synchronous });
    const now = Date.now();
    await raw.createInstance({
      instance: {
        v: 1,
        workflowName: 'RAW',
        instanceId: 'r',
        status: 'running',
        params: '[{}]',
        output: null,
        error: null,
        createdAt: now,
        updatedAt: now,
        finishedAt: null,
        version: 0,
        generation: 0,
        leaseOwner: 'me',
        leaseToken: 1,
        leaseExpiresAt: null,
        wakeAt: null,
        wakeSeq: 0,
        eventSeq: 0,
        pausedAt: null,
        pausedTotalMs: 0,
        recoveries: 0,
        expiresAt: null,
      },
    });
    const n = synchronous === 'normal' ? 10_000 : 500;
    const rawStart = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      await raw.recordStep({
        workflowName: 'RAW',
        instanceId: 'r',
        leaseToken: 1,
        step: {
          v: 1,
          id: `do:s-${i}`,
          key: `do:s-${i}`,
          generation: 0,
          kind: 'do',
          name: 's',
          state: 'completed',
          attempt: 1,
          value: `[${i}]`,
          startedAt: now,
          recordedAt: now,
        },
      });
    }
    const rawUs = Number(process.hrtime.bigint() - rawStart) / 1e3 / n;
    console.log(`  store.recordStep alone, synchronous=${synchronous}: ${fmt(rawUs)} µs/step`);
    await raw.close();
  }
  await runtime.close();
  await store.close();
}

async function instancesPerSecond(dir: string): Promise<void> {
  const total = 10_000;
  const path = freshDb(dir, 'three');
  const runner = createNodeHost({ store: createSqliteStore({ path }), workflows: { THREE: ThreeSteps }, handleSignals: false });
  await runner.start();
  const binding = runner.runtime.workflow('THREE');
  const started = performance.now();
  // Created by concurrent callers, 100 at a time (as requests to a server would).
  for (let n = 0; n < total; n += 100) {
    await Promise.all(Array.from({ length: 100 }, (_, i) => binding.create({ id: `t${n + i}`, params: { n: n + i } })));
  }
  const created = performance.now();
  while (countComplete(path) < total) await sleep(50);
  const ms = performance.now() - started;
  console.log(
    `three-step instances: ${fmt((total / ms) * 1000, 0)} instances/s (${total} created and run to complete in ${fmt(ms, 0)} ms; creating took ${fmt(created - started, 0)} ms)`,
  );
  await runner.stop();
}

// Three-step instances created every 10 ms while the sleepers fall due (about half this machine's capacity).
const LOAD_PER_TICK = Number(process.env.LOAD_PER_TICK ?? 5);

async function wakeLateness(dir: string): Promise<void> {
  const sleepers = 2_000;
  const path = freshDb(dir, 'late');
  const runner = createNodeHost({
    store: createSqliteStore({ path }),
    workflows: { SLEEP: Sleeper, THREE: ThreeSteps },
    handleSignals: false,
  });
  await runner.start();
  const t0 = Date.now() + 3_000;
  const spread = 5_000;
  for (let i = 0; i < sleepers; i += 100) {
    await Promise.all(
      Array.from({ length: 100 }, (_, j) =>
        runner.runtime.workflow('SLEEP').create({ id: `s${i + j}`, params: { until: t0 + Math.floor(Math.random() * spread) } }),
      ),
    );
  }
  if (Date.now() > t0) throw new Error('creating the sleepers took longer than their first due time');
  // Load: a stream of three-step instances while the sleepers fall due.
  const three = runner.runtime.workflow('THREE');
  let made = 0;
  while (Date.now() < t0 + spread + 200) {
    await Promise.all(Array.from({ length: LOAD_PER_TICK }, () => three.create({ id: `load${made}`, params: { n: made++ } })));
    await sleep(10);
  }
  const give = Date.now() + 30_000;
  while (lateness.length < sleepers && Date.now() < give) await sleep(20);
  if (lateness.length < sleepers) throw new Error(`only ${lateness.length} of ${sleepers} sleepers woke`);
  const sorted = [...lateness].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  console.log(
    `wake-up lateness: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${sorted[sorted.length - 1]} ms (${sleepers} sleepers over ${spread / 1000} s while ${made} three-step instances ran)`,
  );
  await runner.stop();
}

async function rssWithWaiting(dir: string): Promise<void> {
  const waiting = 1_000_000;
  const due = 2_000;
  const path = freshDb(dir, 'million');
  (await Promise.resolve(createSqliteStore({ path }))).close();
  const db = new DatabaseSync(path);
  const insert = db.prepare(
    `INSERT INTO instances (workflow_name, instance_id, v, status, params, output, error, created_at, updated_at, finished_at,
       version, generation, lease_owner, lease_token, lease_expires_at, wake_at, wake_seq, event_seq, paused_at, paused_total_ms,
       recoveries, expires_at)
     VALUES ('WAIT', ?, 1, ?, '[{}]', NULL, NULL, ?, ?, NULL, 0, 0, NULL, 0, NULL, ?, 0, 0, NULL, 0, 0, NULL)`,
  );
  const started = performance.now();
  const now = Date.now();
  db.exec('BEGIN');
  // Waiting for an event with a 7-day timeout: their wake-up is far away.
  for (let i = 0; i < waiting; i++) insert.run(`w${i}`, 'waiting', now - i, now - i, now + 7 * 86_400_000 + i);
  // And some due now, that the runner must page through at start.
  for (let i = 0; i < due; i++) insert.run(`d${i}`, 'queued', now, now, now - 1_000 + i);
  db.exec('COMMIT');
  db.close();
  console.log(`  (inserted ${waiting} waiting + ${due} due instances in ${fmt((performance.now() - started) / 1000)} s)`);
  // Measure in a fresh process: only the runner is in it.
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--rss-child', path, String(due)], { stdio: ['ignore', 'inherit', 'inherit'] });
  await new Promise((resolve) => child.on('exit', resolve));
}

async function rssChild(path: string, due: number): Promise<void> {
  const runner = createNodeHost({ store: createSqliteStore({ path }), workflows: { WAIT: Waiter }, handleSignals: false });
  const baseline = process.memoryUsage().rss;
  const started = performance.now();
  await runner.start();
  const db = new DatabaseSync(path, { readOnly: true });
  // Done when nothing is due any more (an index range read; the waiters' wake-up is their 7-day timeout).
  const stillDue = db.prepare('SELECT count(*) AS n FROM instances WHERE wake_at IS NOT NULL AND wake_at <= ?');
  while ((stillDue.get(Date.now()) as { n: number }).n > 0) await sleep(50);
  const recovered = performance.now() - started;
  await sleep(2_000); // A hundred idle polls over the million waiting rows.
  const rss = process.memoryUsage().rss;
  db.close();
  await runner.stop();
  console.log(
    `runner RSS with 1,000,000 waiting instances on disk: ${fmt(rss / 2 ** 20)} MB (process before start ${fmt(baseline / 2 ** 20)} MB; ` +
      `${due} due instances paged through and run to waiting in ${fmt(recovered, 0)} ms)`,
  );
}

/** An instance that took 100 events of 1 MB, replayed in a fresh process: consumed events are not loaded again. */
async function replayMemory(dir: string): Promise<void> {
  const path = freshDb(dir, 'inbox');
  const store = createSqliteStore({ path });
  const runtime = createRuntime({ store, scheduler: nowhere, workflows: { INBOX: Inbox } });
  const ref = { workflowName: 'INBOX', instanceId: 'inbox' };
  const instance = await runtime.workflow('INBOX').create({ id: ref.instanceId });
  await runtime.replay(ref);
  for (let i = 0; i < INBOX_EVENTS; i++) {
    await instance.sendEvent({ type: 'item', payload: String(i % 10).repeat(EVENT_BYTES) });
    await runtime.replay(ref);
  }
  await runtime.close();
  await store.close();
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--replay-child', path], { stdio: ['ignore', 'inherit', 'inherit'] });
  await new Promise((resolve) => child.on('exit', resolve));
}

async function replayChild(path: string): Promise<void> {
  const store = createSqliteStore({ path });
  const runtime = createRuntime({ store, scheduler: nowhere, workflows: { INBOX: Inbox } });
  const ref = { workflowName: 'INBOX', instanceId: 'inbox' };
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const mb = (bytes: number) => fmt(bytes / 2 ** 20);
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const journal = await store.loadJournal(ref);
  gc();
  const retained = process.memoryUsage().heapUsed - heapBefore;
  const outcomeBytes = journal!.steps.reduce((sum, step) => sum + (step.value?.length ?? 0), 0);
  const loaded = { events: journal!.events.length, steps: journal!.steps.length, eventSeq: journal!.instance.eventSeq };
  const baseline = process.memoryUsage().rss;
  const report = await runtime.replay(ref);
  const rss = process.memoryUsage().rss;
  await runtime.close();
  await store.close();
  console.log(
    `replay of an instance that took ${loaded.eventSeq} events of 1 MB: its journal loads ${loaded.events} events and ${loaded.steps} step ` +
      `records, ${mb(retained)} MB on the heap for ${mb(outcomeBytes)} MB of wait outcomes (which hold the payloads); the replay ` +
      `(${report.outcome}) adds ${mb(rss - baseline)} MB RSS`,
  );
}

if (process.argv[2] === '--rss-child') {
  await rssChild(process.argv[3]!, Number(process.argv[4]));
} else if (process.argv[2] === '--replay-child') {
  await replayChild(process.argv[3]!);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-sqlite-bench-'));
  const only = process.argv[2];
  try {
    if (!only || only === 'steps') await perStep(dir);
    if (!only || only === 'instances') await instancesPerSecond(dir);
    if (!only || only === 'lateness') await wakeLateness(dir);
    if (!only || only === 'rss') await rssWithWaiting(dir);
    if (!only || only === 'replay-memory') await replayMemory(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
