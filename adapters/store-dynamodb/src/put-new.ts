// Create-if-absent of one item and its chunk items: a PutItem when the value fits in the item, one
// TransactWriteItems when it was chunked (all or nothing). Used for new instances and new events.

import { PutItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import type { Item } from './chunks.js';
import type { StoreContext } from './context.js';
import { cancellationReasons, isConditionFailed, retryConflicts } from './errors.js';
import { ATTR } from './keys.js';

/** Writes `item` (and `chunks`) unless an item with its key exists; false when one did (nothing written). */
export async function putNew(ctx: StoreContext, item: Item, chunks: readonly Item[]): Promise<boolean> {
  const { client, tableName } = ctx;
  const condition = { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': ATTR.pk } };
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
    return true;
  } catch (error) {
    if (isConditionFailed(error) || cancellationReasons(error)?.[0]?.Code === 'ConditionalCheckFailed') return false;
    throw error;
  }
}
