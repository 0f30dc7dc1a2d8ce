// Create-if-absent of one item and its chunk items: a PutItem when the value fits in the item, one
// TransactWriteItems when it was chunked (all or nothing). Used for new instances. When an item with the key
// exists, it is handed back, so the caller can tell its own earlier write (a resent request) from another's.

import { PutItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import type { Item } from './chunks.js';
import type { StoreContext } from './context.js';
import { cancellationReasons, isConditionFailed, retryConflicts } from './errors.js';
import { ATTR } from './keys.js';

/** Writes `item` (and `chunks`) unless an item with its key exists: `{ written: true }`, or the item that exists. */
export async function putNew(
  ctx: StoreContext,
  item: Item,
  chunks: readonly Item[],
): Promise<{ written: true } | { written: false; existing: Item | undefined }> {
  const { client, tableName } = ctx;
  const condition = {
    ConditionExpression: 'attribute_not_exists(#pk)',
    ExpressionAttributeNames: { '#pk': ATTR.pk },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
  };
  try {
    if (chunks.length === 0) {
      await client.send(new PutItemCommand({ TableName: tableName, Item: item, ...condition }));
    } else {
      await retryConflicts(
        () =>
          client.send(
            new TransactWriteItemsCommand({
              TransactItems: [
                { Put: { TableName: tableName, Item: item, ...condition } },
                ...chunks.map((chunk) => ({ Put: { TableName: tableName, Item: chunk } })),
              ],
            }),
          ),
        ctx.clock,
      );
    }
    return { written: true };
  } catch (error) {
    if (isConditionFailed(error)) return { written: false, existing: (error as { Item?: Item }).Item };
    const reason = cancellationReasons(error)?.[0];
    if (reason?.Code === 'ConditionalCheckFailed') return { written: false, existing: reason.Item };
    throw error;
  }
}
