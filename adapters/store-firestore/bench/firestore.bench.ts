// Step latency and RPCs per store operation on the local emulator.
// Run: npx tsup (in packages/core and adapters/store-firestore), then
//   node adapters/store-firestore/bench/firestore.bench.ts
// The emulator is a single-threaded Node process with no network in between: latencies are a floor for the
// client-side cost, not a prediction of Cloud Firestore's (typically 10–30 ms per commit in-region).
// RPC counts are exact: they are counted at the client's request/requestStream entry points.

import { performance } from 'node:perf_hooks';
import { Firestore } from '@google-cloud/firestore';
import { RECORD_VERSION, type InstanceRecord, type StepRecord } from '@cairn/core';
import { createFirestoreStore } from '@cairn/store-firestore';
import { firestoreClientSettings, startFirestoreEmulator } from '../../../test/emulators/firestore.ts';

const STEPS = 200;
const REPLAYS = 50;

const emulator = await startFirestoreEmulator();
const firestore = new Firestore(firestoreClientSettings(emulator));
const rpcs = new Map<string, number>();
const counted = firestore as unknown as Record<'request' | 'requestStream', (method: string, ...rest: unknown[]) => unknown>;
for (const name of ['request', 'requestStream'] as const) {
  const original = counted[name].bind(firestore);
  counted[name] = (method: string, ...rest: unknown[]) => {
    rpcs.set(method, (rpcs.get(method) ?? 0) + 1);
    return original(method, ...rest);
  };
}
const totalRpcs = () => [...rpcs.values()].reduce((a, b) => a + b, 0);

try {
  const store = createFirestoreStore({ firestore, collection: 'bench' });
  const now = Date.now();
  const instance: InstanceRecord = {
    v: RECORD_VERSION,
    workflowName: 'bench',
    instanceId: 'i1',
    status: 'running',
    params: '{}',
    output: null,
    error: null,
    createdAt: now,
    updatedAt: now,
    finishedAt: null,
    version: 0,
    generation: 0,
    leaseOwner: 'r',
    leaseToken: 1,
    leaseExpiresAt: null,
    wakeAt: null,
    wakeSeq: 0,
    eventSeq: 0,
    pausedAt: null,
    pausedTotalMs: 0,
    recoveries: 0,
    expiresAt: null,
  };
  await store.createInstance({ instance });
  await store.loadJournal(instance); // warm up the channel

  const measure = async (label: string, count: number, fn: (i: number) => Promise<unknown>) => {
    rpcs.clear();
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const start = performance.now();
      await fn(i);
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(2);
    const detail = [...rpcs].map(([method, n]) => `${method}=${(n / count).toFixed(2)}`).join(' ');
    console.log(`${label.padEnd(34)} p50 ${pct(0.5)} ms  p95 ${pct(0.95)} ms  rpcs/op ${(totalRpcs() / count).toFixed(2)}  (${detail})`);
  };

  const step = (i: number): StepRecord => ({
    v: RECORD_VERSION,
    id: `do:s${i}`,
    key: `do:s${i}`,
    generation: 0,
    kind: 'do',
    name: `s${i}`,
    state: 'completed',
    attempt: 1,
    value: JSON.stringify({ i, text: 'x'.repeat(200) }),
    startedAt: now,
    recordedAt: now + i,
  });
  await measure('recordStep (one step.do)', STEPS, (i) => store.recordStep({ ...instance, leaseToken: 1, step: step(i) }));
  let version = 0;
  await measure('replay: acquire+loadJournal+release', REPLAYS, async () => {
    await store.updateInstance({ ...instance, expectedVersion: version++, patch: { leaseOwner: 'r' } });
    await store.loadJournal(instance);
    await store.updateInstance({ ...instance, expectedVersion: version++, patch: { updatedAt: Date.now() } });
  });
  await measure(`loadJournal (${STEPS} steps)`, REPLAYS, () => store.loadJournal(instance));
  await measure('getInstance', REPLAYS, () => store.getInstance(instance));
  const big = 'é'.repeat(512 * 1024); // 1 MiB of UTF-8
  await measure('recordStep, 1 MiB value (chunked)', 10, (i) =>
    store.recordStep({ ...instance, leaseToken: 1, step: { ...step(10_000 + i), value: JSON.stringify(big).slice(0, -2) + '"' } }),
  );
} finally {
  await firestore.terminate();
  await emulator.stop();
}
