// Every statement the store sends, built once per schema and sent as a named prepared statement. Each write is
// one statement (CTEs where a write touches several tables), so it is atomic without a transaction block and
// costs one round trip. The update statements, whose text depends on the fields set, are built on first use.

import { createHash } from 'node:crypto';
import { INSTANCE_COLUMNS, INSTANCE_FIELDS, instanceSelect, type InstanceField } from './rows.js';
import type { Statement } from './transport.js';

const REF = 'workflow_name = $1 AND instance_id = $2';

function named(key: string, text: string): Statement {
  // Prepared-statement names are per connection; the hash of the text keeps two schemas (or shapes) apart.
  return { name: `cairn_${key}_${createHash('sha1').update(text).digest('hex').slice(0, 12)}`, text };
}

export function buildStatements(s: string) {
  return { ...instanceStatements(s), ...journalStatements(s) };
}

/** Instances, nonces, listings and retention. */
function instanceStatements(s: string) {
  const select = instanceSelect();
  const statement = named;
  return {
    insertInstance: statement(
      'insert_instance',
      `INSERT INTO ${s}.instances (${INSTANCE_FIELDS.map((field) => INSTANCE_COLUMNS[field]).join(', ')})
       VALUES (${INSTANCE_FIELDS.map((_, i) => `$${i + 1}`).join(', ')}) ON CONFLICT DO NOTHING RETURNING 1 AS inserted`,
    ),
    created: statement('created', `SELECT incarnation, created_at::float8 AS "createdAt", params FROM ${s}.instances WHERE ${REF}`),
    getInstance: statement('get_instance', `SELECT ${select} FROM ${s}.instances WHERE ${REF}`),
    // The record and the id of the write that made it (a resent update tells its own write by it).
    current: statement('current', `SELECT ${select}, write_id AS "_writeId" FROM ${s}.instances WHERE ${REF}`),
    deleteInstance: statement(
      'delete_instance',
      `WITH st AS (DELETE FROM ${s}.steps WHERE ${REF}), ev AS (DELETE FROM ${s}.events WHERE ${REF}),
         i AS (DELETE FROM ${s}.instances WHERE ${REF} RETURNING 1)
       SELECT count(*)::int AS deleted FROM i`,
    ),
    // A claim is taken when there is none, or the one there has expired.
    claimNonce: statement(
      'claim_nonce',
      `INSERT INTO ${s}.nonces (key, expires_at, claim) VALUES ($1, $2, $3)
       ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at, claim = excluded.claim WHERE ${s}.nonces.expires_at <= $4
       RETURNING 1 AS taken`,
    ),
    nonce: statement('nonce', `SELECT 1 FROM ${s}.nonces WHERE key = $1 AND claim = $2`),
    purgeNonces: statement('purge_nonces', `DELETE FROM ${s}.nonces WHERE expires_at <= $1`),
    due: statement(
      'due',
      `SELECT workflow_name AS "workflowName", instance_id AS "instanceId", wake_at::float8 AS "wakeAt" FROM ${s}.instances
       WHERE wake_at IS NOT NULL AND wake_at <= $1 ORDER BY wake_at LIMIT $2`,
    ),
    // Due instances no other host has claimed (rows being claimed or written are skipped), claimed until $3.
    claimDue: statement(
      'claim_due',
      `WITH picked AS (
         SELECT workflow_name, instance_id FROM ${s}.instances
         WHERE wake_at IS NOT NULL AND wake_at <= $1 AND (claimed_until IS NULL OR claimed_until <= $1)
         ORDER BY wake_at LIMIT $2 FOR UPDATE SKIP LOCKED
       )
       UPDATE ${s}.instances t SET claimed_until = $3 FROM picked p WHERE t.workflow_name = p.workflow_name AND t.instance_id = p.instance_id
       RETURNING t.workflow_name AS "workflowName", t.instance_id AS "instanceId", t.wake_at::float8 AS "wakeAt"`,
    ),
    claimOne: statement(
      'claim_one',
      `WITH picked AS (
         SELECT workflow_name, instance_id FROM ${s}.instances
         WHERE ${REF} AND wake_at IS NOT NULL AND wake_at <= $3 AND (claimed_until IS NULL OR claimed_until <= $3) FOR UPDATE SKIP LOCKED
       )
       UPDATE ${s}.instances t SET claimed_until = $4 FROM picked p WHERE t.workflow_name = p.workflow_name AND t.instance_id = p.instance_id
       RETURNING t.workflow_name AS "workflowName", t.instance_id AS "instanceId", t.wake_at::float8 AS "wakeAt"`,
    ),
    countAll: statement('count_all', `SELECT status, count(*)::int AS n FROM ${s}.instances GROUP BY status`),
    countWorkflow: statement('count_workflow', `SELECT status, count(*)::int AS n FROM ${s}.instances WHERE workflow_name = $1 GROUP BY status`),
    // Finished instances past their expiry, with their journal: a batch at a time, skipping rows others hold.
    purgeExpired: statement(
      'purge_expired',
      `WITH doomed AS (
         SELECT workflow_name, instance_id FROM ${s}.instances WHERE expires_at IS NOT NULL AND expires_at <= $1
         ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED
       ), st AS (
         DELETE FROM ${s}.steps t USING doomed d WHERE t.workflow_name = d.workflow_name AND t.instance_id = d.instance_id
       ), ev AS (
         DELETE FROM ${s}.events t USING doomed d WHERE t.workflow_name = d.workflow_name AND t.instance_id = d.instance_id
       ), i AS (
         DELETE FROM ${s}.instances t USING doomed d WHERE t.workflow_name = d.workflow_name AND t.instance_id = d.instance_id RETURNING 1
       )
       SELECT count(*)::int AS deleted FROM i`,
    ),
  };
}

/** The journal: its one read, step writes (single and grouped) and events. */
function journalStatements(s: string) {
  const select = instanceSelect();
  const statement = named;
  return {
    // The journal in one statement (one snapshot): the instance, its generation's steps in order, and its events
    // less those a wait of this generation consumed.
    loadJournal: statement(
      'load_journal',
      `SELECT ${instanceSelect('i')},
         ARRAY(SELECT st.data FROM ${s}.steps st WHERE st.workflow_name = i.workflow_name AND st.instance_id = i.instance_id
               AND st.generation = i.generation ORDER BY st.recorded_at, st.id) AS "_steps",
         ARRAY(SELECT ev.data FROM ${s}.events ev WHERE ev.workflow_name = i.workflow_name AND ev.instance_id = i.instance_id
               AND (ev.consumed_generation IS NULL OR ev.consumed_generation <> i.generation) ORDER BY ev.id) AS "_events"
       FROM ${s}.instances i WHERE i.workflow_name = $1 AND i.instance_id = $2`,
    ),
    // Fencing and create-if-absent in one statement: the row is inserted only while the lease is held (the
    // instance row share-locked, so a takeover waits for this write or this write sees the takeover), and a
    // wait's outcome marks the event it took as consumed in the same statement ($8: its id, or NULL).
    recordStep: statement(
      'record_step',
      `WITH ins AS (
         INSERT INTO ${s}.steps (workflow_name, instance_id, generation, id, recorded_at, data)
         SELECT workflow_name, instance_id, $3, $4, $5, $6 FROM ${s}.instances
         WHERE ${REF} AND lease_owner IS NOT NULL AND lease_token = $7 FOR SHARE
         ON CONFLICT DO NOTHING RETURNING 1
       ), mark AS (
         UPDATE ${s}.events SET consumed_generation = $3 WHERE ${REF} AND id = $8 AND EXISTS (SELECT 1 FROM ins)
       )
       SELECT count(*)::int AS inserted FROM ins`,
    ),
    // The same for a step that consumes no event (most): no second table in the statement.
    recordPlainStep: statement(
      'record_plain_step',
      `INSERT INTO ${s}.steps (workflow_name, instance_id, generation, id, recorded_at, data)
       SELECT workflow_name, instance_id, $3, $4, $5, $6 FROM ${s}.instances
       WHERE ${REF} AND lease_owner IS NOT NULL AND lease_token = $7 FOR SHARE
       ON CONFLICT DO NOTHING RETURNING 1 AS inserted`,
    ),
    // Many steps (of many instances) in one statement: one round trip, one commit. Returns those inserted.
    recordSteps: statement(
      'record_steps',
      `WITH b AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::bigint[], $6::text[], $7::int[], $8::text[])
           AS b(wf, iid, gen, id, rec, data, token, consumed)
       ), ins AS (
         INSERT INTO ${s}.steps (workflow_name, instance_id, generation, id, recorded_at, data)
         SELECT b.wf, b.iid, b.gen, b.id, b.rec, b.data FROM b
         JOIN ${s}.instances i ON i.workflow_name = b.wf AND i.instance_id = b.iid AND i.lease_owner IS NOT NULL AND i.lease_token = b.token
         FOR SHARE OF i
         ON CONFLICT DO NOTHING RETURNING workflow_name, instance_id, generation, id
       ), mark AS (
         UPDATE ${s}.events e SET consumed_generation = b.gen FROM b JOIN ins ON ins.workflow_name = b.wf AND ins.instance_id = b.iid
           AND ins.generation = b.gen AND ins.id = b.id
         WHERE e.workflow_name = b.wf AND e.instance_id = b.iid AND e.id = b.consumed
       )
       SELECT workflow_name AS wf, instance_id AS iid, generation AS gen, id FROM ins`,
    ),
    // Why a step was not inserted: the lease, and the record if one exists.
    stepRefusal: statement(
      'step_refusal',
      `SELECT lease_owner AS "leaseOwner", lease_token AS "leaseToken",
         (SELECT data FROM ${s}.steps WHERE ${REF} AND generation = $3 AND id = $4) AS existing
       FROM ${s}.instances WHERE ${REF}`,
    ),
    // Create-if-absent on the event id, with the counters, in one statement; no row: missing, or already there.
    appendEvent: statement(
      'append_event',
      `WITH ins AS (
         INSERT INTO ${s}.events (workflow_name, instance_id, id, data)
         SELECT workflow_name, instance_id, $3, $4 FROM ${s}.instances WHERE ${REF}
         ON CONFLICT DO NOTHING RETURNING 1
       )
       UPDATE ${s}.instances SET event_seq = event_seq + 1, version = version + 1, write_id = $5
       WHERE ${REF} AND EXISTS (SELECT 1 FROM ins) RETURNING ${select}`,
    ),
  };
}

export type Statements = ReturnType<typeof buildStatements>;

/** The statements whose text depends on their arguments, each built the first time its shape is used. */
export class ShapedStatements {
  private readonly updates = new Map<string, Statement>();
  private readonly lists = new Map<string, Statement>();

  constructor(private readonly schema: string) {}

  /**
   * A compare-and-set update of exactly these fields ($3... in order, then the write id, then the expected
   * version); version + 1, and a host's claim of the instance ends. A new generation (restart) also drops the older
   * generations' steps, in the same statement.
   */
  update(fields: readonly InstanceField[], newGeneration: boolean): Statement {
    const signature = `${fields.join(',')}|${newGeneration}`;
    let statement = this.updates.get(signature);
    if (!statement) {
      const s = this.schema;
      const sets = fields.map((field, i) => `${INSTANCE_COLUMNS[field]} = $${i + 3}`).join(', ');
      const writeId = `$${fields.length + 3}`;
      const expected = `$${fields.length + 4}`;
      const update = `UPDATE ${s}.instances SET ${sets}${sets ? ', ' : ''}version = version + 1, write_id = ${writeId}, claimed_until = NULL
        WHERE ${REF} AND version = ${expected} RETURNING ${instanceSelect()}`;
      const text = newGeneration
        ? `WITH u AS (${update}), d AS (DELETE FROM ${s}.steps t USING u WHERE t.workflow_name = u."workflowName"
             AND t.instance_id = u."instanceId" AND t.generation < u.generation) SELECT * FROM u`
        : update;
      statement = named('update', text);
      this.updates.set(signature, statement);
    }
    return statement;
  }

  /** A page of instances, newest first, with the filters given ($1 the limit, then the filters' values). */
  list(byWorkflow: boolean, byStatus: boolean, after: boolean): Statement {
    const signature = `${byWorkflow}${byStatus}${after}`;
    let statement = this.lists.get(signature);
    if (!statement) {
      let n = 1;
      const where: string[] = [];
      if (byWorkflow) where.push(`workflow_name = $${++n}`);
      if (byStatus) where.push(`status = $${++n}`);
      if (after) {
        const [createdAt, workflow, id] = [++n, ++n, ++n].map((i) => `$${i}`);
        where.push(
          `(created_at < ${createdAt} OR (created_at = ${createdAt} AND (workflow_name > ${workflow} OR (workflow_name = ${workflow} AND instance_id > ${id}))))`,
        );
      }
      statement = named(
        'list',
        `SELECT ${instanceSelect()} FROM ${this.schema}.instances ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY created_at DESC, workflow_name, instance_id LIMIT $1`,
      );
      this.lists.set(signature, statement);
    }
    return statement;
  }
}
