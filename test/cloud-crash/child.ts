// A crash test's runner process: a Node host on DynamoDB Local (reached through the fault proxy) or on the
// Firestore emulator (through a gRPC interceptor that injects faults in this process). The parent kills it at
// random moments (see scenario.ts).
// Usage: node child.mjs dynamodb <effectsPath> <endpoint> <tableName>
//        node child.mjs firestore <effectsPath> <host> <port> <faultRatesJson>
//        node child.mjs postgres <effectsPath> <connectionUrl>   (a fleet: the Postgres scheduler shares wake-ups)

import { appendFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Firestore } from '@google-cloud/firestore';
import pg from 'pg';
import { createNodeHost } from '@cairn/host-node';
import { createDynamoDBStore } from '@cairn/store-dynamodb';
import { createFirestoreStore } from '@cairn/store-firestore';
import { createPostgresScheduler, createPostgresStore } from '@cairn/store-postgres';
import type { Scheduler, WorkflowStore } from '@cairn/core';
import { firestoreClientSettings } from '../emulators/firestore.js';
import { grpcFaults, type GrpcFaultRates } from '../support/grpc-faults.js';
import { Payment, WORKFLOW, type PaymentEnv } from './payment.js';

const [kind, effectsPath, ...rest] = process.argv.slice(2);
if ((kind !== 'dynamodb' && kind !== 'firestore' && kind !== 'postgres') || !effectsPath) {
  throw new Error('usage: child.mjs dynamodb|firestore|postgres <effectsPath> ...');
}
const dir = dirname(effectsPath);

// Side effects go to a file of their own: each row is one execution of a step body.
const effects = new DatabaseSync(effectsPath);
effects.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000');
const insertEffect = effects.prepare('INSERT INTO effects (instance_id, step, attempt, pid) VALUES (?, ?, ?, ?)');
const env: PaymentEnv = { effect: (instanceId, step, attempt) => void insertEffect.run(instanceId, step, attempt, process.pid) };

// Each process logs to files of its own (no lock shared with the others): the parent reads them at the end.
const log = (prefix: string, fields: Array<string | number>) => appendFileSync(join(dir, `${prefix}-${process.pid}.log`), `${JSON.stringify(fields)}\n`);

// Postgres: one pool for the store and the scheduler's LISTEN connection; connections the proxy cuts are dropped.
const pool = kind === 'postgres' ? new pg.Pool({ connectionString: rest[0], max: 8 }) : undefined;
pool?.on('error', () => undefined);
const fleet: Scheduler | undefined = pool ? createPostgresScheduler({ pool, onError: () => undefined }) : undefined;

function openStore(): WorkflowStore {
  if (pool) return createPostgresStore({ pool, onError: () => undefined });
  if (kind === 'dynamodb') {
    const [endpoint, tableName] = rest as [string, string];
    // Enough SDK attempts to ride out a few percent of faults; the proxy's throttles and 5xx are retried with backoff.
    const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 10 });
    return createDynamoDBStore({ client, tableName });
  }
  const [host, port, rates] = rest as [string, string, string];
  const faults = grpcFaults({ commitsOnce: true, rates: JSON.parse(rates) as GrpcFaultRates, onFault: (fault) => log('faults', [fault]) });
  const firestore = new Firestore({ ...firestoreClientSettings({ host, port: Number(port) }), ...faults.settings });
  return createFirestoreStore({ firestore, collection: 'cairn-crash' });
}

/** Every instance write and journal read, logged with its outcome: the parent prints an unfinished instance's history. */
function logged(store: WorkflowStore): WorkflowStore {
  return {
    ...store,
    async updateInstance(params) {
      const started = Date.now();
      const detail = JSON.stringify({ expectedVersion: params.expectedVersion, ...params.patch, params: undefined });
      try {
        const result = await store.updateInstance(params);
        log('history', [params.instanceId, process.pid, started, Date.now(), 'updateInstance', detail, `v${result.version}`]);
        return result;
      } catch (error) {
        log('history', [params.instanceId, process.pid, started, Date.now(), 'updateInstance', detail, String((error as { code?: string }).code ?? error)]);
        throw error;
      }
    },
    async loadJournal(params) {
      const started = Date.now();
      const journal = await store.loadJournal(params);
      const outcome = journal ? `v${journal.instance.version} events ${journal.events.map((event) => event.id).join(',')}` : 'null';
      log('history', [params.instanceId, process.pid, started, Date.now(), 'loadJournal', '', outcome]);
      return journal;
    },
  };
}

const host = createNodeHost({
  store: logged(openStore()),
  workflows: { [WORKFLOW]: Payment },
  env,
  leaseMs: 2_000,
  pollIntervalMs: 250,
  sliceMs: 2_000,
  onError: () => undefined,
  // The fleet: longer waits suspend (woken by a timer here, or, if this runner dies, by another's claim).
  ...(fleet ? { scheduler: fleet, maxInProcessWaitMs: 300 } : {}),
});
await host.start();
process.stdout.write('started\n');
