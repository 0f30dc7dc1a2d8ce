// Options of createSqliteStore, validated once in the factory.

import { z } from 'zod';
import { parseOptions } from '@cairn/core';

export const SqliteStoreOptionsSchema = z.object({
  /** The database file (created if missing), or `:memory:` for a private in-memory database. */
  path: z.string().min(1),
  /**
   * SQLite's `synchronous` pragma. In WAL mode `normal` keeps every committed step across a killed process;
   * `full` also across power loss or an OS crash, at the cost of an fsync per commit.
   * @default 'normal'
   */
  synchronous: z.enum(['normal', 'full']).default('normal'),
  /** How long a write waits for another process's write lock before failing. @default 5000 */
  busyTimeoutMs: z.number().int().min(0).default(5_000),
});

export type SqliteStoreOptions = z.input<typeof SqliteStoreOptionsSchema>;
export type ResolvedSqliteStoreOptions = z.output<typeof SqliteStoreOptionsSchema>;

export function parseStoreOptions(options: unknown): ResolvedSqliteStoreOptions {
  return parseOptions(SqliteStoreOptionsSchema, options, { adapter: 'sqlite', factory: 'createSqliteStore' });
}
