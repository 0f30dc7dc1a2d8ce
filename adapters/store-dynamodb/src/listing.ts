// listInstances and listDueInstances: Queries on the index partitions (one per shard), merged.
// Index reads are eventually consistent on DynamoDB (a write shows up in them within about a second);
// listed instances are then read from the table with strongly consistent reads.

import { BatchGetItemCommand, type BatchGetItemCommandOutput, type KeysAndAttributes } from '@aws-sdk/client-dynamodb';
import {
  CairnError,
  sleepFor,
  backoffDelayMs,
  ValidationError,
  type DueInstance,
  type InstancePage,
  type InstanceRecord,
  type ListDueParams,
  type ListInstancesParams,
} from '@cairn/core';
import type { Item } from './chunks.js';
import { instanceFromItem, type StoreContext } from './context.js';
import { ATTR, INDEX, INSTANCE_SK, timeKey, workflowPartition } from './keys.js';
import { queryUntil } from './query.js';

const MAX_PAGE = 100;
const BATCH_GET_ATTEMPTS = 10;

export async function listDue(ctx: StoreContext, { now, limit }: ListDueParams): Promise<DueInstance[]> {
  if (limit <= 0) return [];
  const shards = Array.from({ length: ctx.layout.indexShards }, (_, shard) => `due#${shard}`);
  const pages = await Promise.all(
    shards.map((partition) =>
      queryUntil(
        ctx.client,
        {
          TableName: ctx.tableName,
          IndexName: INDEX.due,
          // '$' sorts right after the '#' that follows the time in every key: everything due by `now`.
          KeyConditionExpression: '#p = :p AND #s < :bound',
          ProjectionExpression: 'workflowName, instanceId, wakeAt',
          ExpressionAttributeNames: { '#p': ATTR.duePk, '#s': ATTR.dueSk },
          ExpressionAttributeValues: { ':p': { S: partition }, ':bound': { S: `${timeKey(now)}$` } },
          Limit: limit,
        },
        limit,
      ),
    ),
  );
  const due: DueInstance[] = [];
  for (const item of pages.flat()) {
    const wakeAt = Number(item.wakeAt?.N);
    const workflowName = item.workflowName?.S;
    const instanceId = item.instanceId?.S;
    if (workflowName && instanceId && Number.isFinite(wakeAt) && wakeAt <= now) due.push({ workflowName, instanceId, wakeAt });
  }
  return due.sort((a, b) => a.wakeAt - b.wakeAt).slice(0, limit);
}

export async function listPage(ctx: StoreContext, params: ListInstancesParams): Promise<InstancePage> {
  const limit = Math.max(1, Math.min(params.limit ?? 50, MAX_PAGE));
  const after = params.cursor === undefined ? undefined : decodeCursor(params.cursor);
  const index = params.workflowName === undefined ? INDEX.all : INDEX.byWorkflow;
  const partitionAttr = params.workflowName === undefined ? ATTR.allPk : ATTR.wfPk;
  const partitions =
    params.workflowName === undefined ? Array.from({ length: ctx.layout.indexShards }, (_, shard) => `all#${shard}`) : [workflowPartition(params.workflowName)];

  const names: Record<string, string> = { '#p': partitionAttr, '#s': ATTR.listSk, '#pk': ATTR.pk, '#sk': ATTR.sk };
  let filter: string | undefined;
  if (params.status !== undefined) {
    names['#status'] = 'status';
    filter = '#status = :status';
  }
  const pages = await Promise.all(
    partitions.map((partition) =>
      queryUntil(
        ctx.client,
        {
          TableName: ctx.tableName,
          IndexName: index,
          KeyConditionExpression: after === undefined ? '#p = :p' : '#p = :p AND #s > :after',
          FilterExpression: filter,
          ProjectionExpression: '#pk, #sk, #s',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: {
            ':p': { S: partition },
            ...(after === undefined ? {} : { ':after': { S: after } }),
            ...(params.status === undefined ? {} : { ':status': { S: params.status } }),
          },
          Limit: limit + 1,
        },
        limit + 1,
      ),
    ),
  );
  const merged = pages
    .flat()
    .sort((a, b) => compare(a[ATTR.listSk]?.S ?? '', b[ATTR.listSk]?.S ?? ''))
    .slice(0, limit + 1);
  const page = merged.slice(0, limit);
  const records = await readInstances(
    ctx,
    page.map((item) => item[ATTR.pk]!.S!),
  );
  // The index may lag the table: keep only what still matches.
  const instances = records.filter((record) => params.status === undefined || record.status === params.status);
  const last = page[page.length - 1];
  return merged.length > limit && last ? { instances, nextCursor: encodeCursor(last[ATTR.listSk]!.S!) } : { instances };
}

/** BatchGetItem (strongly consistent), following UnprocessedKeys; returns records in the order of `pks`. */
async function readInstances(ctx: StoreContext, pks: string[]): Promise<InstanceRecord[]> {
  if (pks.length === 0) return [];
  const found = new Map<string, Item>();
  let request: Record<string, KeysAndAttributes> | undefined = {
    [ctx.tableName]: {
      Keys: pks.map((pk) => ({ [ATTR.pk]: { S: pk }, [ATTR.sk]: { S: INSTANCE_SK } })),
      ConsistentRead: true,
    },
  };
  for (let attempt = 0; request && Object.keys(request).length > 0; attempt++) {
    if (attempt >= BATCH_GET_ATTEMPTS) throw new Error(`BatchGetItem left keys unprocessed after ${attempt} attempts`);
    if (attempt > 0) await sleepFor(ctx.clock, backoffDelayMs({ baseMs: 50, maxMs: 1_000, jitter: 'full' }, attempt));
    const response: BatchGetItemCommandOutput = await ctx.client.send(new BatchGetItemCommand({ RequestItems: request }));
    for (const item of response.Responses?.[ctx.tableName] ?? []) found.set(item[ATTR.pk]!.S!, item);
    request = response.UnprocessedKeys;
  }
  const records: InstanceRecord[] = [];
  for (const pk of pks) {
    const item = found.get(pk);
    if (!item) continue;
    try {
      records.push(await instanceFromItem(ctx, item));
    } catch (error) {
      // One corrupt instance never hides the others: it is left out of the page, and reported.
      if (!CairnError.is(error, 'corrupt_record')) throw error;
      console.warn(`${error.message}: left out of the listing`);
    }
  }
  return records;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function encodeCursor(listSk: string): string {
  return Buffer.from(`v1:${listSk}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith('v1:') || text.length < 4) {
    throw new ValidationError('list cursor', 'a nextCursor returned by listInstances', cursor);
  }
  return text.slice(3);
}
