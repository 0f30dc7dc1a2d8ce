// What every store operation shares: the client, the table, the resolved layout and the blob cache.

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Clock, InstanceRecord } from '@cairn/core';
import { BlobCache } from './blob-cache.js';
import { ChunkSet, type Item } from './chunks.js';
import { blobRefs, itemToInstance, type BlobField, type LayoutSettings } from './instance-item.js';
import { ATTR } from './keys.js';
import { queryAll } from './query.js';

export interface StoreContext {
  client: DynamoDBClient;
  tableName: string;
  layout: LayoutSettings;
  stampItems: boolean;
  cache: BlobCache;
  /** Waits between retries. */
  clock: Clock;
}

/** The instance record of an instance item; chunked fields come from the cache, `chunks`, or a Query. */
export async function instanceFromItem(ctx: StoreContext, item: Item, chunks?: ChunkSet): Promise<InstanceRecord> {
  const texts = new Map<BlobField, string>();
  const pk = item[ATTR.pk]?.S ?? '';
  await Promise.all(
    blobRefs(item).map(async (ref) => {
      let text = ctx.cache.get(ref.key);
      if (text === undefined) {
        let set = chunks;
        // A Query of several pages is no snapshot: chunks may have been written after their page was read.
        if (!set || !set.complete(ref.ownerSk, ref.parts)) {
          set = new ChunkSet();
          const found = await queryAll(ctx.client, {
            TableName: ctx.tableName,
            KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
            ExpressionAttributeNames: { '#pk': ATTR.pk, '#sk': ATTR.sk },
            ExpressionAttributeValues: { ':pk': { S: pk }, ':prefix': { S: `C#${ref.ownerSk}#` } },
            ConsistentRead: true,
          });
          for (const chunk of found) set.add(chunk);
        }
        text = set.text(ref.ownerSk, ref.parts);
        ctx.cache.set(ref.key, text);
      }
      texts.set(ref.field, text);
    }),
  );
  return itemToInstance(item, texts);
}
