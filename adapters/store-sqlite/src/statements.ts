// Every statement the store runs, prepared once per database; the shapes that vary (which fields an update
// sets, which filters a listing uses) are prepared on first use and kept.

import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { INSTANCE_COLUMNS, INSTANCE_FIELDS, INSTANCE_SELECT, type InstanceField } from './rows.js';

const REF = 'workflow_name = ? AND instance_id = ?';

export function prepareStatements(db: DatabaseSync) {
  return {
    begin: db.prepare('BEGIN'),
    beginWrite: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    savepoint: db.prepare('SAVEPOINT item'),
    release: db.prepare('RELEASE item'),
    rollbackItem: db.prepare('ROLLBACK TO item'),
    insertInstance: db.prepare(
      `INSERT INTO instances (${INSTANCE_FIELDS.map((field) => INSTANCE_COLUMNS[field]).join(', ')})
       VALUES (${INSTANCE_FIELDS.map(() => '?').join(', ')}) ON CONFLICT DO NOTHING`,
    ),
    getInstance: db.prepare(`SELECT ${INSTANCE_SELECT} FROM instances WHERE ${REF}`),
    steps: db.prepare(`SELECT data FROM steps WHERE ${REF} AND generation = ? ORDER BY recorded_at, id`),
    // Events a wait of the current generation consumed are left out: the wait's outcome holds them.
    events: db.prepare(`SELECT data FROM events WHERE ${REF} AND (consumed_generation IS NULL OR consumed_generation <> ?) ORDER BY id`),
    markConsumed: db.prepare(`UPDATE events SET consumed_generation = ? WHERE ${REF} AND id = ?`),
    // Fencing and create-if-absent in one statement: a row is inserted only while the lease is held.
    insertStep: db.prepare(
      `INSERT INTO steps (workflow_name, instance_id, generation, id, recorded_at, data)
       SELECT workflow_name, instance_id, ?, ?, ?, ? FROM instances
       WHERE ${REF} AND lease_owner IS NOT NULL AND lease_token = ?
       ON CONFLICT DO NOTHING`,
    ),
    lease: db.prepare(`SELECT lease_owner AS leaseOwner, lease_token AS leaseToken FROM instances WHERE ${REF}`),
    step: db.prepare(`SELECT data FROM steps WHERE ${REF} AND generation = ? AND id = ?`),
    version: db.prepare(`SELECT version, write_id AS writeId FROM instances WHERE ${REF}`),
    created: db.prepare(`SELECT incarnation, created_at AS createdAt, params FROM instances WHERE ${REF}`),
    dropGenerations: db.prepare(`DELETE FROM steps WHERE ${REF} AND generation < ?`),
    insertEvent: db.prepare('INSERT INTO events (workflow_name, instance_id, id, data) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING'),
    countEvent: db.prepare(`UPDATE instances SET event_seq = event_seq + 1, version = version + 1, write_id = ? WHERE ${REF} RETURNING ${INSTANCE_SELECT}`),
    event: db.prepare(`SELECT 1 FROM events WHERE ${REF} AND id = ?`),
    deleteSteps: db.prepare(`DELETE FROM steps WHERE ${REF}`),
    deleteEvents: db.prepare(`DELETE FROM events WHERE ${REF}`),
    deleteInstance: db.prepare(`DELETE FROM instances WHERE ${REF}`),
    // A claim is taken when there is none, or the one there has expired.
    claimNonce: db.prepare(
      'INSERT INTO nonces (key, expires_at, claim) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at, claim = excluded.claim WHERE nonces.expires_at <= ?',
    ),
    purgeNonces: db.prepare('DELETE FROM nonces WHERE expires_at <= ?'),
    nonce: db.prepare('SELECT 1 FROM nonces WHERE key = ? AND claim = ?'),
    due: db.prepare(
      `SELECT workflow_name AS workflowName, instance_id AS instanceId, wake_at AS wakeAt FROM instances
       WHERE wake_at IS NOT NULL AND wake_at <= ? ORDER BY wake_at LIMIT ?`,
    ),
    countAll: db.prepare('SELECT status, COUNT(*) AS n FROM instances GROUP BY status'),
    countWorkflow: db.prepare('SELECT status, COUNT(*) AS n FROM instances WHERE workflow_name = ? GROUP BY status'),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;

/** The statements whose text depends on their arguments, each prepared the first time its shape is used. */
export class ShapedStatements {
  private readonly updates = new Map<string, StatementSync>();
  private readonly lists = new Map<string, StatementSync>();

  constructor(private readonly db: DatabaseSync) {}

  /** A compare-and-set update of exactly these fields; version + 1. */
  update(fields: readonly InstanceField[]): StatementSync {
    const signature = fields.join(',');
    let statement = this.updates.get(signature);
    if (!statement) {
      const sets = fields.map((field) => `${INSTANCE_COLUMNS[field]} = ?`).join(', ');
      statement = this.db.prepare(
        `UPDATE instances SET ${sets}${sets ? ', ' : ''}version = version + 1, write_id = ? WHERE ${REF} AND version = ? RETURNING ${INSTANCE_SELECT}`,
      );
      this.updates.set(signature, statement);
    }
    return statement;
  }

  /** A page of instances, newest first, with the filters given. */
  list(byWorkflow: boolean, byStatus: boolean, after: boolean): StatementSync {
    const signature = `${byWorkflow}${byStatus}${after}`;
    let statement = this.lists.get(signature);
    if (!statement) {
      const where = [
        byWorkflow ? 'workflow_name = $workflow' : '',
        byStatus ? 'status = $status' : '',
        after
          ? '(created_at < $createdAt OR (created_at = $createdAt AND (workflow_name > $afterWorkflow OR (workflow_name = $afterWorkflow AND instance_id > $afterId))))'
          : '',
      ].filter(Boolean);
      statement = this.db.prepare(
        `SELECT ${INSTANCE_SELECT} FROM instances ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY created_at DESC, workflow_name, instance_id LIMIT $limit`,
      );
      this.lists.set(signature, statement);
    }
    return statement;
  }
}
