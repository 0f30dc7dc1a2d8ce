// Instance writes and reads: create-if-absent that recognises its own earlier create, compare-and-set on
// `version` in a transaction, and the instance read; after a finishing or restarting update, the cleanup.

import { randomUUID } from 'node:crypto';
import { FieldValue, type DocumentData } from '@google-cloud/firestore';
import {
  AdapterError,
  InstanceAlreadyExistsError,
  InstanceNotFoundError,
  VersionConflictError,
  type CreateInstanceParams,
  type InstanceRecord,
  type InstanceRef,
  type UpdateInstanceParams,
} from '@cairn/core';
import { encodeInstance, encodeValueField, expireAtOf, MAX_WRITES_PER_COMMIT, patchFields } from './codec.js';
import { decodeInstance, writeChunks, type FirestoreContext } from './context.js';
import { ADAPTER, Code, grpcCode, withRetry } from './errors.js';
import { instanceKey, wakeKey } from './keys.js';

export async function createInstance(ctx: FirestoreContext, { instance }: CreateInstanceParams): Promise<void> {
  const key = instanceKey(instance);
  const writeId = randomUUID();
  const { data, chunks } = encodeInstance(key, instance, writeId);
  await withRetry('createInstance', ctx.retry, async () => {
    // The instance first: the commit stops at its failed precondition before touching any chunk.
    const batch = ctx.firestore.batch().create(ctx.doc(key), data);
    for (const chunk of chunks) batch.set(ctx.doc(chunk.id), chunk.data);
    try {
      await batch.commit();
    } catch (error) {
      if (grpcCode(error) !== Code.ALREADY_EXISTS) throw error;
      // Ours, if an earlier attempt committed but its answer was lost.
      const existing = await ctx.doc(key).get();
      if (existing.get('_w') === writeId) return;
      throw new InstanceAlreadyExistsError(instance.workflowName, instance.instanceId);
    }
  });
}

export async function getInstance(ctx: FirestoreContext, ref: InstanceRef): Promise<InstanceRecord | null> {
  const key = instanceKey(ref);
  return withRetry('getInstance', ctx.retry, async () => {
    const snap = await ctx.doc(key).get();
    return snap.exists ? decodeInstance(ctx, key, snap.data()!) : null;
  });
}

export async function updateInstance(ctx: FirestoreContext, { expectedVersion, patch, ...ref }: UpdateInstanceParams): Promise<InstanceRecord> {
  const key = instanceKey(ref);
  const writeId = randomUUID();
  let previous: InstanceRecord | undefined;
  const updated = await ctx.transaction('updateInstance', async (tx) => {
    const snap = await tx.get(ctx.doc(key));
    if (!snap.exists) throw new InstanceNotFoundError(ref.workflowName, ref.instanceId);
    const data = snap.data()!;
    const stored = await decodeInstance(ctx, key, data, tx);
    // A retried commit whose first attempt applied: the stored record is our result.
    if (data._w === writeId) return stored;
    if (stored.version !== expectedVersion) throw new VersionConflictError(ref.workflowName, ref.instanceId, expectedVersion);
    previous = stored;
    const changes = patchFields(patch);
    const next: InstanceRecord = { ...stored, ...changes, version: expectedVersion + 1 };
    const expireAt = expireAtOf(next.expiresAt);
    // An increment, not the value: no concurrent appendEvent increment is overwritten even without isolation.
    const fields: DocumentData = { ...changes, version: FieldValue.increment(1), expireAt, _w: writeId };
    if (patch.wakeAt !== undefined) fields.wakeKey = wakeKey(next.wakeAt);
    if (patch.output !== undefined) {
      const output = encodeValueField(key, 'output', next.output, expireAt);
      fields.output = output.inline;
      fields._o = output.parts;
      writeChunks(ctx, tx, output.chunks);
    }
    tx.update(ctx.doc(key), fields);
    return next;
  });
  if (previous && (previous.expiresAt !== updated.expiresAt || previous.generation !== updated.generation)) {
    await reconcile(ctx, key, expireAtOf(updated.expiresAt), updated.generation);
  }
  return updated;
}

/**
 * After a committed update that changed `expiresAt` or `generation`: copies `expireAt` onto the instance's
 * other documents (Firestore TTL deletes documents one by one) and deletes steps of dead generations.
 * Best effort and idempotent: a failure is reported to `onCleanupError`, the next such update redoes it.
 */
async function reconcile(ctx: FirestoreContext, key: string, expireAt: ReturnType<typeof expireAtOf>, generation: number): Promise<void> {
  try {
    await withRetry('updateInstance (cleanup)', ctx.retry, async () => {
      const snapshot = await ctx.col.where('ik', '==', key).get();
      let batch = ctx.firestore.batch();
      let writes = 0;
      const commits: Promise<unknown>[] = [];
      for (const snap of snapshot.docs) {
        if (snap.id === key) continue;
        const data = snap.data();
        const dead = typeof data.g === 'number' && data.g < generation;
        const sameExpiry = (data.expireAt ?? null) === null ? expireAt === null : expireAt?.isEqual(data.expireAt) === true;
        if (dead) batch.delete(snap.ref);
        else if (!sameExpiry) batch.update(snap.ref, { expireAt });
        else continue;
        if (++writes % MAX_WRITES_PER_COMMIT === 0) {
          commits.push(batch.commit());
          batch = ctx.firestore.batch();
        }
      }
      if (writes % MAX_WRITES_PER_COMMIT !== 0) commits.push(batch.commit());
      await Promise.all(commits);
    });
  } catch (error) {
    ctx.onCleanupError(error instanceof AdapterError ? error : new AdapterError(ADAPTER, 'updateInstance (cleanup)', String(error), { cause: error }));
  }
}
