// The database layout, created on first use and versioned in `meta`. Instances are columns (the fields
// the store filters, orders or fences on, and the rest for cheap partial updates); step and event records
// are JSON, keyed by the columns that address them. An older database is upgraded in place on open
// (see MIGRATIONS).

import type { DatabaseSync } from 'node:sqlite';
import { AdapterError } from '@cairn/core';
import { quickCheck } from './integrity.js';

export const SCHEMA_VERSION = 5;

const DDL = `
CREATE TABLE IF NOT EXISTS instances (
  workflow_name TEXT NOT NULL,
  instance_id TEXT NOT NULL,
  v INTEGER NOT NULL,
  status TEXT NOT NULL,
  params TEXT NOT NULL,
  output TEXT,
  error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  finished_at INTEGER,
  version INTEGER NOT NULL,
  generation INTEGER NOT NULL,
  lease_owner TEXT,
  lease_token INTEGER NOT NULL,
  lease_expires_at INTEGER,
  wake_at INTEGER,
  wake_seq INTEGER NOT NULL,
  event_seq INTEGER NOT NULL,
  paused_at INTEGER,
  paused_total_ms REAL NOT NULL,
  recoveries INTEGER NOT NULL,
  expires_at INTEGER,
  success_retention_ms INTEGER,
  error_retention_ms INTEGER,
  incarnation TEXT,
  events_consumed INTEGER,
  write_id TEXT,
  trace TEXT,
  metadata TEXT,
  workflow_version TEXT,
  PRIMARY KEY (workflow_name, instance_id)
) WITHOUT ROWID;
-- Due wake-ups: only instances that have one are indexed.
CREATE INDEX IF NOT EXISTS instances_due ON instances (wake_at) WHERE wake_at IS NOT NULL;
-- Listing: newest first, across workflows or within one.
CREATE INDEX IF NOT EXISTS instances_newest ON instances (created_at DESC, workflow_name, instance_id);
CREATE INDEX IF NOT EXISTS instances_workflow_newest ON instances (workflow_name, created_at DESC, instance_id);
CREATE TABLE IF NOT EXISTS steps (
  workflow_name TEXT NOT NULL,
  instance_id TEXT NOT NULL,
  generation INTEGER NOT NULL,
  id TEXT NOT NULL,
  recorded_at INTEGER NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (workflow_name, instance_id, generation, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
  workflow_name TEXT NOT NULL,
  instance_id TEXT NOT NULL,
  id TEXT NOT NULL,
  data TEXT NOT NULL,
  consumed_generation INTEGER,
  PRIMARY KEY (workflow_name, instance_id, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS nonces (
  key TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL,
  claim TEXT NOT NULL
) WITHOUT ROWID;
`;

/**
 * Upgrades, by the version they upgrade FROM: `MIGRATIONS[n]` takes a version-n database to n + 1. `DDL`
 * always creates the latest layout, so a new database never runs these.
 */
const MIGRATIONS: Readonly<Record<number, string>> = {
  // 1 -> 2: per-instance retention (`create({ retention })`); NULL where an instance has none.
  1: `
ALTER TABLE instances ADD COLUMN success_retention_ms INTEGER;
ALTER TABLE instances ADD COLUMN error_retention_ms INTEGER;
`,
  // 2 -> 3: wake-up names per incarnation, the buffered-event count, write ids (a retried write knows its own),
  // events left out of the journal once a wait consumed them, and signature uses (claimNonce).
  2: `
ALTER TABLE instances ADD COLUMN incarnation TEXT;
ALTER TABLE instances ADD COLUMN events_consumed INTEGER;
ALTER TABLE instances ADD COLUMN write_id TEXT;
ALTER TABLE events ADD COLUMN consumed_generation INTEGER;
CREATE TABLE IF NOT EXISTS nonces (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL, claim TEXT NOT NULL) WITHOUT ROWID;
`,
  // 3 -> 4: the trace context telemetry records at creation; NULL for instances created without it.
  3: `
ALTER TABLE instances ADD COLUMN trace TEXT;
`,
  // 4 -> 5: dispatcher metadata (@cairn/dynamic) and the code version an instance runs; NULL where none.
  4: `
ALTER TABLE instances ADD COLUMN metadata TEXT;
ALTER TABLE instances ADD COLUMN workflow_version TEXT;
`,
};

/** Sets the connection's pragmas and creates, upgrades or checks the schema. Safe when several processes race. */
export function openSchema(
  db: DatabaseSync,
  options: { path: string; synchronous: 'normal' | 'full'; busyTimeoutMs: number; requireExisting: boolean; quickCheck: boolean },
): void {
  db.exec(`PRAGMA busy_timeout = ${options.busyTimeoutMs}`);
  if (options.quickCheck) quickCheck(db, options.path);
  // WAL lets readers and one writer work at once and makes a commit one append to the log.
  db.exec('PRAGMA journal_mode = WAL');
  db.exec(`PRAGMA synchronous = ${options.synchronous.toUpperCase()}`);
  db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
  // The common case, current already, takes no write lock.
  if (checkedVersion(db) === SCHEMA_VERSION) return;
  db.exec('BEGIN IMMEDIATE');
  try {
    // Read again under the write lock: another process may have created or upgraded the schema since.
    const found = checkedVersion(db);
    if (found === null && options.requireExisting) {
      throw new AdapterError('sqlite', 'open', `"${options.path}" is not a Cairn database (it has no schema version), and requireExisting asks for one`, {
        option: 'path',
      });
    }
    if (found === null && hasForeignTables(db)) {
      throw new AdapterError('sqlite', 'open', `"${options.path}" holds tables that are not Cairn's: point the store at a file of its own`, { option: 'path' });
    }
    if (found === null) {
      db.exec(DDL);
      db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?)").run(String(SCHEMA_VERSION));
    } else if (found < SCHEMA_VERSION) {
      for (let version = found; version < SCHEMA_VERSION; version++) db.exec(migrationFrom(version));
      db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(String(SCHEMA_VERSION));
    }
    db.exec('COMMIT');
  } catch (error) {
    try {
      db.exec('ROLLBACK');
    } catch {
      // SQLite already rolled it back; the original error is the one to report.
    }
    throw error;
  }
}

/** The stored version (null for a new database); refuses one newer than this package, or not a version at all. */
function checkedVersion(db: DatabaseSync): number | null {
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined;
  if (!row) return null;
  const found = Number(row.value);
  if (!Number.isInteger(found) || found < 1) {
    throw new AdapterError('sqlite', 'open', `the database has an unreadable schema version "${row.value}"`, { option: 'path' });
  }
  if (found > SCHEMA_VERSION) {
    throw new AdapterError(
      'sqlite',
      'open',
      `the database has schema version ${found}, newer than this @cairn/store-sqlite supports (${SCHEMA_VERSION}); upgrade the package`,
      { option: 'path' },
    );
  }
  return found;
}

/** A database with tables but no Cairn schema version is someone else's. */
function hasForeignTables(db: DatabaseSync): boolean {
  const row = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name <> 'meta'").get() as { n: number };
  return row.n > 0;
}

function migrationFrom(version: number): string {
  const sql = MIGRATIONS[version];
  if (sql === undefined) {
    throw new AdapterError('sqlite', 'open', `the database has schema version ${version}, which this @cairn/store-sqlite cannot upgrade`, {
      option: 'path',
    });
  }
  return sql;
}
