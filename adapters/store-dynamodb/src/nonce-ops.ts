// claimNonce: one conditional PutItem per claim, in a partition of its own (`#n#<key>`: instance partitions
// start with a non-empty workflow name), expiring through the table's TTL. A resend of the caller's own claim
// (its answer lost) finds its claim id and is still the caller's.

import { randomUUID } from 'node:crypto';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { ClaimNonceParams } from '@cairn/core';
import type { Item } from './chunks.js';
import type { StoreContext } from './context.js';
import { isConditionFailed } from './errors.js';
import { ATTR } from './keys.js';
import { ttlSeconds } from './instance-item.js';

export async function claimNonce(ctx: StoreContext, { key, expiresAt, now }: ClaimNonceParams): Promise<boolean> {
  const claim = randomUUID();
  try {
    await ctx.client.send(
      new PutItemCommand({
        TableName: ctx.tableName,
        Item: {
          [ATTR.pk]: { S: `#n#${key}` },
          [ATTR.sk]: { S: 'N' },
          expiresAt: { N: String(expiresAt) },
          claim: { S: claim },
          [ctx.layout.ttlAttribute]: { N: String(ttlSeconds(expiresAt)) },
        },
        ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt <= :now',
        ExpressionAttributeNames: { '#pk': ATTR.pk, '#expiresAt': 'expiresAt' },
        ExpressionAttributeValues: { ':now': { N: String(now) } },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return true;
  } catch (error) {
    if (!isConditionFailed(error)) throw error;
    return (error as { Item?: Item }).Item?.claim?.S === claim;
  }
}
