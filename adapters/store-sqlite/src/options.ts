// Options of createSqliteStore, validated once in the factory.

import { z } from 'zod';
import { parseOptions, type CorruptRecordError } from '@cairn/core';

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
  /**
   * Open only a database Cairn already wrote (its `meta` row present): a missing, empty (truncated) or foreign
   * file is refused instead of silently starting an empty journal. The CLI and `cairn dev` set it for files
   * they did not create. @default false
   */
  requireExisting: z.boolean().default(false),
  /**
   * Run `PRAGMA quick_check` when the store opens and refuse a damaged file (a few ms per 10 MB; `cairn doctor`
   * runs the full `integrity_check`). @default true
   */
  quickCheck: z.boolean().default(true),
  /**
   * Called after every commit; if it throws, the write's answer is lost after it was applied, as a network
   * store's can be. For fault-injection tests (the conformance suite's fault mode). @default none
   */
  afterCommit: z.custom<() => void>((value) => typeof value === 'function', 'a function').optional(),
  /**
   * Called before every write runs; if it throws, the write is refused before it reaches the file (a request
   * that never arrived). For fault-injection tests. @default none
   */
  beforeWrite: z.custom<() => void>((value) => typeof value === 'function', 'a function').optional(),
  /** Told of each stored instance a listing leaves out because its row does not parse. @default console.warn */
  onCorruptRecord: z.custom<(error: CorruptRecordError) => void>((value) => typeof value === 'function', 'a function').optional(),
});

export type SqliteStoreOptions = z.input<typeof SqliteStoreOptionsSchema>;
export type ResolvedSqliteStoreOptions = z.output<typeof SqliteStoreOptionsSchema>;

export function parseStoreOptions(options: unknown): ResolvedSqliteStoreOptions {
  return parseOptions(SqliteStoreOptionsSchema, options, { adapter: 'sqlite', factory: 'createSqliteStore' });
}
