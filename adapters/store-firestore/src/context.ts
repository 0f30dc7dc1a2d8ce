// What every store operation shares: the collection, retries and transactions, and reading documents back
// (chunks fetched, every record parsed with core's schemas).

import type { CollectionReference, DocumentData, DocumentReference, Firestore, Transaction } from '@google-cloud/firestore';
import { CorruptRecordError, parseInstanceRecord, parseStepRecord, type InstanceRecord, type InstanceRef, type StepRecord } from '@cairn/core';
import { instanceChunkIds, instanceFields, journalChunkIds, journalJson, type Chunk } from './codec.js';
import { ADAPTER, withRetry, type RetryPolicy } from './errors.js';
import type { ResolvedOptions } from './options.js';

export interface FirestoreContext {
  firestore: Firestore;
  col: CollectionReference;
  doc(id: string): DocumentReference;
  retry: RetryPolicy;
  maxPageSize: number;
  onCleanupError: ResolvedOptions['onCleanupError'];
  /** A read-write transaction; the client retries contention and transient errors itself, with backoff. */
  transaction<T>(operation: string, fn: (tx: Transaction) => Promise<T>): Promise<T>;
}

export function createContext(options: ResolvedOptions): FirestoreContext {
  const { firestore, collection, maxAttempts } = options;
  const col = firestore.collection(collection);
  return {
    firestore,
    col,
    doc: (id) => col.doc(id),
    retry: { maxAttempts },
    maxPageSize: options.maxPageSize,
    onCleanupError: options.onCleanupError,
    transaction: (operation, fn) => withRetry(operation, { maxAttempts: 1 }, () => firestore.runTransaction(fn, { maxAttempts })),
  };
}

/** Parses a stored record; a record that is not valid is a CorruptRecordError naming its instance, never data. */
export function parse<T>(
  ref: { workflowName: unknown; instanceId: unknown },
  what: 'instance' | 'step' | 'event',
  parseFn: (value: unknown) => T,
  value: unknown,
): T {
  try {
    return parseFn(value);
  } catch (error) {
    throw new CorruptRecordError(ADAPTER, String(ref.workflowName), String(ref.instanceId), what, { cause: error });
  }
}

/** The instance a document names (for errors about a document that may not parse). */
export function refOfData(data: DocumentData): { workflowName: unknown; instanceId: unknown } {
  return { workflowName: data.workflowName, instanceId: data.instanceId };
}

/** Reads chunk documents by id (one BatchGetDocuments), inside `tx` when given. */
export async function readChunks(ctx: FirestoreContext, ids: string[], tx?: Transaction): Promise<Map<string, DocumentData>> {
  const found = new Map<string, DocumentData>();
  if (ids.length === 0) return found;
  const refs = ids.map(ctx.doc);
  const snaps = tx ? await tx.getAll(...refs) : await ctx.firestore.getAll(...refs);
  for (const snap of snaps) if (snap.exists) found.set(snap.id, snap.data()!);
  return found;
}

/** Decodes an instance document, fetching its value chunks when it has any. */
export async function decodeInstance(ctx: FirestoreContext, key: string, data: DocumentData, tx?: Transaction): Promise<InstanceRecord> {
  const ids = instanceChunkIds(key, data);
  const chunks = await readChunks(ctx, [...ids.params, ...ids.output], tx);
  return parse(
    refOfData(data),
    'instance',
    parseInstanceRecord,
    instanceFields(key, data, (id) => chunks.get(id)),
  );
}

export async function decodeStep(ctx: FirestoreContext, ref: InstanceRef, docId: string, data: DocumentData, tx?: Transaction): Promise<StepRecord> {
  const chunks = await readChunks(ctx, journalChunkIds(docId, data), tx);
  return parse(
    ref,
    'step',
    parseStepRecord,
    journalJson(docId, data, (id) => chunks.get(id)),
  );
}

export function writeChunks(ctx: FirestoreContext, tx: Transaction, chunks: Chunk[]): void {
  for (const chunk of chunks) tx.set(ctx.doc(chunk.id), chunk.data);
}
