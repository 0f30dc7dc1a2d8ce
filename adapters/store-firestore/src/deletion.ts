// deleteInstance. Every document of an instance carries `ik` (keys.ts), so one equality query finds them all —
// exactly that instance's, never a neighbour whose id extends it or the same id under another workflow.
//
// Usual case (≤ 500 documents): one transaction queries them and deletes them in one atomic commit. Larger
// instances: the journal goes first in WriteBatches of ≤ 500 deletes, then the transaction takes what is left
// (the instance document and its params/output chunks), so a crash midway leaves a readable instance and the
// next call finishes. The final query runs inside the transaction: it holds the instance document, so an
// `appendEvent` racing the delete either commits first (and its event is found and deleted) or finds no instance.

import type { CollectionReference, Firestore, QueryDocumentSnapshot, Transaction } from '@google-cloud/firestore';
import { MAX_WRITES_PER_COMMIT } from './codec.js';
import { withRetry, type RetryPolicy } from './errors.js';
import { isInstanceDocument } from './keys.js';

const OPERATION = 'deleteInstance';

export interface DeletionContext {
  firestore: Firestore;
  col: CollectionReference;
  retry: RetryPolicy;
  /** Runs `fn` in a read-write transaction, mapping failures to AdapterError under `operation`. */
  transaction: <T>(operation: string, fn: (tx: Transaction) => Promise<T>) => Promise<T>;
}

/** Deletes every document of the instance `key`; true when the instance document itself was there. */
export async function deleteInstanceDocuments(ctx: DeletionContext, key: string): Promise<boolean> {
  // Ids only (no 1 MiB values): the deletes need nothing else.
  const documentsOf = ctx.col.where('ik', '==', key).select();
  for (;;) {
    const outcome = await ctx.transaction(OPERATION, async (tx) => {
      const snapshot = await tx.get(documentsOf.limit(MAX_WRITES_PER_COMMIT + 1));
      if (snapshot.size > MAX_WRITES_PER_COMMIT) return 'too large' as const;
      // Journal first, the instance last (one atomic commit on Firestore; the order only matters where it is not).
      const ordered = [...snapshot.docs].sort((a, b) => Number(a.id === key) - Number(b.id === key));
      for (const snap of ordered) tx.delete(snap.ref);
      return ordered.some((snap) => snap.id === key);
    });
    if (outcome !== 'too large') return outcome;
    // Too many for one commit: delete the journal, keep what makes the instance readable for the last commit.
    const snapshot = await withRetry(OPERATION, ctx.retry, () => documentsOf.get());
    await deleteInBatches(
      ctx,
      snapshot.docs.filter((snap) => !isInstanceDocument(key, snap.id)),
    );
  }
}

/** Deletes in WriteBatches of ≤ 500, one after another (a delete is idempotent, so each commit is retried). */
async function deleteInBatches(ctx: DeletionContext, docs: readonly QueryDocumentSnapshot[]): Promise<void> {
  for (let start = 0; start < docs.length; start += MAX_WRITES_PER_COMMIT) {
    const slice = docs.slice(start, start + MAX_WRITES_PER_COMMIT);
    await withRetry(OPERATION, ctx.retry, () => {
      const batch = ctx.firestore.batch();
      for (const snap of slice) batch.delete(snap.ref);
      return batch.commit();
    });
  }
}
