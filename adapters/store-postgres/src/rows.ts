// Instance records <-> rows of `instances`. Every row read back is parsed with core's schema.

import { CorruptRecordError, parseInstanceRecord, type InstanceRecord } from '@cairn/core';

/** Record field -> column, for every field a row holds. */
export const INSTANCE_COLUMNS = {
  v: 'v',
  workflowName: 'workflow_name',
  instanceId: 'instance_id',
  status: 'status',
  params: 'params',
  output: 'output',
  error: 'error',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  finishedAt: 'finished_at',
  version: 'version',
  generation: 'generation',
  leaseOwner: 'lease_owner',
  leaseToken: 'lease_token',
  leaseExpiresAt: 'lease_expires_at',
  wakeAt: 'wake_at',
  wakeSeq: 'wake_seq',
  eventSeq: 'event_seq',
  pausedAt: 'paused_at',
  pausedTotalMs: 'paused_total_ms',
  recoveries: 'recoveries',
  expiresAt: 'expires_at',
  successRetentionMs: 'success_retention_ms',
  errorRetentionMs: 'error_retention_ms',
  incarnation: 'incarnation',
  eventsConsumed: 'events_consumed',
  trace: 'trace',
  metadata: 'metadata',
  workflowVersion: 'workflow_version',
} as const satisfies Record<keyof InstanceRecord, string>;

export type InstanceField = keyof typeof INSTANCE_COLUMNS;
export const INSTANCE_FIELDS = Object.keys(INSTANCE_COLUMNS) as InstanceField[];

/** BIGINT columns (epoch ms, durations): read as float8, which node-postgres returns as a number (int8 comes back as text). */
const BIGINT_FIELDS = new Set<InstanceField>([
  'createdAt',
  'updatedAt',
  'finishedAt',
  'leaseExpiresAt',
  'wakeAt',
  'pausedAt',
  'expiresAt',
  'successRetentionMs',
  'errorRetentionMs',
]);

/** Optional fields: a NULL column means the record has no such field (absent, not null). */
const OPTIONAL_FIELDS = [
  'successRetentionMs',
  'errorRetentionMs',
  'incarnation',
  'eventsConsumed',
  'trace',
  'metadata',
  'workflowVersion',
] as const satisfies readonly InstanceField[];

/** The `SELECT` (or `RETURNING`) list naming each column after its field, so a row is nearly a record. */
export function instanceSelect(table = ''): string {
  const prefix = table ? `${table}.` : '';
  return INSTANCE_FIELDS.map((field) => {
    const column = `${prefix}${INSTANCE_COLUMNS[field]}`;
    return `${BIGINT_FIELDS.has(field) ? `${column}::float8` : column} AS "${field}"`;
  }).join(', ');
}

/** A column's value for a field: the error summary is JSON, everything else is stored as is. */
export function toColumn(field: InstanceField, value: unknown): string | number | null {
  if (value === undefined || value === null) return null;
  if (field === 'error') return JSON.stringify(value);
  return value as string | number;
}

export function instanceValues(instance: InstanceRecord): (string | number | null)[] {
  return INSTANCE_FIELDS.map((field) => toColumn(field, instance[field]));
}

/** The record a row holds; a row that does not parse is a CorruptRecordError naming the instance, never data. */
export function rowToInstance(row: Record<string, unknown>): InstanceRecord {
  try {
    const error = row.error;
    const record: Record<string, unknown> = { ...row, error: typeof error === 'string' ? JSON.parse(error) : error };
    for (const field of OPTIONAL_FIELDS) if (record[field] === null) delete record[field];
    return parseInstanceRecord(record);
  } catch (error) {
    throw new CorruptRecordError('postgres', String(row.workflowName), String(row.instanceId), 'instance', { cause: error });
  }
}

/** A step or event row's JSON, parsed with core's schema; a CorruptRecordError naming the instance otherwise. */
export function parseJsonRow<T>(data: unknown, parse: (value: unknown) => T, ref: { workflowName: string; instanceId: string }, what: 'step' | 'event'): T {
  try {
    return parse(JSON.parse(data as string));
  } catch (error) {
    throw new CorruptRecordError('postgres', ref.workflowName, ref.instanceId, what, { cause: error });
  }
}
