// Eight runner processes on DynamoDB Local, every request through a fault proxy (answers lost after they were
// applied, 5xx before and after applying, throttles, delays, duplicated requests), killed with SIGKILL over and
// over while a client that retries sends each instance's approval with one event id. In the end: no instance
// lost, none stuck past its due time, one outcome per step, one stored event per approval.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatabaseSync } from 'node:sqlite';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { CairnError, createRuntime, deserialize, type Runtime, type WorkflowStore } from '@cairn/core';
import { createDynamoDBStore, createDynamoDBTable } from '@cairn/store-dynamodb';
import { startDynamoDBLocal, type DynamoDBLocal } from '../emulators/dynamodb-local.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { approvalAmount, expectedOutput, Payment, WORKFLOW } from './payment.js';

const RUNNERS = 8;
const INSTANCES = 120;
const KILLS = 32;
/** How often each runner reads the due index: the sweep interval "stuck" is measured against. */
const SWEEP_MS = 250;
const RATES = { lose: 0.03, error5xx: 0.01, after5xx: 0.01, throttle: 0.02, delay: 0.04, duplicate: 0.02 };

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cairn-dynamo-crash-'));
const effectsPath = join(dir, 'effects.db');
const childPath = join(dir, 'child.mjs');
const tableName = 'cairn-crash';
const children = new Set<ChildProcess>();
let dynamo: DynamoDBLocal;
let proxy: FaultProxy;
let direct: DynamoDBClient;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const localClient = (endpoint: string, maxAttempts: number) =>
  new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts });

function startRunner(): ChildProcess {
  const child = spawn(process.execPath, [childPath, proxy.endpoint, tableName, effectsPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

beforeAll(async () => {
  dynamo = await startDynamoDBLocal();
  direct = localClient(dynamo.endpoint, 3);
  await createDynamoDBTable({ client: direct, tableName });
  proxy = await startFaultProxy({ target: dynamo.endpoint, rates: RATES });
  const effects = new DatabaseSync(effectsPath);
  effects.exec('PRAGMA journal_mode = WAL');
  effects.exec('CREATE TABLE effects (instance_id TEXT NOT NULL, step TEXT NOT NULL, attempt INTEGER NOT NULL, pid INTEGER NOT NULL)');
  effects.close();
  await build({
    entryPoints: [fileURLToPath(new URL('./child.ts', import.meta.url))],
    outfile: childPath,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    logLevel: 'error',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    alias: {
      '@cairn/core': join(root, 'packages/core/src/index.ts'),
      '@cairn/store-dynamodb': join(root, 'adapters/store-dynamodb/src/index.ts'),
      '@cairn/host-node': join(root, 'adapters/host-node/src/index.ts'),
    },
  });
}, 120_000);

afterAll(async () => {
  await Promise.all([...children].map((child) => kill(child, 'SIGKILL')));
  direct?.destroy();
  await proxy?.close();
  await dynamo?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const clientLog: string[] = [];

/** The client's store writes, logged for the history of an instance that does not finish. */
function loggedStore(store: WorkflowStore): WorkflowStore {
  const log = async <T>(call: string, params: { instanceId: string }, detail: unknown, work: () => Promise<T>, describe: (result: T) => string) => {
    const started = Date.now();
    try {
      const result = await work();
      clientLog.push(`${started}-${Date.now()} ${call} ${JSON.stringify({ instanceId: params.instanceId, ...(detail as object) })} -> ${describe(result)}`);
      return result;
    } catch (error) {
      clientLog.push(
        `${started}-${Date.now()} ${call} ${JSON.stringify({ instanceId: params.instanceId, ...(detail as object) })} -> ${String((error as { code?: string }).code ?? error)}`,
      );
      throw error;
    }
  };
  const describeInstance = (instance: { version: number; leaseOwner: string | null; leaseExpiresAt: number | null; status: string }) =>
    `v${instance.version} ${instance.status} lease ${instance.leaseOwner ?? 'none'} until ${instance.leaseExpiresAt}`;
  return {
    ...store,
    appendEvent: (params) => log('appendEvent', params, { event: params.event.id }, () => store.appendEvent(params), describeInstance),
    updateInstance: (params) =>
      log('updateInstance', params, { expectedVersion: params.expectedVersion, ...params.patch }, () => store.updateInstance(params), describeInstance),
  };
}

/** The client side: creates instances and sends approvals through the proxy, retrying as an application would. */
function clientRuntime(): { runtime: Runtime; client: DynamoDBClient } {
  const client = localClient(proxy.endpoint, 10);
  // Its wake-ups are delivered by the runners' due-index polls: this process schedules nothing itself.
  const scheduler = { name: 'polled', schedule: async () => undefined };
  return { runtime: createRuntime({ store: loggedStore(createDynamoDBStore({ client, tableName })), scheduler, workflows: { [WORKFLOW]: Payment } }), client };
}

async function withRetries<T>(work: () => Promise<T>, counters: { retries: number }): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= 20 || CairnError.is(error, 'invalid_input')) throw error;
      counters.retries++;
      await sleep(50 * attempt);
    }
  }
}

interface Traffic {
  created: number;
  createRetries: number;
  alreadyExistsOnOwnCreate: number;
  sends: number;
  sendRetries: number;
}

/** Creates the instances over time, and sends each approval (some twice more, as a client unsure of its answer). */
async function drive(runtime: Runtime, traffic: Traffic): Promise<void> {
  const binding = runtime.workflow<{ n: number }>(WORKFLOW);
  const sends: Promise<void>[] = [];
  const began = Date.now();
  for (let n = 0; n < INSTANCES; n++) {
    const id = `pay-${n}`;
    const counters = { retries: 0 };
    await withRetries(async () => {
      try {
        await binding.create({ id, params: { n } });
      } catch (error) {
        // Only a retry of ours that the first try already created may see this (counted, checked below).
        if (!CairnError.is(error, 'instance_already_exists') || counters.retries === 0) throw error;
        traffic.alreadyExistsOnOwnCreate++;
      }
    }, counters);
    traffic.created++;
    traffic.createRetries += counters.retries;
    sends.push(
      (async () => {
        await sleep(Math.random() * 4_000);
        const resends = n % 3 === 0 ? 3 : 1;
        for (let i = 0; i < resends; i++) {
          const sendCounters = { retries: 0 };
          await withRetries(async () => {
            const instance = await binding.get(id);
            await instance.sendEvent({ type: 'approval', payload: { amount: approvalAmount(n) }, id: `approval-${n}` });
          }, sendCounters);
          traffic.sends++;
          traffic.sendRetries += sendCounters.retries;
        }
      })(),
    );
    if (n % 10 === 9) await sleep(300);
  }
  console.log(`[dynamodb-crash] ${traffic.created} instances created in ${Math.round((Date.now() - began) / 1000)} s`);
  await Promise.all(sends);
}

/** The longest any due instance has waited past its wake-up, sampled without faults. */
function watchOverdue(store: WorkflowStore): { stop: () => Promise<number> } {
  let worst = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const now = Date.now();
      const due = await store.listDueInstances({ now, limit: 200 }).catch(() => []);
      for (const instance of due) worst = Math.max(worst, now - instance.wakeAt);
      await sleep(200);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return worst;
    },
  };
}

/** The runners' logged store calls for one instance, in start order. */
function historyOf(instanceId: string): Array<Array<string | number>> {
  const rows: Array<Array<string | number>> = [];
  for (const file of readdirSync(dir).filter((name) => name.startsWith('history-'))) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (!line) continue;
      const row = JSON.parse(line) as Array<string | number>;
      if (row[0] === instanceId) rows.push(row);
    }
  }
  return rows.sort((a, b) => Number(a[2]) - Number(b[2]));
}

async function completedCount(store: WorkflowStore): Promise<number> {
  let count = 0;
  let cursor: string | undefined;
  do {
    const page = await store.listInstances({ workflowName: WORKFLOW, status: 'complete', limit: 50, ...(cursor ? { cursor } : {}) });
    count += page.instances.length;
    cursor = page.nextCursor;
  } while (cursor);
  return count;
}

async function storedEventItems(instanceId: string): Promise<number> {
  const result = await direct.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :e)',
      ExpressionAttributeValues: { ':pk': { S: `${WORKFLOW}#${instanceId}` }, ':e': { S: 'E#' } },
      Select: 'COUNT',
    }),
  );
  return result.Count ?? 0;
}

describe('DynamoDB behind a fault proxy, runners under SIGKILL', () => {
  it(
    `${INSTANCES} instances, ${RUNNERS} runners, ${KILLS} kills: none lost or stuck, one outcome per step, one event per approval`,
    { timeout: 600_000 },
    async () => {
      const started = Date.now();
      const store = createDynamoDBStore({ client: direct, tableName });
      const { runtime, client } = clientRuntime();
      const runners = Array.from({ length: RUNNERS }, startRunner);
      const overdue = watchOverdue(store);
      const traffic: Traffic = { created: 0, createRetries: 0, alreadyExistsOnOwnCreate: 0, sends: 0, sendRetries: 0 };
      const driving = drive(runtime, traffic);
      let kills = 0;
      const drivenOrFailed = driving.then(
        () => undefined,
        () => undefined,
      );
      // Kills spread over the traffic (each restart costs a process start, so they are paced, not a storm).
      while (kills < KILLS) {
        await sleep(600 + Math.random() * 900);
        const victim = runners.splice(Math.floor(Math.random() * runners.length), 1)[0]!;
        await kill(victim, 'SIGKILL');
        kills++;
        runners.push(startRunner());
      }
      await drivenOrFailed;
      await driving;
      console.log(
        `[dynamodb-crash] driven in ${Math.round((Date.now() - started) / 1000)} s: ${traffic.created} created, ${traffic.sends} sends; ${kills} kills`,
      );
      // Every instance is due within seconds (its sleep is under a second, its event sent): one that makes no
      // progress for a minute is stuck, and waiting longer would only hide it.
      let lastLog = 0;
      let progressAt = Date.now();
      let previous = -1;
      for (let done = await completedCount(store); done < INSTANCES && Date.now() - progressAt < 60_000; done = await completedCount(store)) {
        if (done !== previous) [previous, progressAt] = [done, Date.now()];
        if (Date.now() - lastLog > 10_000) {
          console.log(`[dynamodb-crash] ${done}/${INSTANCES} complete after ${Math.round((Date.now() - started) / 1000)} s`);
          lastLog = Date.now();
        }
        await sleep(500);
      }
      const worstOverdue = await overdue.stop();
      await Promise.all(runners.map((runner) => kill(runner, 'SIGTERM')));
      client.destroy();

      const effects = new DatabaseSync(effectsPath, { readOnly: true });
      const executions = new Map<string, number>();
      for (const row of effects.prepare('SELECT instance_id AS id, step, count(*) AS n FROM effects GROUP BY 1, 2').all()) {
        executions.set(`${row.id}:${row.step}`, row.n as number);
      }
      effects.close();
      let lost = 0;
      let unfinished = 0;
      let duplicateOutcomes = 0;
      let duplicateEvents = 0;
      let recovered = 0;
      for (let n = 0; n < INSTANCES; n++) {
        const id = `pay-${n}`;
        const journal = await store.loadJournal({ workflowName: WORKFLOW, instanceId: id });
        if (!journal) {
          lost++;
          continue;
        }
        const { instance, steps } = journal;
        if (instance.status !== 'complete') {
          unfinished++;
          const { params: _params, ...fields } = instance;
          console.log(`[dynamodb-crash] ${id} unfinished at ${Date.now()}: ${JSON.stringify(fields)}`);
          console.log(`  steps: ${steps.map((step) => `${step.id}:${step.state}@${step.recordedAt}`).join(', ')}`);
          console.log(`  events: ${JSON.stringify(journal.events)}; raw event items ${await storedEventItems(id)}`);
          for (const [, pid, started, ended, call, detail, outcome] of historyOf(id))
            console.log(`  ${started}-${ended} pid ${pid} ${call} ${detail} -> ${outcome}`);
          for (const line of clientLog.filter((entry) => entry.includes(`"${id}"`))) console.log(`  client ${line}`);
          continue;
        }
        expect(deserialize(instance.output!), id).toEqual(expectedOutput(n));
        if (instance.recoveries > 0) recovered++;
        const outcomes = new Map<string, number>();
        for (const step of steps) if (step.state === 'completed' || step.state === 'failed') outcomes.set(step.key, (outcomes.get(step.key) ?? 0) + 1);
        for (const count of outcomes.values()) if (count > 1) duplicateOutcomes += count - 1;
        expect([...outcomes.keys()].sort(), id).toEqual(['do:charge-1', 'do:flaky-1', 'do:reserve-1', 'wait:approval-1']);
        expect(
          steps.filter((step) => step.id === 'sleep:settle-1#start'),
          id,
        ).toHaveLength(1);
        for (const key of ['reserve', 'flaky', 'charge']) expect(executions.get(`${id}:${key}`) ?? 0, `${id}:${key} ran`).toBeGreaterThanOrEqual(1);
        const events = await storedEventItems(id);
        if (events !== 1) duplicateEvents += Math.max(0, events - 1);
        expect(events, `${id}: its approval stored`).toBeGreaterThanOrEqual(1);
      }
      const faults = proxy.stats;
      const injected = faults.lose + faults.error5xx + faults.after5xx + faults.throttle + faults.delay + faults.duplicate;
      console.log(
        `[dynamodb-crash] ${kills} SIGKILLs over ${RUNNERS} runners; ${faults.requests} requests, ${injected} faults ` +
          `(lost answers ${faults.lose}, 5xx ${faults.error5xx}, 5xx after applying ${faults.after5xx}, throttles ${faults.throttle}, ` +
          `delays ${faults.delay}, duplicates ${faults.duplicate}); client: ${traffic.createRetries} create retries, ` +
          `${traffic.sends} sends (${traffic.sendRetries} retries); ${recovered} instances recovered from a killed runner; ` +
          `lost ${lost}, unfinished ${unfinished}, duplicate outcomes ${duplicateOutcomes}, duplicate events ${duplicateEvents}; ` +
          `worst overdue wake-up ${worstOverdue} ms (sweep ${SWEEP_MS} ms)`,
      );
      expect(kills).toBeGreaterThanOrEqual(30);
      expect(injected).toBeGreaterThan(0);
      expect(lost).toBe(0);
      expect(unfinished).toBe(0);
      expect(duplicateOutcomes).toBe(0);
      expect(duplicateEvents).toBe(0);
      expect(traffic.alreadyExistsOnOwnCreate).toBe(0);
      expect(recovered).toBeGreaterThan(0);
    },
  );
});
