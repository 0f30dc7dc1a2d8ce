// The shared WorkflowStore contract, on DynamoDB Local: a fresh table per test (listing sees only its data).

import { afterAll, beforeAll } from 'vitest';
import { describeStoreConformance } from '@cairn/testkit';
import { createDynamoDBStore } from '@cairn/store-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startLocalDynamo, type LocalDynamo } from './helpers.js';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo?.stop();
});

describeStoreConformance(
  'dynamodb',
  async () => {
    const tableName = await dynamo.freshTable();
    const store = createDynamoDBStore({ client: dynamo.client, tableName });
    return { store, cleanup: () => dynamo.dropTable(tableName) };
  },
  // Status filters are FilterExpressions on an index: pages may come back short.
  {
    fullPages: false,
    timeoutMs: 60_000,
    // An endpoint on a port nothing listens on (port 9 is discard, closed here): every call must fail typed.
    unreachableStore: () =>
      createDynamoDBStore({
        client: new DynamoDBClient({
          endpoint: 'http://127.0.0.1:9',
          region: 'us-east-1',
          credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
          maxAttempts: 1,
        }),
        tableName: 'unreachable',
      }),
  },
);
