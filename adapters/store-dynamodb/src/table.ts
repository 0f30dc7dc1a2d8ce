// The table's definition, and a helper that creates it: for development and tests only. In production
// create the table with your infrastructure as code from `tableDefinition()` (the same keys and indexes),
// and enable TTL on `ttl` (or your `retention.attribute`).

import { CreateTableCommand, DescribeTableCommand, UpdateTimeToLiveCommand, type CreateTableCommandInput, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AdapterError } from '@cairn/core';
import { errorName, toAdapterError } from './errors.js';
import { ATTR, INDEX } from './keys.js';

const string = (AttributeName: string) => ({ AttributeName, AttributeType: 'S' as const });

/** CreateTable input: on-demand billing, key `pk`/`sk`, three global secondary indexes. */
export function tableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [
      { AttributeName: ATTR.pk, KeyType: 'HASH' },
      { AttributeName: ATTR.sk, KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [ATTR.pk, ATTR.sk, ATTR.duePk, ATTR.dueSk, ATTR.wfPk, ATTR.allPk, ATTR.listSk].map(string),
    GlobalSecondaryIndexes: [
      {
        IndexName: INDEX.due,
        KeySchema: [
          { AttributeName: ATTR.duePk, KeyType: 'HASH' },
          { AttributeName: ATTR.dueSk, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['workflowName', 'instanceId', 'wakeAt'] },
      },
      {
        IndexName: INDEX.byWorkflow,
        KeySchema: [
          { AttributeName: ATTR.wfPk, KeyType: 'HASH' },
          { AttributeName: ATTR.listSk, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['status'] },
      },
      {
        IndexName: INDEX.all,
        KeySchema: [
          { AttributeName: ATTR.allPk, KeyType: 'HASH' },
          { AttributeName: ATTR.listSk, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['status'] },
      },
    ],
  };
}

export interface CreateDynamoDBTableOptions {
  client: DynamoDBClient;
  tableName: string;
  /** The TTL attribute to enable. @default 'ttl' */
  ttlAttribute?: string;
}

/**
 * Creates the table (if absent), waits until it is ACTIVE and enables TTL. For development and tests
 * only: production tables belong in infrastructure as code.
 */
export async function createDynamoDBTable({ client, tableName, ttlAttribute = 'ttl' }: CreateDynamoDBTableOptions): Promise<void> {
  try {
    await client.send(new CreateTableCommand(tableDefinition(tableName)));
  } catch (error) {
    if (errorName(error) !== 'ResourceInUseException') throw toAdapterError(error, 'createDynamoDBTable', tableName);
  }
  const started = Date.now();
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE');
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) break;
    if (Date.now() - started > 300_000) {
      throw new AdapterError('dynamodb', 'createDynamoDBTable', `table "${tableName}" is not ACTIVE after 5 minutes`, { option: 'tableName' });
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  try {
    await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true } }));
  } catch (error) {
    // Already enabled (DynamoDB refuses a second identical change).
    if (errorName(error) !== 'ValidationException') throw toAdapterError(error, 'createDynamoDBTable', tableName);
  }
}
