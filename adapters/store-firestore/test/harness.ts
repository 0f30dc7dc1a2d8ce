// One emulator per test file; each test gets its own collection, so tests never see each other's data.

import { makeInstance, makeStep } from '@cairn/testkit';
import { randomUUID } from 'node:crypto';
import { Firestore } from '@google-cloud/firestore';
import { type InstanceRecord, type StepRecord } from '@cairn/core';
import { firestoreClientSettings, startFirestoreEmulator, type FirestoreEmulator } from '../../../test/emulators/firestore.js';

export interface EmulatorContext {
  emulator: FirestoreEmulator;
  firestore: Firestore;
  stop(): Promise<void>;
}

export async function startEmulatorContext(): Promise<EmulatorContext> {
  const emulator = await startFirestoreEmulator();
  const firestore = new Firestore(firestoreClientSettings(emulator));
  return {
    emulator,
    firestore,
    async stop() {
      await firestore.terminate();
      await emulator.stop();
    },
  };
}

export function uniqueCollection(): string {
  return `t-${randomUUID().slice(0, 8)}`;
}

export function instanceRecord(overrides: Partial<InstanceRecord> = {}): InstanceRecord {
  return makeInstance({
    workflowName: 'orders',
    instanceId: `i-${randomUUID().slice(0, 8)}`,
    status: 'running',
    params: '{"n":1}',
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
    leaseOwner: 'runner-a',
    leaseToken: 1,
    ...overrides,
  });
}

export function stepRecord(id: string, overrides: Partial<StepRecord> = {}): StepRecord {
  return makeStep({
    id,
    key: id,
    name: id,
    value: '"ok"',
    startedAt: 1_700_000_000_000,
    recordedAt: 1_700_000_000_001,
    ...overrides,
  });
}
