// @cairn/store-sqlite: the journal store on Node's built-in SQLite, and the local runner.

export { createSqliteStore, type SqliteStore } from './store.js';
export { SqliteStoreOptionsSchema, type SqliteStoreOptions } from './options.js';
export { SCHEMA_VERSION } from './schema.js';
export { createLocalRunner, type LocalRunner } from './runner.js';
export type { LocalRunnerOptions } from './runner-options.js';
