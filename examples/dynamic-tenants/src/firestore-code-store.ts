// Tenant code in Firestore, for the Cloud Run dispatcher (Cloud Run's disk does not outlive an instance): one
// document per version (`<tenant>~v<n>`), and the tenant's document holding its count, bumped in a transaction,
// so two uploads never get the same version.

import type { Firestore } from '@google-cloud/firestore';
import type { TenantCodeStore } from './code-store.ts';

export function createFirestoreCodeStore(firestore: Firestore, collection = 'tenant-code'): TenantCodeStore {
  const col = firestore.collection(collection);
  const countOf = (data: FirebaseFirestore.DocumentData | undefined) => (typeof data?.count === 'number' ? data.count : 0);
  return {
    upload: (tenant, source) =>
      firestore.runTransaction(async (tx) => {
        const head = col.doc(tenant);
        const n = countOf((await tx.get(head)).data()) + 1;
        tx.create(col.doc(`${tenant}~v${n}`), { tenant, n, source });
        tx.set(head, { count: n });
        return `v${n}`;
      }),
    async source(tenant, version) {
      const snap = await col.doc(`${tenant}~${version}`).get();
      const source = snap.get('source') as unknown;
      return typeof source === 'string' ? source : undefined;
    },
    async current(tenant) {
      const n = countOf((await col.doc(tenant).get()).data());
      return n === 0 ? undefined : `v${n}`;
    },
  };
}
