// The DynamoDB crash test's runner process: a Node host on DynamoDB Local, reached through the fault proxy.
// The parent kills it at random moments (see crash.test.ts).
// Usage: node child.mjs <endpoint> <tableName> <effectsPath>

import { appendFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createNodeHost } from '@cairn/host-node';
import { createDynamoDBStore } from '@cairn/store-dynamodb';
import type { WorkflowStore } from '@cairn/core';
import { Payment, WORKFLOW, type PaymentEnv } from './payment.js';

const [endpoint, tableName, effectsPath] = process.argv.slice(2);
if (!endpoint || !tableName || !effectsPath) throw new Error('usage: child.mjs <endpoint> <tableName> <effectsPath>');

// Side effects go to a file of their own: each row is one execution of a step body.
const effects = new DatabaseSync(effectsPath);
effects.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000');
const insertEffect = effects.prepare('INSERT INTO effects (instance_id, step, attempt, pid) VALUES (?, ?, ?, ?)');
const env: PaymentEnv = { effect: (instanceId, step, attempt) => void insertEffect.run(instanceId, step, attempt, process.pid) };

// Enough SDK attempts to ride out a few percent of faults; the proxy's throttles and 5xx are retried with backoff.
const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 10 });

// Every instance write, logged with its outcome to a file of this process (no lock shared with the others): the
// test prints an instance's history when it does not finish.
const historyFile = join(dirname(effectsPath), `history-${process.pid}.log`);
const insertWrite = { run: (...fields: Array<string | number>) => appendFileSync(historyFile, `${JSON.stringify(fields)}\n`) };
const store = createDynamoDBStore({ client, tableName });
const logged: WorkflowStore = {
  ...store,
  async updateInstance(params) {
    const started = Date.now();
    const detail = JSON.stringify({ expectedVersion: params.expectedVersion, ...params.patch, params: undefined });
    try {
      const result = await store.updateInstance(params);
      insertWrite.run(params.instanceId, process.pid, started, Date.now(), 'updateInstance', detail, `v${result.version}`);
      return result;
    } catch (error) {
      insertWrite.run(params.instanceId, process.pid, started, Date.now(), 'updateInstance', detail, String((error as { code?: string }).code ?? error));
      throw error;
    }
  },
  async loadJournal(params) {
    const started = Date.now();
    const journal = await store.loadJournal(params);
    const outcome = journal ? `v${journal.instance.version} events ${journal.events.map((event) => event.id).join(',')}` : 'null';
    insertWrite.run(params.instanceId, process.pid, started, Date.now(), 'loadJournal', '', outcome);
    return journal;
  },
};

const host = createNodeHost({
  store: logged,
  workflows: { [WORKFLOW]: Payment },
  env,
  leaseMs: 2_000,
  pollIntervalMs: 250,
  sliceMs: 2_000,
  onError: () => undefined,
});
await host.start();
process.stdout.write('started\n');
