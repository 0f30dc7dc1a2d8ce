// @cairn/store-sqlite: the journal store on Node's built-in SQLite. Run it with @cairn/host-node.

export { createSqliteStore, type SqliteStore } from './store.js';
export { SqliteStoreOptionsSchema, type SqliteStoreOptions } from './options.js';
export { SCHEMA_VERSION } from './schema.js';
export { checkIntegrity } from './integrity.js';
