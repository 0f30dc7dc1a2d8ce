// Instance writes and reads: create-if-absent, compare-and-set on `version`, and the instance read.

import { randomUUID } from 'node:crypto';
import { DeleteItemCommand, GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  InstanceAlreadyExistsError,
  InstanceNotFoundError,
  VersionConflictError,
  type CreateInstanceParams,
  type InstanceRecord,
  type InstanceRef,
  type UpdateInstanceParams,
} from '@cairn/core';
import type { Item } from './chunks.js';
import { instanceFromItem, type StoreContext } from './context.js';
import { isConditionFailed, retryConflicts } from './errors.js';
import { newInstanceItem, ttlSeconds, updatePlan } from './instance-item.js';
import { ATTR, INSTANCE_SK, itemKey as key, partitionKey } from './keys.js';
import { putNew } from './put-new.js';
import { queryAll } from './query.js';
import { stampTtl } from './ttl.js';

export async function createInstance(ctx: StoreContext, { instance }: CreateInstanceParams): Promise<void> {
  const { client, tableName } = ctx;
  const pk = partitionKey(instance);
  const { item, chunks, cached } = newInstanceItem(pk, instance, ctx.layout);
  // Names this create: a resend of it (its answer lost) finds its own id on the item it wrote.
  const createId = randomUUID();
  item.createId = { S: createId };
  // A new instance must not inherit items an expired one of the same id left behind: one cheap read.
  const probe = await client.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: '#pk = :pk',
      ProjectionExpression: '#pk, #sk',
      ExpressionAttributeNames: { '#pk': ATTR.pk, '#sk': ATTR.sk },
      ExpressionAttributeValues: { ':pk': { S: pk } },
      ConsistentRead: true,
      Limit: 1,
    }),
  );
  if ((probe.Items?.length ?? 0) > 0) await clearLeftovers(ctx, pk, instance);
  const put = await putNew(ctx, item, chunks);
  if (!put.written && put.existing?.createId?.S !== createId) throw new InstanceAlreadyExistsError(instance.workflowName, instance.instanceId);
  for (const entry of cached) if (entry) ctx.cache.set(entry.ref, entry.text);
}

/** Items left in the partition by an expired instance of the same id (TTL deletes items one by one). */
async function clearLeftovers(ctx: StoreContext, pk: string, ref: InstanceRef): Promise<void> {
  const { client, tableName } = ctx;
  const keys = await queryAll(client, {
    TableName: tableName,
    KeyConditionExpression: '#pk = :pk',
    ProjectionExpression: '#pk, #sk',
    ExpressionAttributeNames: { '#pk': ATTR.pk, '#sk': ATTR.sk },
    ExpressionAttributeValues: { ':pk': { S: pk } },
    ConsistentRead: true,
  });
  if (keys.some((item) => item[ATTR.sk]?.S === INSTANCE_SK)) throw new InstanceAlreadyExistsError(ref.workflowName, ref.instanceId);
  await Promise.all(keys.map((item) => client.send(new DeleteItemCommand({ TableName: tableName, Key: key(pk, item[ATTR.sk]!.S!) }))));
}

export async function getInstance(ctx: StoreContext, ref: InstanceRef): Promise<InstanceRecord | null> {
  const { client, tableName } = ctx;
  const response = await client.send(new GetItemCommand({ TableName: tableName, Key: key(partitionKey(ref), INSTANCE_SK), ConsistentRead: true }));
  return response.Item ? instanceFromItem(ctx, response.Item) : null;
}

export async function updateInstance(ctx: StoreContext, { expectedVersion, patch, ...ref }: UpdateInstanceParams): Promise<InstanceRecord> {
  const { client, tableName } = ctx;
  const pk = partitionKey(ref);
  const writeId = randomUUID();
  const plan = updatePlan(pk, patch, expectedVersion + 1, writeId, ctx.layout);
  // Chunks first: the instance item points at them only once the compare-and-set succeeds.
  await Promise.all(plan.chunks.map((item) => client.send(new PutItemCommand({ TableName: tableName, Item: item }))));
  let written: Item | undefined;
  try {
    const response = await retryConflicts(
      () =>
        client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: key(pk, INSTANCE_SK),
            UpdateExpression: plan.expression,
            ConditionExpression: 'attribute_exists(#pk) AND #version = :expected',
            ExpressionAttributeNames: plan.names,
            ExpressionAttributeValues: { ...plan.values, ':expected': { N: String(expectedVersion) } },
            ReturnValues: 'ALL_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        ),
      ctx.clock,
    );
    written = response.Attributes;
  } catch (error) {
    if (!isConditionFailed(error)) throw error;
    const current = (error as { Item?: Item }).Item;
    // The SDK may resend a write whose first attempt applied: that is our own write, not a conflict.
    if (current?.writeId?.S === writeId) written = current;
    else {
      // Orphan chunks of the lost write: harmless, and removed by the instance's TTL when it finishes.
      await Promise.all(
        plan.chunks.map((item) => client.send(new DeleteItemCommand({ TableName: tableName, Key: key(pk, item[ATTR.sk]!.S!) })).catch(() => undefined)),
      );
      if (!current) throw new InstanceNotFoundError(ref.workflowName, ref.instanceId);
      throw new VersionConflictError(ref.workflowName, ref.instanceId, expectedVersion);
    }
  }
  for (const entry of plan.cached) if (entry) ctx.cache.set(entry.ref, entry.text);
  const updated = await instanceFromItem(ctx, written!);
  // Finishing with retention stamps the instance's other items; only a restart can clear a TTL again.
  if (ctx.stampItems && typeof patch.expiresAt === 'number') {
    await stampTtl(client, tableName, ctx.layout.ttlAttribute, pk, ttlSeconds(patch.expiresAt));
  } else if (ctx.stampItems && patch.expiresAt === null && patch.generation !== undefined) {
    await stampTtl(client, tableName, ctx.layout.ttlAttribute, pk, null);
  }
  return updated;
}
