// createPostgresStore: the WorkflowStore port on PostgreSQL through an injected node-postgres pool. Each write
// is one statement (atomic, one round trip): a completed step is one fenced INSERT ... SELECT ... ON CONFLICT
// DO NOTHING (steps recorded together by many instances share one statement and one commit), the journal is
// one SELECT, updates are compare-and-set on `version`. Tables are made by `migrate()`, never here.

import type { WorkflowStore } from '@cairn/core';
import type { PostgresContext } from './context.js';
import { claimNonce, createInstance, deleteInstance, getInstance, updateInstance } from './instance-ops.js';
import { appendEvent, loadJournal, recordStep } from './journal-ops.js';
import { claimDueInstances, countInstances, listDueInstances, listInstances } from './listing.js';
import { migrate, type MigrationResult } from './migrations.js';
import { parseStoreOptions, type PostgresStoreOptions } from './options.js';
import { RetentionSweep } from './retention.js';
import { ShapedStatements, buildStatements } from './statements.js';
import { StepBatcher } from './step-batcher.js';
import { Transport } from './transport.js';

export interface PostgresStore extends WorkflowStore {
  readonly name: 'postgres';
  /** The schema holding the tables. */
  readonly schema: string;
  /**
   * Creates the schema and tables, or upgrades them in place; idempotent, and safe when many processes run it
   * at once (an advisory lock). Run it once per deploy, before runners start.
   */
  migrate(): Promise<MigrationResult>;
  /** Deletes finished instances whose `expiresAt` is at or before `now` (default: the system clock), with their journal. */
  purgeExpired(params?: { now?: number; limit?: number }): Promise<number>;
  /** Sends nothing more; the pool is yours to end. */
  close(): Promise<void>;
}

export function createPostgresStore(options: PostgresStoreOptions): PostgresStore {
  const settings = parseStoreOptions(options);
  const { pool, schema } = settings;
  const tx = new Transport(pool, schema, settings.maxAttempts);
  const sql = buildStatements(schema);
  const ctx: PostgresContext = {
    tx,
    sql,
    shaped: new ShapedStatements(schema),
    steps: new StepBatcher(tx, sql, { enabled: settings.groupCommit, maxInFlight: settings.maxBatchesInFlight }),
    onCorruptRecord: settings.onCorruptRecord ?? ((error) => console.warn(`${error.message}: left out of the listing`)),
  };
  const onError = settings.onError ?? ((error: unknown, operation: string) => console.warn(`[cairn] [postgres] ${operation} failed:`, error));
  const retention = new RetentionSweep(ctx, settings.retention, onError);
  const bind =
    <P, T>(operation: (ctx: PostgresContext, params: P) => Promise<T>) =>
    (params: P): Promise<T> =>
      operation(ctx, params);

  return {
    name: 'postgres',
    schema,
    createInstance: bind(createInstance),
    getInstance: bind(getInstance),
    loadJournal: bind(loadJournal),
    updateInstance: bind(updateInstance),
    recordStep: bind(recordStep),
    appendEvent: bind(appendEvent),
    deleteInstance: bind(deleteInstance),
    listInstances: bind(listInstances),
    countInstances: bind(countInstances),
    listDueInstances(params) {
      retention.maybeSweep(params.now);
      return listDueInstances(ctx, params);
    },
    // What the hosts of a fleet poll instead (FOR UPDATE SKIP LOCKED): each due instance goes to one of them.
    claimDueInstances(params) {
      retention.maybeSweep(params.now);
      return claimDueInstances(ctx, params);
    },
    claimNonce: bind(claimNonce),
    migrate: () => migrate(pool, schema),
    purgeExpired: ({ now = Date.now(), limit }: { now?: number; limit?: number } = {}) => retention.purge(now, limit),
    async close() {
      if (tx.closed) return;
      await retention.pending;
      tx.closed = true;
    },
  };
}
