// Benchmarks of @cairn/store-postgres on a local PostgreSQL (Debian's, started on a private port and data
// directory with synchronous_commit=on and fsync=on, stopped at the end). Build first (`npm run build`), then
// `node adapters/store-postgres/bench/postgres.bench.ts`.
// Prints: the per-step latency of one sequential instance (target < 0.5 ms) and its requests per step, three-step
// instances per second with 500 and 10,000 instances (and requests per step), and wake-up lateness across a
// fleet of two hosts (sleepers created by a client process, woken by claims of the due index and NOTIFY).
// With @dbos-inc/dbos-sdk installed, the same sequential instance on DBOS, on the same server.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { createRuntime, WorkflowEntrypoint, type Scheduler, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { createNodeHost, type NodeHost } from '@cairn/host-node';
import { createPostgresScheduler, createPostgresStore } from '@cairn/store-postgres';
import { startLocalPostgres, type LocalPostgres } from '../../../test/emulators/postgres.ts';

const nowhere: Scheduler = { name: 'nowhere', async schedule() {} };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const fmt = (n: number, digits = 1) => n.toFixed(digits);

class ManySteps extends WorkflowEntrypoint<Record<string, unknown>, { steps: number }> {
  async run(event: WorkflowEvent<{ steps: number }>, step: WorkflowStep) {
    let total = 0;
    for (let i = 0; i < event.payload.steps; i++) total += await step.do(`s${i}`, async () => i);
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

/** A pool that counts the statements its connections send (each is one round trip), whoever sends them. */
function countingPool(url: string, max: number): pg.Pool & { readonly sent: number } {
  const pool = new pg.Pool({ connectionString: url, max });
  // The server stops at the end, maybe before a pool someone else holds (DBOS's) is ended.
  pool.on('error', () => undefined);
  let sent = 0;
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = (...args: unknown[]) => {
      sent++;
      return query(...args);
    };
  });
  return Object.defineProperty(pool, 'sent', { get: () => sent }) as pg.Pool & { readonly sent: number };
}

async function sequentialSteps(server: LocalPostgres): Promise<void> {
  const steps = 1_000;
  const pool = countingPool(server.url, 4);
  const store = createPostgresStore({ pool, schema: 'bench_seq' });
  await store.migrate();
  const runtime = createRuntime({ store, scheduler: nowhere, workflows: { MANY: ManySteps }, maxInProcessWaitMs: 0 });
  // Warm: prepared statements on the connection, the JIT.
  await runtime.workflow('MANY').create({ id: 'warm', params: { steps: 200 } });
  await runtime.replay({ workflowName: 'MANY', instanceId: 'warm' });
  await runtime.workflow('MANY').create({ id: 'seq', params: { steps } });
  const sentBefore = pool.sent;
  const started = performance.now();
  const report = await runtime.replay({ workflowName: 'MANY', instanceId: 'seq' });
  const ms = performance.now() - started;
  if (report.outcome !== 'complete') throw new Error(`the sequential instance ended ${report.outcome}`);
  console.log(
    `per-step latency, one sequential instance: ${fmt((ms / steps) * 1000, 0)} µs/step (${steps} steps in ${fmt(ms, 0)} ms, synchronous_commit=on); ` +
      `${fmt((pool.sent - sentBefore) / steps, 3)} requests per step (the journal read, the lease and the ending included)`,
  );
  await runtime.close();
  await pool.end();
}

async function instancesPerSecond(server: LocalPostgres, total: number): Promise<void> {
  const pool = countingPool(server.url, 16);
  const schema = `bench_three_${total}`;
  const store = createPostgresStore({ pool, schema });
  await store.migrate();
  const host = createNodeHost({ store, workflows: { THREE: ThreeSteps }, handleSignals: false });
  await host.start();
  const binding = host.runtime.workflow('THREE');
  const sentBefore = pool.sent;
  const started = performance.now();
  // Created by concurrent callers, 100 at a time (as requests to a server would).
  for (let n = 0; n < total; n += 100) {
    await Promise.all(Array.from({ length: Math.min(100, total - n) }, (_, i) => binding.create({ id: `t${n + i}`, params: { n: n + i } })));
  }
  const created = performance.now();
  // The bench's own progress reads go through a pool of their own: not counted.
  const watcher = new pg.Pool({ connectionString: server.url, max: 1 });
  const count = async () => (await watcher.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.instances WHERE status = 'complete'`)).rows[0]!.n;
  while ((await count()) < total) await sleep(25);
  const ms = performance.now() - started;
  const sent = pool.sent - sentBefore;
  console.log(
    `three-step instances, ${total}: ${fmt((total / ms) * 1000, 0)} instances/s (created and run to complete in ${fmt(ms, 0)} ms; creating took ` +
      `${fmt(created - started, 0)} ms); ${fmt(sent / (3 * total), 2)} requests per step (creates, reads, leases and endings included)`,
  );
  await host.stop();
  await Promise.all([pool.end(), watcher.end()]);
}

async function fleetLateness(server: LocalPostgres): Promise<void> {
  const sleepers = 1_000;
  const schema = 'bench_fleet';
  const pools: pg.Pool[] = [];
  const open = () => {
    const pool = new pg.Pool({ connectionString: server.url, max: 8 });
    pools.push(pool);
    return pool;
  };
  await createPostgresStore({ pool: open(), schema }).migrate();
  const hosts: NodeHost[] = [];
  for (let i = 0; i < 2; i++) {
    const pool = open();
    const host = createNodeHost({
      store: createPostgresStore({ pool, schema }),
      scheduler: createPostgresScheduler({ pool, channel: 'bench_fleet' }),
      workflows: { SLEEP: Sleeper },
      // Every sleep suspends: it is woken from the store by whichever host claims it.
      maxInProcessWaitMs: 0,
      handleSignals: false,
    });
    await host.start();
    hosts.push(host);
  }
  const clientPool = open();
  const client = createRuntime({
    store: createPostgresStore({ pool: clientPool, schema }),
    scheduler: createPostgresScheduler({ pool: clientPool, channel: 'bench_fleet' }),
    workflows: { SLEEP: Sleeper },
  });
  const t0 = Date.now() + 3_000;
  const spread = 5_000;
  for (let i = 0; i < sleepers; i += 100) {
    await Promise.all(
      Array.from({ length: 100 }, (_, j) => client.workflow('SLEEP').create({ id: `s${i + j}`, params: { until: t0 + Math.floor(Math.random() * spread) } })),
    );
  }
  if (Date.now() > t0) throw new Error('creating the sleepers took longer than their first due time');
  const give = Date.now() + spread + 30_000;
  while (lateness.length < sleepers && Date.now() < give) await sleep(20);
  if (lateness.length < sleepers) throw new Error(`only ${lateness.length} of ${sleepers} sleepers woke`);
  const sorted = [...lateness].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  console.log(
    `wake-up lateness across a fleet of 2 hosts: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${sorted.at(-1)} ms ` +
      `(${sleepers} sleepers created by a client process, due over ${spread / 1000} s; poll every 20 ms)`,
  );
  await client.close();
  await Promise.all(hosts.map((host) => host.stop()));
  await Promise.all(pools.map((pool) => pool.end()));
}

/** The same sequential instance on DBOS Transact, its system database on the same server (through a counting pool). */
async function dbosSequential(server: LocalPostgres): Promise<void> {
  let DBOS: typeof import('@dbos-inc/dbos-sdk').DBOS;
  // DBOS's own use of pg prints a deprecation warning of pg 8.
  process.noDeprecation = true;
  try {
    ({ DBOS } = await import('@dbos-inc/dbos-sdk'));
  } catch {
    console.log('DBOS: @dbos-inc/dbos-sdk is not installed (npm install in adapters/store-postgres to compare)');
    return;
  }
  const entry = createRequire(import.meta.url).resolve('@dbos-inc/dbos-sdk');
  const version = (JSON.parse(readFileSync(join(dirname(entry), '../../package.json'), 'utf8')) as { version: string }).version;
  const steps = 1_000;
  const database = await server.createDatabase('dbos_bench');
  const url = `postgres://${server.user}@${server.host}:${server.port}/${database}`;
  const pool = countingPool(url, 4);
  DBOS.setConfig({ name: 'cairn-bench', systemDatabaseUrl: url, systemDatabasePool: pool, logLevel: 'error' });
  const many = DBOS.registerWorkflow(
    async (count: number) => {
      let total = 0;
      for (let i = 0; i < count; i++) total += await DBOS.runStep(async () => i, { name: `s${i}` });
      return total;
    },
    { name: 'many' },
  );
  await DBOS.launch();
  await many(200);
  const sentBefore = pool.sent;
  const started = performance.now();
  await many(steps);
  const ms = performance.now() - started;
  console.log(
    `DBOS ${version} on the same server, one sequential workflow: ${fmt((ms / steps) * 1000, 0)} µs/step (${steps} steps in ${fmt(ms, 0)} ms); ` +
      `${fmt((pool.sent - sentBefore) / steps, 3)} requests per step`,
  );
  await DBOS.shutdown();
  await pool.end();
}

const server = await startLocalPostgres({ settings: { synchronous_commit: 'on', fsync: 'on', max_connections: '200' } });
// BENCH_ONLY=sequential,three,fleet,dbos runs those parts only.
const only = new Set((process.env.BENCH_ONLY ?? 'sequential,three,fleet,dbos').split(','));
try {
  if (only.has('sequential')) await sequentialSteps(server);
  if (only.has('three')) {
    await instancesPerSecond(server, 500);
    await instancesPerSecond(server, 10_000);
  }
  if (only.has('fleet')) await fleetLateness(server);
  if (only.has('dbos')) await dbosSequential(server);
} finally {
  await server.stop();
}
