// Deletes many items of one partition by key: BatchWriteItem with 25 DeleteRequests per request (the API's
// limit), a few requests in flight, and the UnprocessedItems DynamoDB hands back (throttled partitions)
// sent again with jittered exponential backoff, as AWS recommends. Deleting an absent key is a no-op.

import { BatchWriteItemCommand, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { AdapterError, backoffDelayMs, sleepFor } from '@cairn/core';
import type { StoreContext } from './context.js';
import { itemKey } from './keys.js';

const KEYS_PER_REQUEST = 25;
const REQUESTS_IN_FLIGHT = 4;
const UNPROCESSED_ATTEMPTS = 8;

export async function batchDelete(ctx: StoreContext, pk: string, sks: readonly string[]): Promise<void> {
  const batches: WriteRequest[][] = [];
  for (let at = 0; at < sks.length; at += KEYS_PER_REQUEST) {
    batches.push(sks.slice(at, at + KEYS_PER_REQUEST).map((sk) => ({ DeleteRequest: { Key: itemKey(pk, sk) } })));
  }
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < batches.length) await writeBatch(ctx, batches[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(REQUESTS_IN_FLIGHT, batches.length) }, worker));
}

async function writeBatch(ctx: StoreContext, requests: WriteRequest[]): Promise<void> {
  const { client, tableName } = ctx;
  let pending = requests;
  for (let attempt = 1; ; attempt++) {
    const response = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }));
    pending = response.UnprocessedItems?.[tableName] ?? [];
    if (pending.length === 0) return;
    if (attempt >= UNPROCESSED_ATTEMPTS) {
      throw new AdapterError(
        'dynamodb',
        'deleteInstance',
        `${pending.length} deletes stayed unprocessed after ${attempt} BatchWriteItem requests (throttled); call again to finish`,
      );
    }
    await sleepFor(ctx.clock, backoffDelayMs({ baseMs: 50, maxMs: 1_000, jitter: 'full' }, attempt));
  }
}
