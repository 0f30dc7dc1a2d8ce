// The order example end to end through the Cloud Run server, journaled in Firestore (the
// @firestore-emulator/server stand-in), woken by the Cloud Tasks stand-in.

import { afterAll, beforeAll, describe } from 'vitest';
import { Firestore } from '@google-cloud/firestore';
import { createFirestoreStore } from '@cairn/store-firestore';
import { createOrderService } from '../../examples/cloud-run/src/app.ts';
import { firestoreClientSettings, startFirestoreEmulator, type FirestoreEmulator } from '../emulators/firestore.js';
import { QUEUE, startGcpStack, TASKS_SA, type GcpStack } from './harness.js';
import { describeOrderJourney } from './order-journey.js';

let firestoreEmulator: FirestoreEmulator;
let firestore: Firestore;
let stack: GcpStack;

beforeAll(async () => {
  firestoreEmulator = await startFirestoreEmulator();
  firestore = new Firestore(firestoreClientSettings(firestoreEmulator));
  const store = createFirestoreStore({ firestore, collection: 'cairn-gcp-e2e' });
  stack = await startGcpStack(({ serviceUrl, tasks, auth }) =>
    createOrderService({ store, tasks, queue: QUEUE, serviceUrl, tasksServiceAccount: TASKS_SA, auth, maxInProcessWaitMs: 0 }),
  );
});
afterAll(async () => {
  await stack?.stop();
  await firestore?.terminate();
  await firestoreEmulator?.stop();
});

describe('Cloud Run + Cloud Tasks, Firestore store', () => {
  describeOrderJourney(() => stack);
});
