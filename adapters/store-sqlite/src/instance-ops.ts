// Instance writes and reads: create-if-absent (a retried create knows its own record), compare-and-set on
// `version` with a write id (a retried update knows its own write), the instance read, deletion.

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
import type { SqliteContext } from './context.js';
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
/** Fields `updateInstance` may change. */
const PATCHABLE = new Set<InstanceField>(INSTANCE_FIELDS.filter((field) => !(field in FIXED)));

export function createInstance(ctx: SqliteContext, { instance }: CreateInstanceParams): Promise<void> {
  return ctx.tx.write('createInstance', (retry) => {
    const { changes } = ctx.sql.insertInstance.run(...instanceValues(instance));
    if (changes === 1) return;
    // A retry whose first run committed: the stored record is the one given (its random incarnation says so).
    const stored = retry ? ctx.sql.created.get(instance.workflowName, instance.instanceId) : undefined;
    const ours =
      stored !== undefined &&
      stored.incarnation === (instance.incarnation ?? null) &&
      stored.createdAt === instance.createdAt &&
      stored.params === instance.params;
    if (!ours) throw new InstanceAlreadyExistsError(instance.workflowName, instance.instanceId);
  });
}

export function getInstance(ctx: SqliteContext, ref: InstanceRef): Promise<InstanceRecord | null> {
  return ctx.tx.run('getInstance', () => {
    const row = ctx.sql.getInstance.get(ref.workflowName, ref.instanceId);
    return row ? rowToInstance(row) : null;
  });
}

export function updateInstance(ctx: SqliteContext, { workflowName, instanceId, expectedVersion, patch }: UpdateInstanceParams): Promise<InstanceRecord> {
  const writeId = randomUUID();
  return ctx.tx.write('updateInstance', (): InstanceRecord => {
    const fields = (Object.keys(patch) as InstanceField[]).filter((field) => PATCHABLE.has(field) && patch[field as keyof typeof patch] !== undefined);
    const values = fields.map((field) => toColumn(field, patch[field as keyof typeof patch]));
    const statement = ctx.shaped.update(fields);
    const apply = () => statement.get(...values, writeId, workflowName, instanceId, expectedVersion);
    // A restart (new generation) also drops the dead generations' steps, in the same transaction.
    const row =
      patch.generation === undefined
        ? apply()
        : ctx.tx.transaction(true, () => {
            const updated = apply();
            if (updated) ctx.sql.dropGenerations.run(workflowName, instanceId, patch.generation!);
            return updated;
          });
    if (row) return rowToInstance(row);
    const current = ctx.sql.version.get(workflowName, instanceId);
    if (!current) throw new InstanceNotFoundError(workflowName, instanceId);
    // Our own write, committed by a run whose answer was lost: every write sets a new write id, so no other
    // writer's change is taken for ours.
    if (current.writeId === writeId) return rowToInstance(ctx.sql.getInstance.get(workflowName, instanceId)!);
    throw new VersionConflictError(workflowName, instanceId, expectedVersion);
  });
}

/** One transaction: the journal and the instance go together (the order matters only to stores without one). */
export function deleteInstance(ctx: SqliteContext, { workflowName, instanceId }: InstanceRef): Promise<boolean> {
  return ctx.tx.write('deleteInstance', () =>
    ctx.tx.transaction(true, () => {
      ctx.sql.deleteSteps.run(workflowName, instanceId);
      ctx.sql.deleteEvents.run(workflowName, instanceId);
      return ctx.sql.deleteInstance.run(workflowName, instanceId).changes === 1;
    }),
  );
}

/** Takes the single use of `key` until `expiresAt`, unless a live claim holds it. */
export function claimNonce(ctx: SqliteContext, { key, expiresAt, now }: { key: string; expiresAt: number; now: number }): Promise<boolean> {
  const claim = randomUUID();
  return ctx.tx.write('claimNonce', (retry) => {
    const taken = ctx.sql.claimNonce.run(key, expiresAt, claim, now).changes === 1;
    // Expired claims go now and then, in the same write.
    if (taken && Math.random() < 1 / 256) ctx.sql.purgeNonces.run(now);
    // A retry whose first run committed finds its own claim: still ours.
    return taken || (retry && ctx.sql.nonce.get(key, claim) !== undefined);
  });
}
