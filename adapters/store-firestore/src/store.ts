// The Firestore WorkflowStore. Layout and costs: see README.md. Every write that must check something
// (lease, version, existence) runs in a Firestore transaction: the server client's transactions are
// serializable (pessimistic locks on the documents read), so the check and the write are one atomic step.

import type { WorkflowStore } from '@cairn/core';
import { createContext, type FirestoreContext } from './context.js';
import { deleteInstanceDocuments } from './deletion.js';
import { createInstance, getInstance, updateInstance } from './instance-ops.js';
import { appendEvent, loadJournal, recordStep } from './journal-ops.js';
import { instanceKey } from './keys.js';
import { listDueInstances, listInstances } from './listing.js';
import { resolveOptions, type FirestoreStoreOptions } from './options.js';
import { claimNonce } from './nonce-ops.js';

export interface FirestoreStore extends WorkflowStore {
  /** The collection holding the store's documents. */
  readonly collection: string;
}

export function createFirestoreStore(options: FirestoreStoreOptions): FirestoreStore {
  const resolved = resolveOptions(options);
  const ctx = createContext(resolved);
  const bind =
    <P, T>(operation: (ctx: FirestoreContext, params: P) => Promise<T>) =>
    (params: P): Promise<T> =>
      operation(ctx, params);
  return {
    name: 'firestore',
    collection: resolved.collection,
    createInstance: bind(createInstance),
    getInstance: bind(getInstance),
    loadJournal: bind(loadJournal),
    updateInstance: bind(updateInstance),
    recordStep: bind(recordStep),
    appendEvent: bind(appendEvent),
    deleteInstance: (ref) => deleteInstanceDocuments(ctx, instanceKey(ref)),
    listInstances: bind(listInstances),
    listDueInstances: bind(listDueInstances),
    claimNonce: bind(claimNonce),
  };
}
