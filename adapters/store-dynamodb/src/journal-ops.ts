// The journal: one Query for the whole instance, fenced create-if-absent step writes, event appends.

import { GetItemCommand, TransactWriteItemsCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import {
  CorruptRecordError,
  InstanceNotFoundError,
  LeaseLostError,
  parseEventRecord,
  parseStepRecord,
  type AppendEventParams,
  type EventRecord,
  type InstanceRecord,
  type InstanceRef,
  type Journal,
  type RecordStepParams,
  type RecordStepResult,
  type StepRecord,
} from '@cairn/core';
import { ChunkSet, type Item } from './chunks.js';
import { instanceFromItem, type StoreContext } from './context.js';
import { cancellationReasons, retryConflicts } from './errors.js';
import { ATTR, eventSk, INSTANCE_SK, itemKey as key, partitionKey, stepSk } from './keys.js';
import { queryAll } from './query.js';
import { isChunked, recordItems, recordJson } from './record-item.js';

const putAction =
  (tableName: string) =>
  (item: Item): TransactWriteItem => ({ Put: { TableName: tableName, Item: item } });

export async function loadJournal(ctx: StoreContext, ref: InstanceRef): Promise<Journal | null> {
  const { client, tableName } = ctx;
  const items = await queryAll(client, {
    TableName: tableName,
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': ATTR.pk },
    ExpressionAttributeValues: { ':pk': { S: partitionKey(ref) } },
    ConsistentRead: true,
  });
  const chunks = new ChunkSet();
  let instanceItem: Item | undefined;
  const stepItems: Item[] = [];
  const eventItems: Item[] = [];
  for (const item of items) {
    const sk = item[ATTR.sk]?.S ?? '';
    if (sk === INSTANCE_SK) instanceItem = item;
    else if (sk.startsWith('C#')) chunks.add(item);
    else if (sk.startsWith('S#')) stepItems.push(item);
    else if (sk.startsWith('E#')) eventItems.push(item);
  }
  if (!instanceItem) return null;
  // A Query of several pages is no snapshot: a record's chunks may have been written (in the record's
  // transaction) after the page that would hold them was read. Read those again.
  await Promise.all(
    [...stepItems, ...eventItems].filter(isChunked).map(async (item) => {
      const sk = item[ATTR.sk]!.S!;
      if (!chunks.complete(sk, Number(item.parts!.N))) chunks.adopt(sk, await readChunks(ctx, item[ATTR.pk]!.S!, sk));
    }),
  );
  const instance = await instanceFromItem(ctx, instanceItem, chunks);
  // Older generations are dead (a restart); they stay until the instance expires.
  const current = stepSk(instance.generation, '');
  const steps: StepRecord[] = stepItems
    .filter((item) => item[ATTR.sk]!.S!.startsWith(current))
    .map((item) => parseRecord(recordJson, item, chunks, parseStepRecord, ref, 'step'))
    .sort((a, b) => a.recordedAt - b.recordedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  // Events a wait of this generation took are left out: the wait's outcome holds them.
  const events: EventRecord[] = eventItems
    .filter((item) => item.cg?.N !== String(instance.generation))
    .map((item) => parseRecord(recordJson, item, chunks, parseEventRecord, ref, 'event'))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { instance, steps, events };
}

export async function recordStep(ctx: StoreContext, { leaseToken, step, ...ref }: RecordStepParams): Promise<RecordStepResult> {
  const { client, tableName } = ctx;
  const put = putAction(tableName);
  const pk = partitionKey(ref);
  const sk = stepSk(step.generation, step.id);
  const { item, chunks } = recordItems(pk, sk, step, ctx.layout.chunkBytes);
  // A wait's outcome holds the event it took: mark the event, so this generation's journal reads leave it out.
  const consumed =
    step.kind === 'wait' && step.state === 'completed' && step.eventId !== undefined ? markConsumed(tableName, pk, step.eventId, step.generation) : [];
  try {
    await retryConflicts(
      () =>
        client.send(
          new TransactWriteItemsCommand({
            TransactItems: [
              {
                ConditionCheck: {
                  TableName: tableName,
                  Key: key(pk, INSTANCE_SK),
                  ConditionExpression: 'attribute_exists(#pk) AND attribute_type(#owner, :string) AND #token = :token',
                  ExpressionAttributeNames: { '#pk': ATTR.pk, '#owner': 'leaseOwner', '#token': 'leaseToken' },
                  ExpressionAttributeValues: { ':string': { S: 'S' }, ':token': { N: String(leaseToken) } },
                  ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
                },
              },
              {
                Put: {
                  TableName: tableName,
                  Item: item,
                  ConditionExpression: 'attribute_not_exists(#pk)',
                  ExpressionAttributeNames: { '#pk': ATTR.pk },
                  ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
                },
              },
              ...chunks.map(put),
              ...consumed,
            ],
          }),
        ),
      ctx.clock,
    );
    return { recorded: true };
  } catch (error) {
    const reasons = cancellationReasons(error);
    if (!reasons) throw error;
    const [lease, existing] = reasons;
    if (lease?.Code === 'ConditionalCheckFailed') {
      if (!lease.Item) throw new InstanceNotFoundError(ref.workflowName, ref.instanceId);
      throw new LeaseLostError(ref.workflowName, ref.instanceId, leaseToken);
    }
    if (existing?.Code !== 'ConditionalCheckFailed') throw error;
    let stored = existing.Item;
    if (!stored) {
      const response = await client.send(new GetItemCommand({ TableName: tableName, Key: key(pk, sk), ConsistentRead: true }));
      stored = response.Item;
      if (!stored) throw error;
    }
    const set = isChunked(stored) ? await readChunks(ctx, pk, sk) : undefined;
    return { recorded: false, existing: parseStepRecord(recordJson(stored, set)) };
  }
}

/**
 * One transaction: the event (create-if-absent on its id) and the instance's counters with a fresh write id, so
 * no resend counts twice and no other writer's change is taken for an update's own. An id already stored
 * changes nothing: the instance is returned as it is.
 */
export async function appendEvent(ctx: StoreContext, { event, ...ref }: AppendEventParams): Promise<InstanceRecord> {
  const { client, tableName } = ctx;
  const pk = partitionKey(ref);
  const { item, chunks } = recordItems(pk, eventSk(event.id), event, ctx.layout.chunkBytes);
  try {
    await retryConflicts(
      () =>
        client.send(
          new TransactWriteItemsCommand({
            TransactItems: [
              { Put: { TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': ATTR.pk } } },
              {
                Update: {
                  TableName: tableName,
                  Key: key(pk, INSTANCE_SK),
                  UpdateExpression: 'ADD #eventSeq :one, #version :one SET #writeId = :writeId',
                  ConditionExpression: 'attribute_exists(#pk)',
                  ExpressionAttributeNames: { '#pk': ATTR.pk, '#eventSeq': 'eventSeq', '#version': 'version', '#writeId': 'writeId' },
                  ExpressionAttributeValues: { ':one': { N: '1' }, ':writeId': { S: randomUUID() } },
                },
              },
              ...chunks.map(putAction(tableName)),
            ],
          }),
        ),
      ctx.clock,
    );
  } catch (error) {
    const reasons = cancellationReasons(error);
    if (reasons?.[1]?.Code === 'ConditionalCheckFailed') throw new InstanceNotFoundError(ref.workflowName, ref.instanceId);
    if (reasons?.[0]?.Code !== 'ConditionalCheckFailed') throw error;
  }
  const response = await client.send(new GetItemCommand({ TableName: tableName, Key: key(pk, INSTANCE_SK), ConsistentRead: true }));
  if (!response.Item) throw new InstanceNotFoundError(ref.workflowName, ref.instanceId);
  return instanceFromItem(ctx, response.Item);
}

/** Marks the event a wait consumed with the wait's generation (only if the event is there). */
function markConsumed(tableName: string, pk: string, eventId: string, generation: number): TransactWriteItem[] {
  return [
    {
      Update: {
        TableName: tableName,
        Key: key(pk, eventSk(eventId)),
        UpdateExpression: 'SET #cg = :cg',
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#cg': 'cg', '#pk': ATTR.pk },
        ExpressionAttributeValues: { ':cg': { N: String(generation) } },
      },
    },
  ];
}

/** A stored step or event, parsed with core's schema; a CorruptRecordError naming the instance otherwise. */
function parseRecord<T>(json: typeof recordJson, item: Item, chunks: ChunkSet, parse: (value: unknown) => T, ref: InstanceRef, what: 'step' | 'event'): T {
  try {
    return parse(json(item, chunks));
  } catch (error) {
    throw new CorruptRecordError('dynamodb', ref.workflowName, ref.instanceId, what, { cause: error });
  }
}

async function readChunks(ctx: StoreContext, pk: string, ownerSk: string): Promise<ChunkSet> {
  const set = new ChunkSet();
  const items = await queryAll(ctx.client, {
    TableName: ctx.tableName,
    KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
    ExpressionAttributeNames: { '#pk': ATTR.pk, '#sk': ATTR.sk },
    ExpressionAttributeValues: { ':pk': { S: pk }, ':prefix': { S: `C#${ownerSk}#` } },
    ConsistentRead: true,
  });
  for (const item of items) set.add(item);
  return set;
}
