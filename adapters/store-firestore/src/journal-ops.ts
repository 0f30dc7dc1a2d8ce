// The journal: one query for the instance, its steps, events and chunks; the fenced create-if-absent step
// write (the instance read in the same transaction is the fence); events appended with the counters.

import { randomUUID } from 'node:crypto';
import { FieldValue, type DocumentData, type Transaction } from '@google-cloud/firestore';
import {
  InstanceNotFoundError,
  InstanceRecordSchema,
  LeaseLostError,
  parseEventRecord,
  parseInstanceRecord,
  parseStepRecord,
  type AppendEventParams,
  type EventRecord,
  type InstanceRecord,
  type InstanceRef,
  type Journal,
  type RecordStepParams,
  type RecordStepResult,
  type StepRecord,
} from '@cairn/core';
import { encodeJournalRecord, expireAtOf, instanceFields, journalJson } from './codec.js';
import { decodeInstance, decodeStep, parse, writeChunks, type FirestoreContext } from './context.js';
import { Code, grpcCode, withRetry } from './errors.js';
import { getInstance } from './instance-ops.js';
import { eventDocId, instanceKey, stepDocId } from './keys.js';

const LeaseFieldsSchema = InstanceRecordSchema.pick({ leaseOwner: true, leaseToken: true, expiresAt: true });

export async function loadJournal(ctx: FirestoreContext, ref: InstanceRef): Promise<Journal | null> {
  const key = instanceKey(ref);
  // One query: the instance, its steps, events and chunks all carry `ik`; a query reads one snapshot.
  const snapshot = await withRetry('loadJournal', ctx.retry, () => ctx.col.where('ik', '==', key).get());
  const byId = new Map<string, DocumentData>();
  for (const snap of snapshot.docs) byId.set(snap.id, snap.data());
  const instanceData = byId.get(key);
  if (!instanceData) return null;
  const lookup = (id: string) => byId.get(id);
  const instance = parse(ref, 'instance', parseInstanceRecord, instanceFields(key, instanceData, lookup));
  const steps: StepRecord[] = [];
  const events: EventRecord[] = [];
  for (const [id, data] of byId) {
    if (data.k === 's' && data.g === instance.generation) {
      steps.push(parse(ref, 'step', parseStepRecord, journalJson(id, data, lookup)));
    } else if (data.k === 'e' && data.cg !== instance.generation) {
      // Events a wait of this generation took are left out: the wait's outcome holds them.
      events.push(parse(ref, 'event', parseEventRecord, journalJson(id, data, lookup)));
    }
  }
  steps.sort((a, b) => a.recordedAt - b.recordedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  events.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { instance, steps, events };
}

export async function recordStep(ctx: FirestoreContext, { leaseToken, step, ...ref }: RecordStepParams): Promise<RecordStepResult> {
  const key = instanceKey(ref);
  const stepId = stepDocId(key, step.generation, step.id);
  const writeId = randomUUID();
  const existingResult = async (data: DocumentData, tx?: Transaction): Promise<RecordStepResult> =>
    data.w === writeId ? { recorded: true } : { recorded: false, existing: await decodeStep(ctx, ref, stepId, data, tx) };
  try {
    return await ctx.transaction('recordStep', async (tx) => {
      // The instance read is the fence: a lease change commits before or after this whole transaction.
      // A wait's outcome holds the event it took: the event is marked, so this generation's journal leaves it out.
      const consumed = step.kind === 'wait' && step.state === 'completed' && step.eventId !== undefined ? ctx.doc(eventDocId(key, step.eventId)) : undefined;
      const [instanceSnap, stepSnap, eventSnap] = await tx.getAll(ctx.doc(key), ctx.doc(stepId), ...(consumed ? [consumed] : []));
      if (!instanceSnap?.exists) throw new InstanceNotFoundError(ref.workflowName, ref.instanceId);
      const lease = parse(ref, 'instance', (v) => LeaseFieldsSchema.parse(v), instanceSnap.data());
      if (lease.leaseOwner === null || lease.leaseToken !== leaseToken) {
        throw new LeaseLostError(ref.workflowName, ref.instanceId, leaseToken);
      }
      if (stepSnap?.exists) return existingResult(stepSnap.data()!, tx);
      const { data, chunks } = encodeJournalRecord(key, stepId, 's', step, {
        generation: step.generation,
        expireAt: expireAtOf(lease.expiresAt),
        writeId,
      });
      tx.create(ctx.doc(stepId), data);
      writeChunks(ctx, tx, chunks);
      if (consumed && eventSnap?.exists) tx.update(consumed, { cg: step.generation });
      return { recorded: true } as const;
    });
  } catch (error) {
    // Another writer created the record between our read and commit (only where reads take no lock).
    const code = grpcCode(error) ?? grpcCode((error as { cause?: unknown }).cause);
    if (code !== Code.ALREADY_EXISTS) throw error;
    const snap = await withRetry('recordStep', ctx.retry, () => ctx.doc(stepId).get());
    if (!snap.exists) throw error;
    return existingResult(snap.data()!);
  }
}

export async function appendEvent(ctx: FirestoreContext, { event, ...ref }: AppendEventParams): Promise<InstanceRecord> {
  const key = instanceKey(ref);
  const eventId = eventDocId(key, event.id);
  try {
    return await appendOnce(ctx, ref, key, eventId, event);
  } catch (error) {
    // Another append of the same id committed between our read and our commit (only where reads take no lock):
    // the event is stored once, and this call reports the instance as it is now.
    if ((grpcCode(error) ?? grpcCode((error as { cause?: unknown }).cause)) !== Code.ALREADY_EXISTS) throw error;
    const snap = await withRetry('appendEvent', ctx.retry, () => ctx.doc(eventId).get());
    if (!snap.exists) throw error;
    const instance = await getInstance(ctx, ref);
    if (!instance) throw new InstanceNotFoundError(ref.workflowName, ref.instanceId);
    return instance;
  }
}

function appendOnce(ctx: FirestoreContext, ref: InstanceRef, key: string, eventId: string, event: EventRecord): Promise<InstanceRecord> {
  const writeId = randomUUID();
  return ctx.transaction('appendEvent', async (tx) => {
    const [instanceSnap, eventSnap] = await tx.getAll(ctx.doc(key), ctx.doc(eventId));
    if (!instanceSnap?.exists) throw new InstanceNotFoundError(ref.workflowName, ref.instanceId);
    const instance = await decodeInstance(ctx, key, instanceSnap.data()!, tx);
    // Create-if-absent on the id: a resend (its answer lost) or a send with the same idempotency key changes nothing.
    if (eventSnap?.exists) return instance;
    const { data, chunks } = encodeJournalRecord(key, eventId, 'e', event, { expireAt: expireAtOf(instance.expiresAt), writeId });
    tx.create(ctx.doc(eventId), data);
    writeChunks(ctx, tx, chunks);
    // Increments, not read-modify-write: the counters stay exact even where transactions are not isolated.
    tx.update(ctx.doc(key), { eventSeq: FieldValue.increment(1), version: FieldValue.increment(1), _w: writeId });
    return { ...instance, eventSeq: instance.eventSeq + 1, version: instance.version + 1 };
  });
}
