// Eight runner processes on DynamoDB Local, every request through a fault proxy (answers lost after they were
// applied, 5xx before and after applying, throttles, delays, duplicated requests), killed with SIGKILL over and
// over while a client that retries sends each instance's approval with one event id (see scenario.ts).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { createDynamoDBStore, createDynamoDBTable } from '@cairn/store-dynamodb';
import { startDynamoDBLocal, type DynamoDBLocal } from '../emulators/dynamodb-local.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { kill, prepareRunners, type Runners } from './runners.js';
import { runCrashScenario, STUCK_ALLOWANCE_MS } from './scenario.js';
import { WORKFLOW } from './payment.js';

const RUNNERS = 8;
const INSTANCES = 120;
const KILLS = 32;
const RATES = { lose: 0.03, error5xx: 0.01, after5xx: 0.01, throttle: 0.02, delay: 0.04, duplicate: 0.02 };
const tableName = 'cairn-crash';

const dir = mkdtempSync(join(tmpdir(), 'cairn-dynamodb-crash-'));
let dynamo: DynamoDBLocal;
let proxy: FaultProxy;
let direct: DynamoDBClient;
let client: DynamoDBClient;
let runners: Runners;

const localClient = (endpoint: string, maxAttempts: number) =>
  new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts });

beforeAll(async () => {
  dynamo = await startDynamoDBLocal();
  direct = localClient(dynamo.endpoint, 3);
  await createDynamoDBTable({ client: direct, tableName });
  proxy = await startFaultProxy({ target: dynamo.endpoint, rates: RATES });
  client = localClient(proxy.endpoint, 10);
  runners = await prepareRunners(dir, 'dynamodb', [proxy.endpoint, tableName]);
}, 120_000);

afterAll(async () => {
  await Promise.all([...(runners?.alive ?? [])].map((child) => kill(child, 'SIGKILL')));
  client?.destroy();
  direct?.destroy();
  await proxy?.close();
  await dynamo?.stop();
  runners?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function storedEvents(instanceId: string): Promise<number> {
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
  it(`${INSTANCES} instances, ${RUNNERS} runners, ${KILLS} kills: none lost or stuck, one outcome per step, one event per approval`, { timeout: 600_000 }, () =>
    runCrashScenario({
      label: 'dynamodb',
      isolated: true,
      dir,
      runners,
      runnerCount: RUNNERS,
      instances: INSTANCES,
      kills: KILLS,
      killEveryMs: [600, 1_500],
      sweepMs: 250,
      faultAllowanceMs: STUCK_ALLOWANCE_MS,
      store: createDynamoDBStore({ client: direct, tableName }),
      clientStore: createDynamoDBStore({ client, tableName }),
      storedEvents,
      faults: () => ({ ...proxy.stats }),
    }),
  );
});
