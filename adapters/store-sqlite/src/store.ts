// createSqliteStore: the WorkflowStore port on Node's built-in SQLite (`node:sqlite`, no native addon).
// Every statement is prepared once. A completed step is one conditional INSERT ... SELECT (fencing and
// create-if-absent in one implicit transaction), committed before `recordStep` resolves; the journal is
// read in one read transaction. Several processes may share the file: writes wait on `busy_timeout`,
// multi-statement writes take the write lock up front (`BEGIN IMMEDIATE`), and every write is conditional.

import type { DatabaseSync } from 'node:sqlite';
import { AdapterError, CairnError, type CorruptRecordError, type WorkflowStore } from '@cairn/core';
import type { SqliteContext } from './context.js';
import { claimNonce, createInstance, deleteInstance, getInstance, updateInstance } from './instance-ops.js';
import { appendEvent, loadJournal, recordStep } from './journal-ops.js';
import { countInstances, listDueInstances, listInstances } from './listing.js';
import { parseStoreOptions, type ResolvedSqliteStoreOptions, type SqliteStoreOptions } from './options.js';
import { requireCairnFile } from './integrity.js';
import { openSchema } from './schema.js';
import { nodeSqlite } from './sqlite-module.js';
import { prepareStatements, ShapedStatements } from './statements.js';
import { messageOf, Transactions } from './transactions.js';

export interface SqliteStore extends WorkflowStore {
  readonly name: 'sqlite';
  /** The database file this store writes. */
  readonly path: string;
  close(): Promise<void>;
}

export function createSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const settings = parseStoreOptions(options);
  const { path } = settings;
  const db = openDatabase(path, settings);
  const sql = prepareStatements(db);
  const tx = new Transactions(sql, { beforeWrite: settings.beforeWrite, afterCommit: settings.afterCommit });
  const onCorruptRecord = settings.onCorruptRecord ?? ((error: CorruptRecordError) => console.warn(`${error.message}: left out of the listing`));
  const ctx: SqliteContext = { sql, shaped: new ShapedStatements(db), tx, onCorruptRecord };
  const bind =
    <P, T>(operation: (ctx: SqliteContext, params: P) => Promise<T>) =>
    (params: P): Promise<T> =>
      operation(ctx, params);

  return {
    name: 'sqlite',
    path,
    createInstance: bind(createInstance),
    getInstance: bind(getInstance),
    loadJournal: bind(loadJournal),
    updateInstance: bind(updateInstance),
    recordStep: bind(recordStep),
    appendEvent: bind(appendEvent),
    deleteInstance: bind(deleteInstance),
    listInstances: bind(listInstances),
    countInstances: bind(countInstances),
    listDueInstances: bind(listDueInstances),
    claimNonce: bind(claimNonce),
    async close() {
      if (tx.closed) return;
      tx.flush();
      tx.closed = true;
      try {
        db.close();
      } catch (error) {
        throw new AdapterError('sqlite', 'close', messageOf(error), { cause: error });
      }
    },
  };
}

/** Opens the file and brings its schema up to date; failures name the path. */
function openDatabase(path: string, settings: ResolvedSqliteStoreOptions): DatabaseSync {
  const { DatabaseSync } = nodeSqlite(); // a too-old Node.js: UnsupportedNodeError, unwrapped
  if (settings.requireExisting) requireCairnFile(path);
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path);
  } catch (error) {
    throw new AdapterError('sqlite', 'open', `cannot open "${path}": ${messageOf(error)}`, { cause: error, option: 'path' });
  }
  try {
    openSchema(db, settings);
  } catch (error) {
    db.close();
    if (CairnError.is(error)) throw error;
    throw new AdapterError('sqlite', 'open', `cannot prepare "${path}": ${messageOf(error)}`, { cause: error, option: 'path' });
  }
  return db;
}
