// Instance writes and reads: create-if-absent (a retried create knows its own record), compare-and-set on
// `version` with a write id (a retried update knows its own write), the instance read, deletion, nonces.

import { randomUUID } from 'node:crypto';
import {
  InstanceAlreadyExistsError,
  InstanceNotFoundError,
  VersionConflictError,
  type CreateInstanceParams,
  type InstancePatch,
  type InstanceRecord,
  type InstanceRef,
  type UpdateInstanceParams,
} from '@cairn/core';
import type { PostgresContext } from './context.js';
import { INSTANCE_FIELDS, instanceValues, rowToInstance, toColumn, type InstanceField } from './rows.js';

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
  incarnation: true,
  trace: true,
  metadata: true,
} as const satisfies Record<Exclude<InstanceField, keyof InstancePatch>, true>;
const PATCHABLE = new Set<InstanceField>(INSTANCE_FIELDS.filter((field) => !(field in FIXED)));

export function createInstance(ctx: PostgresContext, { instance }: CreateInstanceParams): Promise<void> {
  const values = instanceValues(instance);
  return ctx.tx.attempt('createInstance', async (retry) => {
    const rows = await ctx.tx.send(ctx.sql.insertInstance, values);
    if (rows.length === 1) return;
    // A retry whose first run committed: the stored record is the one given (its random incarnation says so).
    const [stored] = retry ? await ctx.tx.send(ctx.sql.created, [instance.workflowName, instance.instanceId]) : [];
    const ours =
      stored !== undefined &&
      stored.incarnation === (instance.incarnation ?? null) &&
      stored.createdAt === instance.createdAt &&
      stored.params === instance.params;
    if (!ours) throw new InstanceAlreadyExistsError(instance.workflowName, instance.instanceId);
  });
}

export async function getInstance(ctx: PostgresContext, ref: InstanceRef): Promise<InstanceRecord | null> {
  const [row] = await ctx.tx.query('getInstance', ctx.sql.getInstance, [ref.workflowName, ref.instanceId]);
  return row ? rowToInstance(row) : null;
}

export function updateInstance(ctx: PostgresContext, { workflowName, instanceId, expectedVersion, patch }: UpdateInstanceParams): Promise<InstanceRecord> {
  const writeId = randomUUID();
  const fields = (Object.keys(patch) as InstanceField[]).filter((field) => PATCHABLE.has(field) && patch[field as keyof typeof patch] !== undefined);
  const values = [workflowName, instanceId, ...fields.map((field) => toColumn(field, patch[field as keyof typeof patch])), writeId, expectedVersion];
  const statement = ctx.shaped.update(fields, patch.generation !== undefined);
  return ctx.tx.attempt('updateInstance', async (): Promise<InstanceRecord> => {
    const [row] = await ctx.tx.send(statement, values);
    if (row) return rowToInstance(row);
    const [current] = await ctx.tx.send(ctx.sql.current, [workflowName, instanceId]);
    if (!current) throw new InstanceNotFoundError(workflowName, instanceId);
    // Our own write, committed by a try whose answer was lost: every write sets a new write id, so no other
    // writer's change is taken for ours.
    const { _writeId: stored, ...record } = current;
    if (stored === writeId) return rowToInstance(record);
    throw new VersionConflictError(workflowName, instanceId, expectedVersion);
  });
}

/** One statement: the journal and the instance go together. */
export async function deleteInstance(ctx: PostgresContext, { workflowName, instanceId }: InstanceRef): Promise<boolean> {
  const [row] = await ctx.tx.query<{ deleted: number }>('deleteInstance', ctx.sql.deleteInstance, [workflowName, instanceId]);
  return (row?.deleted ?? 0) === 1;
}

/** Takes the single use of `key` until `expiresAt`, unless a live claim holds it. */
export function claimNonce(ctx: PostgresContext, { key, expiresAt, now }: { key: string; expiresAt: number; now: number }): Promise<boolean> {
  const claim = randomUUID();
  return ctx.tx.attempt('claimNonce', async (retry) => {
    const taken = (await ctx.tx.send(ctx.sql.claimNonce, [key, expiresAt, claim, now])).length === 1;
    // Expired claims go now and then.
    if (taken && Math.random() < 1 / 256) await ctx.tx.send(ctx.sql.purgeNonces, [now]);
    // A retry whose first run committed finds its own claim: still ours.
    return taken || (retry && (await ctx.tx.send(ctx.sql.nonce, [key, claim])).length === 1);
  });
}
