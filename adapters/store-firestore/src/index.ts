// @cairn/store-firestore: Cairn's journal on Google Cloud Firestore (Native mode).

export { createFirestoreStore, type FirestoreStore } from './store.js';
export type { FirestoreStoreOptions } from './options.js';
