// Test plumbing: one DynamoDB Local per test file, a fresh table per suite or test, and records to write.

import { makeInstance, makeStep } from '@cairn/testkit';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type InstanceRecord, type StepRecord } from '@cairn/core';
import { createDynamoDBTable } from '@cairn/store-dynamodb';
import { startDynamoDBLocal, type DynamoDBLocal } from '../../../test/emulators/dynamodb-local.js';

export interface LocalDynamo {
  emulator: DynamoDBLocal;
  client: DynamoDBClient;
  /** Creates a table with a unique name (indexes, TTL) and returns its name. */
  freshTable(): Promise<string>;
  dropTable(name: string): Promise<void>;
  stop(): Promise<void>;
}

export function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 3,
  });
}

let tables = 0;

export async function startLocalDynamo(): Promise<LocalDynamo> {
  const emulator = await startDynamoDBLocal();
  const client = localClient(emulator.endpoint);
  return {
    emulator,
    client,
    async freshTable() {
      const name = `cairn-test-${process.pid}-${++tables}`;
      await createDynamoDBTable({ client, tableName: name });
      return name;
    },
    async dropTable(name) {
      await client.send(new DeleteTableCommand({ TableName: name }));
    },
    async stop() {
      client.destroy();
      await emulator.stop();
    },
  };
}

export function instanceRecord(instanceId: string, overrides: Partial<InstanceRecord> = {}): InstanceRecord {
  return makeInstance({
    workflowName: 'WF',
    instanceId,
    status: 'running',
    params: '{"json":{}}',
    createdAt: 1_000,
    updatedAt: 1_000,
    leaseOwner: 'runner-a',
    leaseToken: 1,
    leaseExpiresAt: 60_000,
    wakeAt: 60_000,
    ...overrides,
  });
}

export function stepRecord(id: string, overrides: Partial<StepRecord> = {}): StepRecord {
  return makeStep({
    id,
    name: id,
    value: '{"json":1}',
    startedAt: 2_000,
    recordedAt: 2_000,
    ...overrides,
  });
}

/** A string of exactly `bytes` UTF-8 bytes mixing 1-, 2-, 3- and 4-byte characters. */
export function mixedText(bytes: number): string {
  const pieces = ['a', 'é', '漢', '🏔'];
  let out = '';
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const piece = pieces[i % pieces.length]!;
    const length = Buffer.byteLength(piece);
    if (size + length > bytes) {
      out += 'a'.repeat(bytes - size);
      break;
    }
    out += piece;
    size += length;
  }
  return out;
}
