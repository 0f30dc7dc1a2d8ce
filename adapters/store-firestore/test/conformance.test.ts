// The shared WorkflowStore conformance suite against the Firestore store on the emulator, with faults injected
// by a gRPC interceptor in the client (answers lost after a commit, calls refused midway through a delete).

import { afterAll, beforeAll } from 'vitest';
import { Firestore } from '@google-cloud/firestore';
import { describeStoreConformance } from '@cairn/testkit';
import { createFirestoreStore } from '@cairn/store-firestore';
import { firestoreClientSettings } from '../../../test/emulators/firestore.js';
import { grpcFaults } from '../../../test/support/grpc-faults.js';
import { startEmulatorContext, uniqueCollection, type EmulatorContext } from './harness.js';

let ctx: EmulatorContext;
let faulty: Firestore;
const faults = grpcFaults({ commitsOnce: true });
beforeAll(async () => {
  ctx = await startEmulatorContext();
  // One client with the fault interceptor, shared by every test (a client per test would open a channel each).
  faulty = new Firestore({ ...firestoreClientSettings(ctx.emulator), ...faults.settings });
});
afterAll(async () => {
  await faulty?.terminate();
  await ctx?.stop();
});

describeStoreConformance(
  'firestore (emulator)',
  () => {
    const collection = uniqueCollection();
    faults.heal();
    return {
      // A fresh collection per test on one shared client: nothing to close.
      store: createFirestoreStore({ firestore: faulty, collection }),
      faults,
      cleanup: () => faults.heal(),
      // Another client on the same emulator: what one process wrote, the next one reads.
      reopen: async () => createFirestoreStore({ firestore: ctx.firestore, collection }),
      async corrupt(ref) {
        // The instance document is the one that carries its record fields (chunks and steps carry `k`).
        const found = await ctx.firestore.collection(collection).where('instanceId', '==', ref.instanceId).where('workflowName', '==', ref.workflowName).get();
        const instance = found.docs.find((doc) => doc.get('ik') !== undefined);
        if (!instance) throw new Error(`corrupt: no instance document for ${ref.instanceId}`);
        await instance.ref.update({ status: 'not-a-status' });
      },
    };
  },
  // The npm emulator does not isolate transactions (emulator-fidelity.test.ts shows it); the three tests that
  // need isolation rest on Firestore's documented serializable transactions instead (see the README).
  { isolatedTransactions: false },
);
