// The shared WorkflowStore contract, on DynamoDB Local: a fresh table per test (listing sees only its data).

import { afterAll, beforeAll } from 'vitest';
import { describeStoreConformance } from '@cairn/testkit';
import { createDynamoDBStore } from '@cairn/store-dynamodb';
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
  { fullPages: false, timeoutMs: 60_000 },
);
