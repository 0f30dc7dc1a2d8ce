// Options of createPostgresStore, validated once in the factory.

import { z } from 'zod';
import type { Pool } from 'pg';
import { parseOptions, type CorruptRecordError } from '@cairn/core';

/** What the store needs of a node-postgres pool: `query` for statements, `connect` for migrations and LISTEN. */
export type PostgresPool = Pick<Pool, 'query' | 'connect'>;

/** A pool option: what the store and the scheduler check of it. */
export const PoolSchema = z.custom<PostgresPool>(
  (value) => typeof value === 'object' && value !== null && typeof (value as Pool).query === 'function' && typeof (value as Pool).connect === 'function',
  'a Pool from pg (node-postgres)',
);

/** A name the package puts in SQL unquoted (a schema, a NOTIFY channel): lower-case letters, digits and `_`, at most 63 bytes. */
export const IdentifierSchema = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'lower-case letters, digits and _, starting with a letter or _ (at most 63)');

export const PostgresStoreOptionsSchema = z.object({
  /** A `pg` Pool you configure (host, credentials, TLS, size). The store never ends it. */
  pool: PoolSchema,
  /** The schema holding Cairn's tables (created by `migrate()`). @default 'cairn' */
  schema: IdentifierSchema.default('cairn'),
  /**
   * Step records written in the same turn of the event loop (many instances completing steps together) go to
   * the server as one statement: one round trip and one commit for all of them. @default true
   */
  groupCommit: z.boolean().default(true),
  /** Group-commit statements in flight at once; more steps wait for the next one. @default 4 */
  maxBatchesInFlight: z.number().int().min(1).max(64).default(4),
  /**
   * Attempts of a statement that failed transiently (serialization failure, deadlock, a dropped connection, a
   * server restarting), the first included; waits grow exponentially from 20 ms. @default 5
   */
  maxAttempts: z.number().int().min(1).max(20).default(5),
  retention: z
    .object({
      /**
       * Finished instances whose `expiresAt` has passed are deleted (instance, steps, events) by a sweep that
       * runs at most this often, started by `listDueInstances` (which every host polls); `0`: only when you
       * call `purgeExpired()`. Postgres has no TTL. @default 60_000
       */
      sweepIntervalMs: z.number().int().min(0).default(60_000),
      /** Instances deleted per sweep statement. @default 500 */
      batchSize: z.number().int().min(1).max(10_000).default(500),
    })
    .default({ sweepIntervalMs: 60_000, batchSize: 500 }),
  /** A row that does not parse, left out of a listing. @default console.warn */
  onCorruptRecord: z.custom<(error: CorruptRecordError) => void>((value) => typeof value === 'function', 'a function').optional(),
  /** Failures nobody awaits (a background retention sweep). @default console.warn */
  onError: z.custom<(error: unknown, operation: string) => void>((value) => typeof value === 'function', 'a function').optional(),
});

export type PostgresStoreOptions = z.input<typeof PostgresStoreOptionsSchema>;
export type ResolvedPostgresStoreOptions = z.output<typeof PostgresStoreOptionsSchema>;

export function parseStoreOptions(options: unknown): ResolvedPostgresStoreOptions {
  return parseOptions(PostgresStoreOptionsSchema, options, { adapter: 'postgres', factory: 'createPostgresStore' });
}
