// DynamoDB-specific behaviour beyond the shared conformance suite: chunking, journal pagination, TTL
// stamping, fencing through the transaction, typed errors, leftovers of an expired instance.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetItemCommand, PutItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient, type QueryCommandOutput } from '@aws-sdk/client-dynamodb';
import { CairnError, MAX_PAYLOAD_BYTES, type InstanceRecord, type WorkflowStore } from '@cairn/core';
import { createDynamoDBStore } from '@cairn/store-dynamodb';
import { instanceRecord, mixedText, startLocalDynamo, stepRecord, type LocalDynamo } from './helpers.js';

let dynamo: LocalDynamo;
let tableName: string;
let store: WorkflowStore;
let seq = 0;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  tableName = await dynamo.freshTable();
  store = createDynamoDBStore({ client: dynamo.client, tableName });
});
afterAll(async () => {
  await dynamo?.stop();
});

const newId = () => `inst-${++seq}`;
const ref = (instance: InstanceRecord) => ({ workflowName: instance.workflowName, instanceId: instance.instanceId });

async function rawItems(client: DynamoDBClient, pk: string) {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page: QueryCommandOutput = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: pk } },
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Counts commands sent through `client`, by name, while `work` runs. */
async function countCommands<T>(client: DynamoDBClient, work: () => Promise<T>): Promise<{ result: T; counts: Record<string, number> }> {
  const counts: Record<string, number> = {};
  const name = `count-${Math.random()}`;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      counts[context.commandName ?? '?'] = (counts[context.commandName ?? '?'] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name },
  );
  try {
    return { result: await work(), counts };
  } finally {
    client.middlewareStack.remove(name);
  }
}

describe('chunking', () => {
  it('stores a 1 MiB step value in chunk items of at most 380 KB, written in the step transaction, and reads it back byte-exact', async () => {
    const instance = instanceRecord(newId());
    await store.createInstance({ instance });
    const value = JSON.stringify(mixedText(MAX_PAYLOAD_BYTES - 2));
    expect(Buffer.byteLength(value)).toBe(MAX_PAYLOAD_BYTES);
    const { result, counts } = await countCommands(dynamo.client, () =>
      store.recordStep({ ...ref(instance), leaseToken: 1, step: stepRecord('do:big-1', { value }) }),
    );
    expect(result).toEqual({ recorded: true });
    expect(counts).toEqual({ TransactWriteItemsCommand: 1 });

    const items = await rawItems(dynamo.client, `WF#${instance.instanceId}`);
    const chunks = items.filter((item) => item.sk?.S?.startsWith('C#S#'));
    expect(chunks.length).toBe(3);
    for (const chunk of chunks) expect(chunk.b?.B?.length).toBeLessThanOrEqual(380_000);
    const stepItem = items.find((item) => item.sk?.S?.startsWith('S#'));
    expect(stepItem?.d).toBeUndefined();
    expect(stepItem?.parts?.N).toBe('3');

    const journal = await store.loadJournal(ref(instance));
    expect(journal?.steps[0]?.value === value).toBe(true);
    // The first writer's chunked record comes back to a second writer of the same id.
    const again = await store.recordStep({ ...ref(instance), leaseToken: 1, step: stepRecord('do:big-1', { value: '"other"' }) });
    expect(again.recorded === false && again.existing.value === value).toBe(true);
  });

  it('stores 1 MiB params and output in chunk items and caches them, so instance writes do not read them again', async () => {
    const params = JSON.stringify(mixedText(MAX_PAYLOAD_BYTES - 2));
    const instance = instanceRecord(newId(), { params });
    await store.createInstance({ instance });
    const output = JSON.stringify(mixedText(MAX_PAYLOAD_BYTES - 100));
    const { result, counts } = await countCommands(dynamo.client, () =>
      store.updateInstance({ ...ref(instance), expectedVersion: 0, patch: { status: 'complete', output } }),
    );
    expect(result.params === params && result.output === output).toBe(true);
    // 3 chunk PutItems for the output, one UpdateItem; params come from the cache.
    expect(counts).toEqual({ PutItemCommand: 3, UpdateItemCommand: 1 });
    const item = (await dynamo.client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: `WF#${instance.instanceId}` }, sk: { S: 'I' } } })))
      .Item!;
    expect(item.params).toBeUndefined();
    expect(item.paramsRef?.S).toMatch(/:3$/);
    // A fresh store (no cache) reads the chunks.
    const fresh = createDynamoDBStore({ client: dynamo.client, tableName });
    const read = await fresh.getInstance(ref(instance));
    expect(read?.params === params && read.output === output).toBe(true);
  });
});

describe('journal pagination', () => {
  it('reads a journal larger than one 1 MB Query page whole and in recording order', async () => {
    const instance = instanceRecord(newId());
    await store.createInstance({ instance });
    const value = JSON.stringify('x'.repeat(200_000));
    const steps = Array.from({ length: 12 }, (_, i) => stepRecord(`do:s-${i + 1}`, { value, recordedAt: 10_000 - i }));
    for (const step of steps) await store.recordStep({ ...ref(instance), leaseToken: 1, step });
    const { result, counts } = await countCommands(dynamo.client, () => store.loadJournal(ref(instance)));
    // 2.4 MB of steps: DynamoDB returns them over several pages, and every page is read.
    expect(counts.QueryCommand).toBeGreaterThan(1);
    expect(result?.steps.map((step) => step.id)).toEqual([...steps].reverse().map((step) => step.id));
    expect(result?.steps.every((step) => step.value === value)).toBe(true);
  });
});

describe('retention', () => {
  it('finishing with expiresAt stamps the TTL (epoch seconds) on every item of the instance; a restart clears it', async () => {
    const instance = instanceRecord(newId(), { params: JSON.stringify(mixedText(200_000)) });
    await store.createInstance({ instance });
    await store.recordStep({ ...ref(instance), leaseToken: 1, step: stepRecord('do:a-1') });
    await store.recordStep({ ...ref(instance), leaseToken: 1, step: stepRecord('do:b-1', { value: JSON.stringify('y'.repeat(500_000)) }) });
    const afterEvent = await store.appendEvent({ ...ref(instance), event: { v: 1, id: 'e1', type: 'go', payload: '{}', timestamp: 3_000 } });
    const expiresAt = 1_900_000_000_123;
    await store.updateInstance({
      ...ref(instance),
      expectedVersion: afterEvent.version,
      patch: { status: 'complete', output: '{"json":"done"}', finishedAt: 5_000, expiresAt, leaseOwner: null },
    });
    const items = await rawItems(dynamo.client, `WF#${instance.instanceId}`);
    expect(items.length).toBeGreaterThan(5);
    expect(items.map((item) => item.ttl?.N)).toEqual(items.map(() => String(Math.ceil(expiresAt / 1000))));

    const finished = await store.getInstance(ref(instance));
    await store.updateInstance({
      ...ref(instance),
      expectedVersion: finished!.version,
      patch: { status: 'queued', generation: 1, expiresAt: null, finishedAt: null, output: null },
    });
    const after = await rawItems(dynamo.client, `WF#${instance.instanceId}`);
    expect(after.filter((item) => item.ttl !== undefined)).toEqual([]);
    const journal = await store.loadJournal(ref(instance));
    expect(journal?.steps).toEqual([]);
    expect(journal?.events.map((event) => event.id)).toEqual(['e1']);
  });

  it('finishing without retention writes nothing but the instance item', async () => {
    const instance = instanceRecord(newId());
    await store.createInstance({ instance });
    await store.recordStep({ ...ref(instance), leaseToken: 1, step: stepRecord('do:a-1') });
    const { counts } = await countCommands(dynamo.client, () =>
      store.updateInstance({ ...ref(instance), expectedVersion: 0, patch: { status: 'complete', expiresAt: null, finishedAt: 5_000 } }),
    );
    expect(counts).toEqual({ UpdateItemCommand: 1 });
  });

  it('a new instance reusing the id of an expired one does not inherit its leftover items', async () => {
    const instance = instanceRecord(newId());
    const pk = `WF#${instance.instanceId}`;
    // What TTL leaves when it has deleted the instance item but not yet its step.
    await dynamo.client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { pk: { S: pk }, sk: { S: 'S#0000000000#do:old-1' }, d: { S: JSON.stringify(stepRecord('do:old-1')) } },
      }),
    );
    await store.createInstance({ instance });
    expect((await store.loadJournal(ref(instance)))?.steps).toEqual([]);
  });
});

describe('fencing and typed errors', () => {
  it('refuses a step write with a stale token or without a lease owner, in the same transaction, writing nothing', async () => {
    const instance = instanceRecord(newId(), { leaseToken: 7 });
    await store.createInstance({ instance });
    const stale = store.recordStep({ ...ref(instance), leaseToken: 6, step: stepRecord('do:a-1') });
    await expect(stale).rejects.toSatisfy((error) => CairnError.is(error, 'lease_lost'));
    await store.updateInstance({ ...ref(instance), expectedVersion: 0, patch: { leaseOwner: null } });
    const released = store.recordStep({ ...ref(instance), leaseToken: 7, step: stepRecord('do:a-1') });
    await expect(released).rejects.toSatisfy((error) => CairnError.is(error, 'lease_lost'));
    expect((await store.loadJournal(ref(instance)))?.steps).toEqual([]);
    const missing = store.recordStep({ workflowName: 'WF', instanceId: 'nope', leaseToken: 1, step: stepRecord('do:a-1') });
    await expect(missing).rejects.toSatisfy((error) => CairnError.is(error, 'instance_not_found'));
  });

  it('maps condition failures to typed errors, never the raw DynamoDB exceptions', async () => {
    const instance = instanceRecord(newId());
    await store.createInstance({ instance });
    const errors = await Promise.all([
      store.createInstance({ instance }).catch((error: unknown) => error),
      store.updateInstance({ ...ref(instance), expectedVersion: 5, patch: { status: 'paused' } }).catch((error: unknown) => error),
      store.updateInstance({ workflowName: 'WF', instanceId: 'missing', expectedVersion: 0, patch: {} }).catch((error: unknown) => error),
      store
        .appendEvent({ workflowName: 'WF', instanceId: 'missing', event: { v: 1, id: 'e1', type: 't', payload: '{}', timestamp: 1 } })
        .catch((error: unknown) => error),
    ]);
    expect(errors.map((error) => (error as { name: string }).name)).toEqual([
      'InstanceAlreadyExistsError',
      'VersionConflictError',
      'InstanceNotFoundError',
      'InstanceNotFoundError',
    ]);
    // The refused event did not stay behind.
    expect(await rawItems(dynamo.client, 'WF#missing')).toEqual([]);
  });

  it('reports service failures as AdapterError naming the adapter, the operation and the option, with the cause', async () => {
    const broken = createDynamoDBStore({ client: dynamo.client, tableName: 'no-such-table' });
    const error = await broken.getInstance({ workflowName: 'WF', instanceId: 'x' }).catch((caught: unknown) => caught);
    expect(CairnError.is(error, 'store_error')).toBe(true);
    expect(error).toMatchObject({ name: 'AdapterError', adapter: 'dynamodb', operation: 'getInstance', option: 'tableName' });
    expect((error as Error).cause).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('validates its options once, naming the option', () => {
    expect(() => createDynamoDBStore({ client: dynamo.client, tableName: 'x' })).toThrow(/tableName/);
    expect(() => createDynamoDBStore({ client: {} as DynamoDBClient, tableName: 'table' })).toThrow(/option "client"/);
    expect(() => createDynamoDBStore({ client: dynamo.client, tableName: 'table', chunkBytes: 500_000 })).toThrow(/chunkBytes/);
  });
});

describe('due wake-ups', () => {
  it('spreads wake-ups over index shards and returns the due ones, earliest first', async () => {
    const table = await dynamo.freshTable();
    const sharded = createDynamoDBStore({ client: dynamo.client, tableName: table, indexShards: 8 });
    const times = [50, 10, 40, 30, 20, 60, 70, 80];
    for (const [i, wakeAt] of times.entries()) {
      await sharded.createInstance({ instance: instanceRecord(`due-${i}`, { wakeAt, leaseOwner: null }) });
    }
    await sharded.createInstance({ instance: instanceRecord('never', { wakeAt: null, leaseOwner: null }) });
    const due = await sharded.listDueInstances({ now: 55, limit: 10 });
    expect(due.map((entry) => entry.wakeAt)).toEqual([10, 20, 30, 40, 50]);
    expect((await sharded.listDueInstances({ now: 1_000, limit: 3 })).map((entry) => entry.instanceId)).toEqual(['due-1', 'due-4', 'due-3']);
    await dynamo.dropTable(table);
  });
});

describe('listing order', () => {
  it('lists in its documented order: createdAt descending, then instance id, then workflow, the same on every page', async () => {
    const table = await dynamo.freshTable();
    const dynamoStore = createDynamoDBStore({ client: dynamo.client, tableName: table });
    const instances = [
      instanceRecord('b', { workflowName: 'A', createdAt: 5 }),
      instanceRecord('a', { workflowName: 'B', createdAt: 5 }),
      instanceRecord('a', { workflowName: 'A', createdAt: 5 }),
      instanceRecord('a-1', { workflowName: 'A', createdAt: 5 }),
      instanceRecord('z', { workflowName: 'A', createdAt: 9 }),
      instanceRecord('c', { workflowName: 'C', createdAt: 1 }),
    ];
    for (const instance of instances) await dynamoStore.createInstance({ instance });
    const order = async (store: WorkflowStore) => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listInstances({ limit: 2, ...(cursor ? { cursor } : {}) });
        seen.push(...page.instances.map((instance) => `${instance.workflowName}/${instance.instanceId}`));
        cursor = page.nextCursor;
      } while (cursor);
      return seen;
    };
    expect(await order(dynamoStore)).toEqual(['A/z', 'A/a', 'B/a', 'A/a-1', 'A/b', 'C/c']);
    await dynamo.dropTable(table);
  });
});
