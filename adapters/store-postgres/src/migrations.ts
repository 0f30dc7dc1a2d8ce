// The tables, created and upgraded by `migrate()` only (never by the factory): versioned in `<schema>.meta`,
// each migration applied once, all of them in one transaction under an advisory lock, so runners migrating one
// database at once queue behind the first and then find nothing to do. Instances are columns (the fields the
// store filters, orders or fences on, and the rest for cheap partial updates); step and event records are JSON
// text, keyed by the columns that address them. Identifiers compare and sort by bytes (COLLATE "C").

import { AdapterError } from '@cairn/core';
import type { PostgresPool } from './options.js';
import { messageOf } from './transport.js';

export interface MigrationResult {
  /** The version found (null: an empty schema). */
  from: number | null;
  to: number;
}

/** `MIGRATIONS[n - 1]` takes a version n - 1 schema (0: none) to version n. */
const MIGRATIONS: readonly ((s: string) => string)[] = [
  // 1: instances, their journal and events, the due-wake-up and listing indexes.
  (s) => `
CREATE TABLE ${s}.instances (
  workflow_name TEXT COLLATE "C" NOT NULL,
  instance_id TEXT COLLATE "C" NOT NULL,
  v INTEGER NOT NULL,
  status TEXT COLLATE "C" NOT NULL,
  params TEXT NOT NULL,
  output TEXT,
  error TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  finished_at BIGINT,
  version INTEGER NOT NULL,
  generation INTEGER NOT NULL,
  lease_owner TEXT,
  lease_token INTEGER NOT NULL,
  lease_expires_at BIGINT,
  wake_at BIGINT,
  wake_seq INTEGER NOT NULL,
  event_seq INTEGER NOT NULL,
  paused_at BIGINT,
  paused_total_ms DOUBLE PRECISION NOT NULL,
  recoveries INTEGER NOT NULL,
  expires_at BIGINT,
  success_retention_ms BIGINT,
  error_retention_ms BIGINT,
  incarnation TEXT,
  events_consumed INTEGER,
  write_id TEXT,
  trace TEXT,
  metadata TEXT,
  workflow_version TEXT,
  PRIMARY KEY (workflow_name, instance_id)
);
-- Due wake-ups: only instances that have one are indexed.
CREATE INDEX instances_due ON ${s}.instances (wake_at) WHERE wake_at IS NOT NULL;
CREATE INDEX instances_newest ON ${s}.instances (created_at DESC, workflow_name, instance_id);
CREATE INDEX instances_workflow_newest ON ${s}.instances (workflow_name, created_at DESC, instance_id);
CREATE TABLE ${s}.steps (
  workflow_name TEXT COLLATE "C" NOT NULL,
  instance_id TEXT COLLATE "C" NOT NULL,
  generation INTEGER NOT NULL,
  id TEXT COLLATE "C" NOT NULL,
  recorded_at BIGINT NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (workflow_name, instance_id, generation, id)
);
CREATE TABLE ${s}.events (
  workflow_name TEXT COLLATE "C" NOT NULL,
  instance_id TEXT COLLATE "C" NOT NULL,
  id TEXT COLLATE "C" NOT NULL,
  data TEXT NOT NULL,
  consumed_generation INTEGER,
  PRIMARY KEY (workflow_name, instance_id, id)
);
`,
  // 2: request-signature uses (claimNonce) and the retention sweep's index.
  (s) => `
CREATE TABLE ${s}.nonces (
  key TEXT COLLATE "C" PRIMARY KEY,
  expires_at BIGINT NOT NULL,
  claim TEXT NOT NULL
);
CREATE INDEX instances_expiring ON ${s}.instances (expires_at) WHERE expires_at IS NOT NULL;
`,
  // 3: claims of due instances by the hosts of a fleet (claimDueInstances); every update clears them.
  (s) => `ALTER TABLE ${s}.instances ADD COLUMN claimed_until BIGINT;`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Creates or upgrades the schema to this package's latest version. Safe when many processes run it at once. */
export function migrate(pool: PostgresPool, schema: string): Promise<MigrationResult> {
  return migrateTo(pool, schema, SCHEMA_VERSION);
}

/** Creates or upgrades the schema to version `to` (tests build old schemas with it). */
export async function migrateTo(pool: PostgresPool, schema: string, to: number): Promise<MigrationResult> {
  let client;
  try {
    client = await pool.connect();
  } catch (error) {
    throw new AdapterError('postgres', 'migrate', `cannot connect: ${messageOf(error)}`, { cause: error });
  }
  try {
    await client.query('BEGIN');
    // One migrator at a time per schema; the lock ends with the transaction.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`cairn-migrate:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    const from = await storedVersion(client, schema);
    if (from !== null && from > SCHEMA_VERSION) {
      throw new AdapterError(
        'postgres',
        'migrate',
        `schema "${schema}" is at version ${from}, newer than this @cairn/store-postgres supports (${SCHEMA_VERSION}); upgrade the package`,
        { option: 'schema' },
      );
    }
    for (let version = (from ?? 0) + 1; version <= to; version++) await client.query(MIGRATIONS[version - 1]!(schema));
    if ((from ?? 0) < to) {
      await client.query(`INSERT INTO ${schema}.meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [
        String(to),
      ]);
    }
    await client.query('COMMIT');
    return { from, to: Math.max(from ?? 0, to) };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (error instanceof AdapterError) throw error;
    throw new AdapterError('postgres', 'migrate', messageOf(error), { cause: error, option: 'schema' });
  } finally {
    client.release();
  }
}

/** The schema's version: null when it has none yet; an unreadable one is an error. */
async function storedVersion(client: Pick<PostgresPool, 'query'>, schema: string): Promise<number | null> {
  const { rows } = await client.query<{ value: string }>(`SELECT value FROM ${schema}.meta WHERE key = 'schema_version'`);
  if (rows.length === 0) return null;
  const found = Number(rows[0]!.value);
  if (!Number.isInteger(found) || found < 1) {
    throw new AdapterError('postgres', 'migrate', `schema "${schema}" has an unreadable version "${rows[0]!.value}"`, { option: 'schema' });
  }
  return found;
}
