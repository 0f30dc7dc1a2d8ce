// The Firestore WorkflowStore. Layout and costs: see README.md. Every write that must check something
// (lease, version, existence) runs in a Firestore transaction: the server client's transactions are
// serializable (pessimistic locks on the documents read), so the check and the write are one atomic step.

import { randomUUID } from 'node:crypto';
import { FieldValue, type DocumentData, type Transaction } from '@google-cloud/firestore';
import {
  AdapterError,
  InstanceAlreadyExistsError,
  InstanceNotFoundError,
  InstanceRecordSchema,
  LeaseLostError,
  ValidationError,
  VersionConflictError,
  parseEventRecord,
  parseInstanceRecord,
  parseStepRecord,
  type AppendEventParams,
  type CreateInstanceParams,
  type DueInstance,
  type EventRecord,
  type InstancePage,
  type InstanceRecord,
  type InstanceRef,
  type Journal,
  type ListDueParams,
  type ListInstancesParams,
  type RecordStepParams,
  type RecordStepResult,
  type StepRecord,
  type UpdateInstanceParams,
  type WorkflowStore,
} from '@cairn/core';
import {
  encodeInstance,
  encodeJournalRecord,
  encodeValueField,
  expireAtOf,
  instanceChunkIds,
  instanceFields,
  journalChunkIds,
  journalJson,
  MAX_WRITES_PER_COMMIT,
  patchFields,
  type Chunk,
} from './codec.js';
import { deleteInstanceDocuments } from './deletion.js';
import { ADAPTER, Code, grpcCode, toCairnError, withRetry } from './errors.js';
import { LIST_KEY_PATTERN, eventDocId, instanceKey, stepDocId, wakeKey } from './keys.js';
import { resolveOptions, type FirestoreStoreOptions } from './options.js';

const LeaseFieldsSchema = InstanceRecordSchema.pick({ leaseOwner: true, leaseToken: true, expiresAt: true });
const DueFieldsSchema = InstanceRecordSchema.pick({ workflowName: true, instanceId: true, wakeAt: true });

export interface FirestoreStore extends WorkflowStore {
  /** The collection holding the store's documents. */
  readonly collection: string;
}

export function createFirestoreStore(options: FirestoreStoreOptions): FirestoreStore {
  const { firestore, collection, maxAttempts, maxPageSize, onCleanupError } = resolveOptions(options);
  const col = firestore.collection(collection);
  const doc = (id: string) => col.doc(id);
  const retry = { maxAttempts };

  /** A read-write transaction; the client retries contention and transient errors itself, with backoff. */
  const transaction = <T>(operation: string, fn: (tx: Transaction) => Promise<T>) =>
    withRetry(operation, { maxAttempts: 1 }, () => firestore.runTransaction(fn, { maxAttempts }));

  const parse = <T>(operation: string, what: string, parseFn: (value: unknown) => T, value: unknown): T => {
    try {
      return parseFn(value);
    } catch (error) {
      throw new AdapterError(ADAPTER, operation, `stored ${what} is not a valid record`, { cause: error });
    }
  };

  /** Reads chunk documents by id (one BatchGetDocuments), inside `tx` when given. */
  const readChunks = async (ids: string[], tx?: Transaction): Promise<Map<string, DocumentData>> => {
    const found = new Map<string, DocumentData>();
    if (ids.length === 0) return found;
    const refs = ids.map(doc);
    const snaps = tx ? await tx.getAll(...refs) : await firestore.getAll(...refs);
    for (const snap of snaps) if (snap.exists) found.set(snap.id, snap.data()!);
    return found;
  };

  /** Decodes an instance document, fetching its value chunks when it has any. */
  const decodeInstance = async (operation: string, key: string, data: DocumentData, tx?: Transaction): Promise<InstanceRecord> => {
    const ids = instanceChunkIds(key, data);
    const chunks = await readChunks([...ids.params, ...ids.output], tx);
    return parse(operation, 'instance', parseInstanceRecord, instanceFields(key, data, (id) => chunks.get(id)));
  };

  const decodeStep = async (operation: string, docId: string, data: DocumentData, tx?: Transaction): Promise<StepRecord> => {
    const chunks = await readChunks(journalChunkIds(docId, data), tx);
    return parse(operation, 'step', parseStepRecord, journalJson(docId, data, (id) => chunks.get(id)));
  };

  const writeChunks = (tx: Transaction, chunks: Chunk[]) => {
    for (const chunk of chunks) tx.set(doc(chunk.id), chunk.data);
  };

  /**
   * After a committed update that changed `expiresAt` or `generation`: copies `expireAt` onto the instance's
   * other documents (Firestore TTL deletes documents one by one) and deletes steps of dead generations.
   * Best effort and idempotent: a failure is reported to `onCleanupError`, the next such update redoes it.
   */
  const reconcile = async (key: string, expireAt: ReturnType<typeof expireAtOf>, generation: number) => {
    try {
      await withRetry('updateInstance (cleanup)', retry, async () => {
        const snapshot = await col.where('ik', '==', key).get();
        let batch = firestore.batch();
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
            batch = firestore.batch();
          }
        }
        if (writes % MAX_WRITES_PER_COMMIT !== 0) commits.push(batch.commit());
        await Promise.all(commits);
      });
    } catch (error) {
      onCleanupError(
        error instanceof AdapterError ? error : new AdapterError(ADAPTER, 'updateInstance (cleanup)', String(error), { cause: error }),
      );
    }
  };

  return {
    name: 'firestore',
    collection,

    async createInstance({ instance }: CreateInstanceParams) {
      const key = instanceKey(instance);
      const writeId = randomUUID();
      const { data, chunks } = encodeInstance(key, instance, writeId);
      await withRetry('createInstance', retry, async () => {
        // The instance first: the commit stops at its failed precondition before touching any chunk.
        const batch = firestore.batch().create(doc(key), data);
        for (const chunk of chunks) batch.set(doc(chunk.id), chunk.data);
        try {
          await batch.commit();
        } catch (error) {
          if (grpcCode(error) !== Code.ALREADY_EXISTS) throw error;
          // Ours, if an earlier attempt committed but its answer was lost.
          const existing = await doc(key).get();
          if (existing.get('_w') === writeId) return;
          throw new InstanceAlreadyExistsError(instance.workflowName, instance.instanceId);
        }
      });
    },

    async getInstance(ref: InstanceRef) {
      const key = instanceKey(ref);
      return withRetry('getInstance', retry, async () => {
        const snap = await doc(key).get();
        return snap.exists ? decodeInstance('getInstance', key, snap.data()!) : null;
      });
    },

    async loadJournal(ref: InstanceRef): Promise<Journal | null> {
      const key = instanceKey(ref);
      // One query: the instance, its steps, events and chunks all carry `ik`; a query reads one snapshot.
      const snapshot = await withRetry('loadJournal', retry, () => col.where('ik', '==', key).get());
      const byId = new Map<string, DocumentData>();
      for (const snap of snapshot.docs) byId.set(snap.id, snap.data());
      const instanceData = byId.get(key);
      if (!instanceData) return null;
      const lookup = (id: string) => byId.get(id);
      const instance = parse('loadJournal', 'instance', parseInstanceRecord, instanceFields(key, instanceData, lookup));
      const steps: StepRecord[] = [];
      const events: EventRecord[] = [];
      for (const [id, data] of byId) {
        if (data.k === 's' && data.g === instance.generation) {
          steps.push(parse('loadJournal', 'step', parseStepRecord, journalJson(id, data, lookup)));
        } else if (data.k === 'e') {
          events.push(parse('loadJournal', 'event', parseEventRecord, journalJson(id, data, lookup)));
        }
      }
      steps.sort((a, b) => a.recordedAt - b.recordedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      events.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return { instance, steps, events };
    },

    async updateInstance({ expectedVersion, patch, ...ref }: UpdateInstanceParams) {
      const key = instanceKey(ref);
      const writeId = randomUUID();
      let previous: InstanceRecord | undefined;
      const updated = await transaction('updateInstance', async (tx) => {
        const snap = await tx.get(doc(key));
        if (!snap.exists) throw new InstanceNotFoundError(ref.workflowName, ref.instanceId);
        const data = snap.data()!;
        const stored = await decodeInstance('updateInstance', key, data, tx);
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
          writeChunks(tx, output.chunks);
        }
        tx.update(doc(key), fields);
        return next;
      });
      if (previous && (previous.expiresAt !== updated.expiresAt || previous.generation !== updated.generation)) {
        await reconcile(key, expireAtOf(updated.expiresAt), updated.generation);
      }
      return updated;
    },

    async recordStep({ leaseToken, step, ...ref }: RecordStepParams): Promise<RecordStepResult> {
      const key = instanceKey(ref);
      const stepId = stepDocId(key, step.generation, step.id);
      const writeId = randomUUID();
      const existingResult = async (data: DocumentData, tx?: Transaction): Promise<RecordStepResult> =>
        data.w === writeId ? { recorded: true } : { recorded: false, existing: await decodeStep('recordStep', stepId, data, tx) };
      try {
        return await transaction('recordStep', async (tx) => {
          // The instance read is the fence: a lease change commits before or after this whole transaction.
          const [instanceSnap, stepSnap] = await tx.getAll(doc(key), doc(stepId));
          if (!instanceSnap?.exists) throw new InstanceNotFoundError(ref.workflowName, ref.instanceId);
          const lease = parse('recordStep', 'instance', (v) => LeaseFieldsSchema.parse(v), instanceSnap.data());
          if (lease.leaseOwner === null || lease.leaseToken !== leaseToken) {
            throw new LeaseLostError(ref.workflowName, ref.instanceId, leaseToken);
          }
          if (stepSnap?.exists) return existingResult(stepSnap.data()!, tx);
          const { data, chunks } = encodeJournalRecord(key, stepId, 's', step, {
            generation: step.generation,
            expireAt: expireAtOf(lease.expiresAt),
            writeId,
          });
          tx.create(doc(stepId), data);
          writeChunks(tx, chunks);
          return { recorded: true } as const;
        });
      } catch (error) {
        // Another writer created the record between our read and commit (only where reads take no lock).
        const code = grpcCode(error) ?? grpcCode((error as { cause?: unknown }).cause);
        if (code !== Code.ALREADY_EXISTS) throw error;
        const snap = await withRetry('recordStep', retry, () => doc(stepId).get());
        if (!snap.exists) throw error;
        return existingResult(snap.data()!);
      }
    },

    async appendEvent({ event, ...ref }: AppendEventParams) {
      const key = instanceKey(ref);
      const eventId = eventDocId(key, event.id);
      const writeId = randomUUID();
      return transaction('appendEvent', async (tx) => {
        const [instanceSnap, eventSnap] = await tx.getAll(doc(key), doc(eventId));
        if (!instanceSnap?.exists) throw new InstanceNotFoundError(ref.workflowName, ref.instanceId);
        const instance = await decodeInstance('appendEvent', key, instanceSnap.data()!, tx);
        if (eventSnap?.exists) {
          if (eventSnap.get('w') === writeId) return instance;
          throw new AdapterError(ADAPTER, 'appendEvent', `an event with id "${event.id}" already exists`);
        }
        const { data, chunks } = encodeJournalRecord(key, eventId, 'e', event, { expireAt: expireAtOf(instance.expiresAt), writeId });
        tx.create(doc(eventId), data);
        writeChunks(tx, chunks);
        // Increments, not read-modify-write: the counters stay exact even where transactions are not isolated.
        tx.update(doc(key), { eventSeq: FieldValue.increment(1), version: FieldValue.increment(1), _w: writeId });
        return { ...instance, eventSeq: instance.eventSeq + 1, version: instance.version + 1 };
      });
    },

    async deleteInstance(ref: InstanceRef): Promise<boolean> {
      return deleteInstanceDocuments({ firestore, col, retry, transaction }, instanceKey(ref));
    },

    async listInstances({ workflowName, status, limit = 50, cursor }: ListInstancesParams): Promise<InstancePage> {
      if (cursor !== undefined && !LIST_KEY_PATTERN.test(cursor)) {
        throw new ValidationError('listInstances cursor', 'a nextCursor returned by this store', cursor);
      }
      const size = Math.max(1, Math.min(limit, maxPageSize));
      // A range filter on the immutable, unique `listKey` instead of startAfter(): the same index, and the
      // filter also keeps journal documents (which have no listKey) out.
      let query = col.where('listKey', '>', cursor ?? '');
      if (workflowName !== undefined) query = query.where('workflowName', '==', workflowName);
      if (status !== undefined) query = query.where('status', '==', status);
      return withRetry('listInstances', retry, async () => {
        const snapshot = await query.orderBy('listKey').limit(size + 1).get();
        const docs = snapshot.docs.slice(0, size);
        const chunkIds = docs.flatMap((snap) => {
          const ids = instanceChunkIds(snap.id, snap.data());
          return [...ids.params, ...ids.output];
        });
        const chunks = await readChunks(chunkIds);
        const instances = docs.map((snap) =>
          parse('listInstances', 'instance', parseInstanceRecord, instanceFields(snap.id, snap.data(), (id) => chunks.get(id))),
        );
        const last = docs[docs.length - 1];
        return snapshot.docs.length > size && last ? { instances, nextCursor: last.get('listKey') as string } : { instances };
      });
    },

    async listDueInstances({ now, limit }: ListDueParams): Promise<DueInstance[]> {
      return withRetry('listDueInstances', retry, async () => {
        const snapshot = await col
          .where('wakeKey', '<=', wakeKey(now))
          .orderBy('wakeKey')
          .limit(Math.max(1, limit))
          .select('workflowName', 'instanceId', 'wakeAt')
          .get();
        return snapshot.docs.map((snap) => {
          const due = parse('listDueInstances', 'instance', (v) => DueFieldsSchema.parse(v), snap.data());
          return { workflowName: due.workflowName, instanceId: due.instanceId, wakeAt: due.wakeAt! };
        });
      });
    },
  };
}

