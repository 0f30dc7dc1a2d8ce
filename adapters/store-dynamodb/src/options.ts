// Options of createDynamoDBStore, validated once in the factory.

import { z } from 'zod';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { parseOptions, systemClock, type Clock } from '@cairn/core';

/** DynamoDB's item limit is 400 KB; a chunk leaves room for keys and attribute names. */
export const MAX_CHUNK_BYTES = 380_000;

export const DynamoDBStoreOptionsSchema = z.object({
  /**
   * A DynamoDB client you configure (region, credentials, retries). Throttling and transient failures are
   * retried by its retry strategy: set `maxAttempts` (and `retryMode`) on it; the store adds none of its own
   * except for transaction conflicts, which the SDK does not retry.
   */
  client: z.custom<DynamoDBClient>(
    (value) => typeof value === 'object' && value !== null && typeof (value as DynamoDBClient).send === 'function',
    'a DynamoDBClient from @aws-sdk/client-dynamodb',
  ),
  /** The table, created with `tableDefinition()` or your IaC equivalent. */
  tableName: z.string().min(3).max(255),
  retention: z
    .object({
      /**
       * When an instance finishes with an `expiresAt` (the runtime's `retention`), copy its TTL onto the
       * instance's step, event and chunk items too, so DynamoDB's TTL removes the whole instance; a restart
       * clears it again. `false`: only the instance item expires and you delete the rest yourself.
       * @default true
       */
      stampItems: z.boolean().default(true),
      /** The table's TTL attribute (epoch seconds). @default 'ttl' */
      attribute: z.string().min(1).default('ttl'),
    })
    .default({ stampItems: true, attribute: 'ttl' }),
  /**
   * Shards of the due-wake-up index and of the all-workflows listing index: spreads their writes over this
   * many index partitions; reads query every shard. Never lower it on a table in use.
   * @default 4
   */
  indexShards: z.number().int().min(1).max(64).default(4),
  /**
   * Serialized records and values above this size are split into chunk items of this size (an item holds
   * 400 KB). Lower it only to test chunking.
   * @default 380000
   */
  chunkBytes: z.number().int().min(256).max(MAX_CHUNK_BYTES).default(MAX_CHUNK_BYTES),
  /** Waits between the store's own retries (transaction conflicts, unprocessed batch items). @default the system clock */
  clock: z
    .custom<Clock>((value) => typeof value === 'object' && value !== null && typeof (value as Clock).setTimer === 'function', 'a Clock')
    .default(systemClock),
});

export type DynamoDBStoreOptions = z.input<typeof DynamoDBStoreOptionsSchema>;
export type ResolvedDynamoDBStoreOptions = z.output<typeof DynamoDBStoreOptionsSchema>;

export function parseStoreOptions(options: unknown): ResolvedDynamoDBStoreOptions {
  return parseOptions(DynamoDBStoreOptionsSchema, options, { adapter: 'dynamodb', factory: 'createDynamoDBStore' });
}
