// Fixture: a database as @cairn/store-sqlite wrote it at schema version 1 (before per-instance retention).
// A frozen copy of that version's DDL and `meta` row; never update it to match `src/schema.ts`.

import { DatabaseSync } from 'node:sqlite';

const V1_DDL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
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
  PRIMARY KEY (workflow_name, instance_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS instances_due ON instances (wake_at) WHERE wake_at IS NOT NULL;
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
  PRIMARY KEY (workflow_name, instance_id, id)
) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('schema_version', '1');
`;

/** The instance row the fixture holds (`WF` / `old`), as the record it must read back as. */
export const V1_INSTANCE = {
  v: 1,
  workflowName: 'WF',
  instanceId: 'old',
  status: 'errored',
  params: '{"json":{"n":1}}',
  output: null,
  error: { name: 'Error', message: 'boom' },
  createdAt: 1_000,
  updatedAt: 1_500,
  finishedAt: 1_500,
  version: 4,
  generation: 0,
  leaseOwner: null,
  leaseToken: 2,
  leaseExpiresAt: null,
  wakeAt: null,
  wakeSeq: 1,
  eventSeq: 0,
  pausedAt: null,
  pausedTotalMs: 0,
  recoveries: 0,
  expiresAt: 90_000,
} as const;

/** Writes a version-1 database at `path` (WAL, as version 1 left it) holding `V1_INSTANCE` and one of its steps. */
export function createV1Database(path: string): void {
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('BEGIN IMMEDIATE');
  db.exec(V1_DDL);
  const r = V1_INSTANCE;
  db.prepare(
    `INSERT INTO instances (workflow_name, instance_id, v, status, params, output, error, created_at, updated_at, finished_at,
       version, generation, lease_owner, lease_token, lease_expires_at, wake_at, wake_seq, event_seq, paused_at,
       paused_total_ms, recoveries, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    r.workflowName,
    r.instanceId,
    r.v,
    r.status,
    r.params,
    r.output,
    JSON.stringify(r.error),
    r.createdAt,
    r.updatedAt,
    r.finishedAt,
    r.version,
    r.generation,
    r.leaseOwner,
    r.leaseToken,
    r.leaseExpiresAt,
    r.wakeAt,
    r.wakeSeq,
    r.eventSeq,
    r.pausedAt,
    r.pausedTotalMs,
    r.recoveries,
    r.expiresAt,
  );
  const step = {
    v: 1,
    id: 'do:a-1',
    key: 'do:a-1',
    generation: 0,
    kind: 'do',
    name: 'a',
    state: 'completed',
    attempt: 1,
    value: '2',
    startedAt: 1_100,
    recordedAt: 1_200,
  };
  db.prepare('INSERT INTO steps (workflow_name, instance_id, generation, id, recorded_at, data) VALUES (?, ?, ?, ?, ?, ?)').run(
    r.workflowName,
    r.instanceId,
    step.generation,
    step.id,
    step.recordedAt,
    JSON.stringify(step),
  );
  db.exec('COMMIT');
  db.close();
}
