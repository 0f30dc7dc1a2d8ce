// createSqliteStore: the WorkflowStore port on Node's built-in SQLite (`node:sqlite`, no native addon).
// Every statement is prepared once. A completed step is one conditional INSERT ... SELECT (fencing and
// create-if-absent in one implicit transaction), committed before `recordStep` resolves; the journal is
// read in one read transaction. Several processes may share the file: writes wait on `busy_timeout`,
// multi-statement writes take the write lock up front (`BEGIN IMMEDIATE`), and every write is conditional.

import { DatabaseSync, type StatementSync } from 'node:sqlite';
import {
  AdapterError,
  CairnError,
  InstanceAlreadyExistsError,
  InstanceNotFoundError,
  LeaseLostError,
  ValidationError,
  VersionConflictError,
  parseEventRecord,
  parseStepRecord,
  type DueInstance,
  type InstancePage,
  type InstancePatch,
  type InstanceRecord,
  type Journal,
  type ListInstancesParams,
  type RecordStepResult,
  type StepRecord,
  type WorkflowStore,
} from '@cairn/core';
import { parseStoreOptions, type SqliteStoreOptions } from './options.js';
import { INSTANCE_COLUMNS, INSTANCE_FIELDS, INSTANCE_SELECT, instanceValues, rowToInstance, toColumn, type InstanceField } from './rows.js';
import { openSchema } from './schema.js';

export interface SqliteStore extends WorkflowStore {
  readonly name: 'sqlite';
  /** The database file this store writes. */
  readonly path: string;
  close(): Promise<void>;
}

/**
 * Fields `updateInstance` never changes: fixed at creation, or (version) set by the store. Keyed by exactly
 * the fields `InstancePatch` leaves out, so the type-check catches a field added to one and not the other.
 */
const FIXED = {
  v: true,
  workflowName: true,
  instanceId: true,
  version: true,
  createdAt: true,
  params: true,
  successRetentionMs: true,
  errorRetentionMs: true,
} as const satisfies Record<Exclude<InstanceField, keyof InstancePatch>, true>;
/** Fields `updateInstance` may change. */
const PATCHABLE = new Set<InstanceField>(INSTANCE_FIELDS.filter((field) => !(field in FIXED)));
const MAX_PAGE = 1_000;
const REF = 'workflow_name = ? AND instance_id = ?';

export function createSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const { path, synchronous, busyTimeoutMs } = parseStoreOptions(options);
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path);
  } catch (error) {
    throw new AdapterError('sqlite', 'open', `cannot open "${path}": ${messageOf(error)}`, { cause: error, option: 'path' });
  }
  try {
    openSchema(db, { synchronous, busyTimeoutMs });
  } catch (error) {
    db.close();
    if (CairnError.is(error)) throw error;
    throw new AdapterError('sqlite', 'open', `cannot prepare "${path}": ${messageOf(error)}`, { cause: error, option: 'path' });
  }

  const sql = {
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
    events: db.prepare(`SELECT data FROM events WHERE ${REF} ORDER BY id`),
    // Fencing and create-if-absent in one statement: a row is inserted only while the lease is held.
    insertStep: db.prepare(
      `INSERT INTO steps (workflow_name, instance_id, generation, id, recorded_at, data)
       SELECT workflow_name, instance_id, ?, ?, ?, ? FROM instances
       WHERE ${REF} AND lease_owner IS NOT NULL AND lease_token = ?
       ON CONFLICT DO NOTHING`,
    ),
    lease: db.prepare(`SELECT lease_owner AS leaseOwner, lease_token AS leaseToken FROM instances WHERE ${REF}`),
    step: db.prepare(`SELECT data FROM steps WHERE ${REF} AND generation = ? AND id = ?`),
    version: db.prepare(`SELECT version FROM instances WHERE ${REF}`),
    dropGenerations: db.prepare(`DELETE FROM steps WHERE ${REF} AND generation < ?`),
    insertEvent: db.prepare('INSERT INTO events (workflow_name, instance_id, id, data) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING'),
    countEvent: db.prepare(
      `UPDATE instances SET event_seq = event_seq + 1, version = version + 1 WHERE ${REF} RETURNING ${INSTANCE_SELECT}`,
    ),
    deleteSteps: db.prepare(`DELETE FROM steps WHERE ${REF}`),
    deleteEvents: db.prepare(`DELETE FROM events WHERE ${REF}`),
    deleteInstance: db.prepare(`DELETE FROM instances WHERE ${REF}`),
    due: db.prepare(
      `SELECT workflow_name AS workflowName, instance_id AS instanceId, wake_at AS wakeAt FROM instances
       WHERE wake_at IS NOT NULL AND wake_at <= ? ORDER BY wake_at LIMIT ?`,
    ),
  };
  const updates = new Map<string, StatementSync>();
  const lists = new Map<string, StatementSync>();
  let closed = false;

  /** Runs one operation; SQLite failures become AdapterError, Cairn's own errors pass through. */
  const op = async <T>(operation: string, body: () => T): Promise<T> => {
    if (closed) throw new AdapterError('sqlite', operation, 'the store is closed');
    try {
      return body();
    } catch (error) {
      if (CairnError.is(error)) throw error;
      throw new AdapterError('sqlite', operation, messageOf(error), { cause: error });
    }
  };
  /**
   * A transaction; `write` takes the write lock up front so it never fails half-way on another process's
   * lock. Inside a group commit it is a savepoint, so the item is still all-or-nothing.
   */
  const transaction = <T>(write: boolean, body: () => T): T => {
    const nested = inGroup;
    (nested ? sql.savepoint : write ? sql.beginWrite : sql.begin).run();
    try {
      const result = body();
      (nested ? sql.release : sql.commit).run();
      return result;
    } catch (error) {
      try {
        if (nested) {
          sql.rollbackItem.run();
          sql.release.run();
        } else sql.rollback.run();
      } catch {
        // The transaction is already gone (SQLite rolled it back itself).
      }
      throw error;
    }
  };

  /*
   * Group commit. Writes issued in the same turn of the event loop (many replays resolving together) are
   * committed in one transaction: a commit is the expensive part of a write (syscalls), and each write's
   * promise still resolves only after its commit. A lone write runs on its own, with no extra statements.
   */
  interface Job {
    operation: string;
    body: () => unknown;
    resolve: (value: unknown) => void;
    reject: (error: unknown) => void;
  }
  let queue: Job[] = [];
  let inGroup = false;
  const wrap = (operation: string, error: unknown): unknown =>
    CairnError.is(error) ? error : new AdapterError('sqlite', operation, messageOf(error), { cause: error });
  const flush = () => {
    const jobs = queue;
    queue = [];
    if (jobs.length === 0) return;
    if (jobs.length === 1) {
      const job = jobs[0]!;
      try {
        job.resolve(job.body());
      } catch (error) {
        job.reject(wrap(job.operation, error));
      }
      return;
    }
    try {
      sql.beginWrite.run();
    } catch (error) {
      for (const job of jobs) job.reject(wrap(job.operation, error));
      return;
    }
    inGroup = true;
    const results = jobs.map((job) => {
      try {
        return { ok: true as const, value: job.body() };
      } catch (error) {
        return { ok: false as const, error };
      }
    });
    inGroup = false;
    try {
      sql.commit.run();
    } catch (error) {
      try {
        sql.rollback.run();
      } catch {
        // Already rolled back.
      }
      for (const job of jobs) job.reject(wrap(job.operation, error));
      return;
    }
    jobs.forEach((job, i) => {
      const result = results[i]!;
      if (result.ok) job.resolve(result.value);
      else job.reject(wrap(job.operation, result.error));
    });
  };
  const write = <T>(operation: string, body: () => T): Promise<T> => {
    if (closed) return Promise.reject(new AdapterError('sqlite', operation, 'the store is closed'));
    return new Promise<T>((resolve, reject) => {
      if (queue.length === 0) setImmediate(flush);
      queue.push({ operation, body, resolve: resolve as (value: unknown) => void, reject });
    });
  };

  const updateStatement = (fields: InstanceField[]): StatementSync => {
    const signature = fields.join(',');
    let statement = updates.get(signature);
    if (!statement) {
      const sets = fields.map((field) => `${INSTANCE_COLUMNS[field]} = ?`).join(', ');
      statement = db.prepare(
        `UPDATE instances SET ${sets}${sets ? ', ' : ''}version = version + 1 WHERE ${REF} AND version = ? RETURNING ${INSTANCE_SELECT}`,
      );
      updates.set(signature, statement);
    }
    return statement;
  };

  const listStatement = (byWorkflow: boolean, byStatus: boolean, after: boolean): StatementSync => {
    const signature = `${byWorkflow}${byStatus}${after}`;
    let statement = lists.get(signature);
    if (!statement) {
      const where = [
        byWorkflow ? 'workflow_name = $workflow' : '',
        byStatus ? 'status = $status' : '',
        after
          ? '(created_at < $createdAt OR (created_at = $createdAt AND (workflow_name > $afterWorkflow OR (workflow_name = $afterWorkflow AND instance_id > $afterId))))'
          : '',
      ].filter(Boolean);
      statement = db.prepare(
        `SELECT ${INSTANCE_SELECT} FROM instances ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY created_at DESC, workflow_name, instance_id LIMIT $limit`,
      );
      lists.set(signature, statement);
    }
    return statement;
  };

  return {
    name: 'sqlite',
    path,

    createInstance: ({ instance }) =>
      write('createInstance', () => {
        const { changes } = sql.insertInstance.run(...instanceValues(instance));
        if (changes === 0) throw new InstanceAlreadyExistsError(instance.workflowName, instance.instanceId);
      }),

    getInstance: (ref) =>
      op('getInstance', () => {
        const row = sql.getInstance.get(ref.workflowName, ref.instanceId);
        return row ? rowToInstance(row) : null;
      }),

    loadJournal: (ref) =>
      op('loadJournal', (): Journal | null => {
        // One read transaction: the instance, its steps and events come from one snapshot.
        const rows = transaction(false, () => {
          const row = sql.getInstance.get(ref.workflowName, ref.instanceId);
          if (!row) return null;
          return {
            row,
            steps: sql.steps.all(ref.workflowName, ref.instanceId, row.generation as number),
            events: sql.events.all(ref.workflowName, ref.instanceId),
          };
        });
        if (!rows) return null;
        return {
          instance: rowToInstance(rows.row),
          steps: rows.steps.map((step) => parseStepRecord(JSON.parse(step.data as string))),
          events: rows.events.map((event) => parseEventRecord(JSON.parse(event.data as string))),
        };
      }),

    updateInstance: ({ workflowName, instanceId, expectedVersion, patch }) =>
      write('updateInstance', (): InstanceRecord => {
        const fields = (Object.keys(patch) as InstanceField[]).filter(
          (field) => PATCHABLE.has(field) && patch[field as keyof typeof patch] !== undefined,
        );
        const values = fields.map((field) => toColumn(field, patch[field as keyof typeof patch]));
        const statement = updateStatement(fields);
        const apply = () => statement.get(...values, workflowName, instanceId, expectedVersion);
        // A restart (new generation) also drops the dead generations' steps, in the same transaction.
        const row =
          patch.generation === undefined
            ? apply()
            : transaction(true, () => {
                const updated = apply();
                if (updated) sql.dropGenerations.run(workflowName, instanceId, patch.generation!);
                return updated;
              });
        if (row) return rowToInstance(row);
        if (!sql.version.get(workflowName, instanceId)) throw new InstanceNotFoundError(workflowName, instanceId);
        throw new VersionConflictError(workflowName, instanceId, expectedVersion);
      }),

    recordStep: ({ workflowName, instanceId, leaseToken, step }) =>
      write('recordStep', (): RecordStepResult => {
        const data = JSON.stringify(step);
        const inserted = sql.insertStep.run(step.generation, step.id, step.recordedAt, data, workflowName, instanceId, leaseToken);
        if (inserted.changes === 1) return { recorded: true };
        // Not inserted: the lease is gone, or the record exists. Tell which from one snapshot.
        return transaction(false, (): RecordStepResult => {
          const lease = sql.lease.get(workflowName, instanceId);
          if (!lease) throw new InstanceNotFoundError(workflowName, instanceId);
          if (lease.leaseOwner === null || lease.leaseToken !== leaseToken) {
            throw new LeaseLostError(workflowName, instanceId, leaseToken);
          }
          const existing = sql.step.get(workflowName, instanceId, step.generation, step.id);
          if (existing) return { recorded: false, existing: parseStepRecord(JSON.parse(existing.data as string)) as StepRecord };
          // The lease changed between the insert and this read, and changed back: impossible, tokens only grow.
          throw new LeaseLostError(workflowName, instanceId, leaseToken);
        });
      }),

    appendEvent: ({ workflowName, instanceId, event }) =>
      write('appendEvent', () => {
        const row = transaction(true, () => {
          sql.insertEvent.run(workflowName, instanceId, event.id, JSON.stringify(event));
          const counted = sql.countEvent.get(workflowName, instanceId);
          if (!counted) throw new InstanceNotFoundError(workflowName, instanceId);
          return counted;
        });
        return rowToInstance(row);
      }),

    // One transaction: the journal and the instance go together (the order matters only to stores without one).
    deleteInstance: ({ workflowName, instanceId }) =>
      write('deleteInstance', () =>
        transaction(true, () => {
          sql.deleteSteps.run(workflowName, instanceId);
          sql.deleteEvents.run(workflowName, instanceId);
          return sql.deleteInstance.run(workflowName, instanceId).changes === 1;
        }),
      ),

    listInstances: ({ workflowName, status, limit = 50, cursor }: ListInstancesParams) =>
      op('listInstances', (): InstancePage => {
        const size = Math.max(1, Math.min(MAX_PAGE, Math.floor(limit)));
        const after = cursor === undefined ? undefined : decodeCursor(cursor);
        const params: Record<string, string | number> = { limit: size + 1 };
        if (workflowName) params.workflow = workflowName;
        if (status) params.status = status;
        if (after) Object.assign(params, { createdAt: after[0], afterWorkflow: after[1], afterId: after[2] });
        const rows = listStatement(Boolean(workflowName), Boolean(status), Boolean(after)).all(params);
        const instances = rows.slice(0, size).map(rowToInstance);
        const last = instances[instances.length - 1];
        return rows.length > size && last ? { instances, nextCursor: encodeCursor(last) } : { instances };
      }),

    listDueInstances: ({ now, limit }) =>
      op('listDueInstances', () =>
        sql.due.all(now, Math.max(0, Math.floor(limit))).map(
          (row): DueInstance => ({
            workflowName: row.workflowName as string,
            instanceId: row.instanceId as string,
            wakeAt: row.wakeAt as number,
          }),
        ),
      ),

    async close() {
      if (closed) return;
      closed = true;
      if (queue.length > 0) flush();
      try {
        db.close();
      } catch (error) {
        throw new AdapterError('sqlite', 'close', messageOf(error), { cause: error });
      }
    },
  };
}

function encodeCursor(instance: InstanceRecord): string {
  return Buffer.from(JSON.stringify([instance.createdAt, instance.workflowName, instance.instanceId])).toString('base64url');
}

function decodeCursor(cursor: string): [number, string, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'string' && typeof value[2] === 'string') {
      return value as [number, string, string];
    }
  } catch {
    // Falls through to the error below.
  }
  throw new ValidationError('cursor', 'a nextCursor returned by listInstances', cursor);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

