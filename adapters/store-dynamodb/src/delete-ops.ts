// deleteInstance: every item of an instance lives in its partition (keys.ts), so one Query of the keys finds
// them all; the instance item carries the index keys, so deleting it also takes it out of every index.
// Order: the journal (steps of every generation, events, their chunks) first, then the instance item
// together with the chunks of its own large fields, which it needs to stay readable. A crash midway leaves a
// readable instance with a shorter journal, and the next call finishes.

import { DeleteItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { AdapterError, type InstanceRef } from '@cairn/core';
import { batchDelete } from './batch-delete.js';
import type { Item } from './chunks.js';
import type { StoreContext } from './context.js';
import { cancellationReasons, isConditionFailed, retryConflicts } from './errors.js';
import { BLOB_FIELDS, blobRefs } from './instance-item.js';
import { ATTR, chunkSk, INSTANCE_SK, itemKey as key, partitionKey } from './keys.js';
import { queryAll } from './query.js';

/** Rounds of Query + deletes when the instance changes meanwhile (an event arriving). */
const ATTEMPTS = 5;
/** A transaction takes 100 actions: the instance item and up to 99 chunks of its fields. */
const MAX_TRANSACTION_CHUNKS = 99;

export async function deleteInstance(ctx: StoreContext, ref: InstanceRef): Promise<boolean> {
  const pk = partitionKey(ref);
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const items = await partitionKeys(ctx, pk);
    const instance = items.find((item) => item[ATTR.sk]?.S === INSTANCE_SK);
    const sks = items.map((item) => item[ATTR.sk]!.S!);
    if (!instance) {
      // No instance; whatever is left (an expired instance's items, a delete cut short) goes too.
      await batchDelete(ctx, pk, sks);
      return false;
    }
    const owned = ownedChunkSks(instance);
    const keep = new Set([INSTANCE_SK, ...owned]);
    await batchDelete(
      ctx,
      pk,
      sks.filter((sk) => !keep.has(sk)),
    );
    const outcome = await deleteInstanceItem(ctx, pk, instance, owned);
    if (outcome === 'deleted') return true;
    if (outcome === 'gone') {
      // Deleted by a concurrent call, or by this one's first attempt that the SDK sent again.
      await batchDelete(ctx, pk, owned);
      return true;
    }
    // 'changed': written since the Query (an event appended after it): read the partition again.
  }
  throw new AdapterError(
    'dynamodb',
    'deleteInstance',
    `instance "${ref.instanceId}" of "${ref.workflowName}" changed during each of ${ATTEMPTS} delete attempts; call again`,
  );
}

/** Keys of every item in the partition, plus what the instance item needs to name its chunks. */
function partitionKeys(ctx: StoreContext, pk: string): Promise<Item[]> {
  const names: Record<string, string> = { '#pk': ATTR.pk, '#sk': ATTR.sk, '#version': 'version' };
  for (const field of BLOB_FIELDS) names[`#${field}Ref`] = `${field}Ref`;
  return queryAll(ctx.client, {
    TableName: ctx.tableName,
    KeyConditionExpression: '#pk = :pk',
    ProjectionExpression: Object.keys(names).join(', '),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: { ':pk': { S: pk } },
    ConsistentRead: true,
  });
}

/** The chunk items the instance item points at (its chunked params, output, error). */
function ownedChunkSks(instance: Item): string[] {
  return blobRefs(instance).flatMap((ref) => Array.from({ length: ref.parts }, (_, n) => chunkSk(ref.ownerSk, n)));
}

/**
 * Deletes the instance item if its `version` is still the one read, with its chunks: in one transaction
 * when they fit, else the item first and the chunks after (left to a second call if that is cut short).
 */
async function deleteInstanceItem(ctx: StoreContext, pk: string, instance: Item, owned: string[]): Promise<'deleted' | 'changed' | 'gone'> {
  const { client, tableName } = ctx;
  const guarded = {
    TableName: tableName,
    Key: key(pk, INSTANCE_SK),
    ConditionExpression: '#version = :version',
    ExpressionAttributeNames: { '#version': 'version' },
    ExpressionAttributeValues: { ':version': instance.version! },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
  };
  try {
    if (owned.length === 0 || owned.length > MAX_TRANSACTION_CHUNKS) {
      await client.send(new DeleteItemCommand(guarded));
      await batchDelete(ctx, pk, owned);
    } else {
      await retryConflicts(
        () =>
          client.send(
            new TransactWriteItemsCommand({
              TransactItems: [{ Delete: guarded }, ...owned.map((sk) => ({ Delete: { TableName: tableName, Key: key(pk, sk) } }))],
            }),
          ),
        ctx.clock,
      );
    }
    return 'deleted';
  } catch (error) {
    if (isConditionFailed(error)) return (error as { Item?: Item }).Item ? 'changed' : 'gone';
    const [reason] = cancellationReasons(error) ?? [];
    if (reason?.Code === 'ConditionalCheckFailed') return reason.Item ? 'changed' : 'gone';
    throw error;
  }
}
