// Retention: DynamoDB's TTL deletes items one by one, so when an instance finishes with `expiresAt` its
// step, event and chunk items get the same TTL as the instance item (and lose it again on a restart).
// Each TransactWriteItems updates 99 items and checks that the instance item still has the TTL being
// copied, so a restart racing with a finish never leaves a live instance with expiring items.

import { TransactWriteItemsCommand, type DynamoDBClient, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { cancellationReasons, retryConflicts } from './errors.js';
import { ATTR, INSTANCE_SK } from './keys.js';
import { queryAll } from './query.js';

const ITEMS_PER_TRANSACTION = 99;
const MAX_PASSES = 3;

/** Sets `ttl` (epoch seconds), or removes it (null), on every item of the partition but the instance. */
export async function stampTtl(client: DynamoDBClient, tableName: string, ttlAttribute: string, pk: string, ttl: number | null): Promise<void> {
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const items = await queryAll(client, {
      TableName: tableName,
      KeyConditionExpression: '#pk = :pk',
      ProjectionExpression: '#pk, #sk, #ttl',
      ExpressionAttributeNames: { '#pk': ATTR.pk, '#sk': ATTR.sk, '#ttl': ttlAttribute },
      ExpressionAttributeValues: { ':pk': { S: pk } },
      ConsistentRead: true,
    });
    const target = ttl === null ? undefined : String(ttl);
    const pending = items.filter((item) => item[ATTR.sk]?.S !== INSTANCE_SK && item[ttlAttribute]?.N !== target);
    let retry = false;
    for (let at = 0; at < pending.length; at += ITEMS_PER_TRANSACTION) {
      const batch = pending.slice(at, at + ITEMS_PER_TRANSACTION);
      const outcome = await stampBatch(
        client,
        tableName,
        ttlAttribute,
        pk,
        ttl,
        batch.map((item) => item[ATTR.sk]!.S!),
      );
      if (outcome === 'instance-changed') return;
      if (outcome === 'item-gone') retry = true;
    }
    if (!retry) return;
  }
}

async function stampBatch(
  client: DynamoDBClient,
  tableName: string,
  ttlAttribute: string,
  pk: string,
  ttl: number | null,
  sks: string[],
): Promise<'done' | 'instance-changed' | 'item-gone'> {
  const names = { '#pk': ATTR.pk, '#ttl': ttlAttribute };
  const check: TransactWriteItem = {
    ConditionCheck: {
      TableName: tableName,
      Key: { [ATTR.pk]: { S: pk }, [ATTR.sk]: { S: INSTANCE_SK } },
      ConditionExpression: ttl === null ? 'attribute_exists(#pk) AND attribute_not_exists(#ttl)' : '#ttl = :ttl',
      ExpressionAttributeNames: ttl === null ? names : { '#ttl': ttlAttribute },
      ExpressionAttributeValues: ttl === null ? undefined : { ':ttl': { N: String(ttl) } },
    },
  };
  const updates: TransactWriteItem[] = sks.map((sk) => ({
    Update: {
      TableName: tableName,
      Key: { [ATTR.pk]: { S: pk }, [ATTR.sk]: { S: sk } },
      // An item deleted meanwhile (its own TTL) must not come back as a stub.
      ConditionExpression: 'attribute_exists(#pk)',
      UpdateExpression: ttl === null ? 'REMOVE #ttl' : 'SET #ttl = :ttl',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: ttl === null ? undefined : { ':ttl': { N: String(ttl) } },
    },
  }));
  try {
    await retryConflicts(() => client.send(new TransactWriteItemsCommand({ TransactItems: [check, ...updates] })));
    return 'done';
  } catch (error) {
    const reasons = cancellationReasons(error);
    if (!reasons) throw error;
    if (reasons[0]?.Code === 'ConditionalCheckFailed') return 'instance-changed';
    if (reasons.some((reason) => reason.Code === 'ConditionalCheckFailed')) return 'item-gone';
    throw error;
  }
}
