export { createPostgresStore, type PostgresStore } from './store.js';
export { PostgresStoreOptionsSchema, type PostgresPool, type PostgresStoreOptions } from './options.js';
export { SCHEMA_VERSION, type MigrationResult } from './migrations.js';
export { createPostgresScheduler, PostgresSchedulerOptionsSchema, type PostgresScheduler, type PostgresSchedulerOptions } from './scheduler.js';
