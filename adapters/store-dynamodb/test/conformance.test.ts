// The shared WorkflowStore contract, on DynamoDB Local: a fresh table per test (listing sees only its data),
// with faults injected by an SDK middleware inside the client's retry loop.

import { afterAll, beforeAll } from 'vitest';
import { describeStoreConformance } from '@cairn/testkit';
import { createDynamoDBStore } from '@cairn/store-dynamodb';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { sdkFaults } from '../../../test/support/aws-sdk-faults.js';
import { localClient, startLocalDynamo, type LocalDynamo } from './helpers.js';

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
    const client = localClient(dynamo.emulator.endpoint);
    const faults = sdkFaults(client);
    let reopened: DynamoDBClient | undefined;
    return {
      store: createDynamoDBStore({ client, tableName }),
      faults,
      async reopen() {
        client.destroy();
        reopened = localClient(dynamo.emulator.endpoint);
        return createDynamoDBStore({ client: reopened, tableName });
      },
      async corrupt(ref) {
        await dynamo.client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: { pk: { S: `${ref.workflowName}#${ref.instanceId}` }, sk: { S: 'I' } },
            UpdateExpression: 'SET #status = :bad',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':bad': { S: 'not-a-status' } },
          }),
        );
      },
      async cleanup() {
        client.destroy();
        reopened?.destroy();
        await dynamo.dropTable(tableName);
      },
    };
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
