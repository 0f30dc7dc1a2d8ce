// The shared WorkflowStore conformance suite against the Firestore store on the emulator.

import { afterAll, beforeAll } from 'vitest';
import { describeStoreConformance } from '@cairn/testkit';
import { createFirestoreStore } from '@cairn/store-firestore';
import { startEmulatorContext, uniqueCollection, type EmulatorContext } from './harness.js';

let ctx: EmulatorContext;
beforeAll(async () => {
  ctx = await startEmulatorContext();
});
afterAll(async () => {
  await ctx?.stop();
});

describeStoreConformance(
  'firestore (emulator)',
  () => ({
    // A fresh collection per test on one shared client: nothing to close.
    store: createFirestoreStore({ firestore: ctx.firestore, collection: uniqueCollection() }),
    cleanup: () => {},
  }),
  // The npm emulator does not isolate transactions (emulator-fidelity.test.ts shows it); the three tests that
  // need isolation rest on Firestore's documented serializable transactions instead (see the README).
  { isolatedTransactions: false },
);
