// The Firestore store against the emulator: behaviour, layout, large values, retention and errors.
// Guarantees that rest on transaction isolation are not provable here: see emulator-fidelity.test.ts.

import { isDeepStrictEqual } from 'node:util';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Timestamp } from '@google-cloud/firestore';
import { CairnError, MAX_PAYLOAD_BYTES, RECORD_VERSION, newEventId, type EventRecord } from '@cairn/core';
import { createFirestoreStore, type FirestoreStore } from '@cairn/store-firestore';
import { instanceKey, listKey } from '../src/keys.js';
import { toCairnError, withRetry } from '../src/errors.js';
import { instanceRecord, startEmulatorContext, stepRecord, uniqueCollection, type EmulatorContext } from './harness.js';

let ctx: EmulatorContext;
beforeAll(async () => {
  ctx = await startEmulatorContext();
});
afterAll(async () => {
  await ctx?.stop();
});

function newStore(): FirestoreStore {
  return createFirestoreStore({ firestore: ctx.firestore, collection: uniqueCollection() });
}

function event(type: string, at: number, payload = '{}'): EventRecord {
  return { v: RECORD_VERSION, id: newEventId(at), type, payload, timestamp: at };
}

/** A string of `bytes` UTF-8 bytes mixing 1-, 2- and 3-byte characters. */
function bigText(bytes: number): string {
  const unit = 'aé€"\\'; // 1 + 2 + 3 + 1 + 1 = 8 bytes
  return unit.repeat(Math.floor(bytes / 8)) + 'x'.repeat(bytes % 8);
}

describe('options', () => {
  it('rejects a missing client and a bad collection id with a ValidationError', () => {
    expect(() => createFirestoreStore({ firestore: {} as never })).toThrow(/firestore/);
    expect(() => createFirestoreStore({ firestore: ctx.firestore, collection: 'a/b' })).toThrow(/collection/);
    try {
      createFirestoreStore({ firestore: ctx.firestore, collection: '__x__' });
      expect.unreachable();
    } catch (error) {
      expect(CairnError.is(error, 'invalid_input')).toBe(true);
    }
  });
});

describe('instances', () => {
  it('creates once, reads back, and refuses a second create', async () => {
    const store = newStore();
    const instance = instanceRecord();
    await store.createInstance({ instance });
    expect(await store.getInstance(instance)).toEqual(instance);
    await expect(store.createInstance({ instance: { ...instance, params: '"other"' } })).rejects.toMatchObject({
      code: 'instance_already_exists',
    });
    expect(await store.getInstance(instance)).toEqual(instance);
    expect(await store.getInstance({ workflowName: 'orders', instanceId: 'missing' })).toBeNull();
  });

  it('stores the instance as a readable document keyed <workflow>~<id>, with the TTL field', async () => {
    const store = newStore();
    const instance = instanceRecord({ workflowName: 'a~b/c', instanceId: 'x_1', expiresAt: 1_800_000_000_000 });
    await store.createInstance({ instance });
    const snap = await ctx.firestore.collection(store.collection).doc('a%7Eb%2Fc~x_1').get();
    expect(snap.exists).toBe(true);
    expect(snap.get('status')).toBe('running');
    expect(snap.get('expireAt')).toBeInstanceOf(Timestamp);
    expect((snap.get('expireAt') as Timestamp).toMillis()).toBe(1_800_000_000_000);
    expect(instanceKey({ workflowName: '__w', instanceId: 'i__' })).not.toMatch(/^__.*__$/);
  });

  it('updateInstance is compare-and-set on version', async () => {
    const store = newStore();
    const instance = instanceRecord();
    await store.createInstance({ instance });
    const updated = await store.updateInstance({
      ...instance,
      expectedVersion: 0,
      patch: { status: 'paused', pausedAt: 5, error: { name: 'E', message: 'm' } },
    });
    expect(updated).toEqual({ ...instance, status: 'paused', pausedAt: 5, error: { name: 'E', message: 'm' }, version: 1 });
    expect(await store.getInstance(instance)).toEqual(updated);
    await expect(store.updateInstance({ ...instance, expectedVersion: 0, patch: { status: 'running' } })).rejects.toMatchObject({
      code: 'version_conflict',
    });
    expect(await store.getInstance(instance)).toEqual(updated);
    await expect(store.updateInstance({ workflowName: 'orders', instanceId: 'nope', expectedVersion: 0, patch: {} })).rejects.toMatchObject({
      code: 'instance_not_found',
    });
  });

  it('round-trips params and output up to core’s 1 MiB limit (chunked past a document’s size)', async () => {
    const store = newStore();
    const params = bigText(MAX_PAYLOAD_BYTES);
    const instance = instanceRecord({ params });
    await store.createInstance({ instance });
    const output = bigText(MAX_PAYLOAD_BYTES - 3);
    const done = await store.updateInstance({ ...instance, expectedVersion: 0, patch: { status: 'complete', output } });
    expect(done.output === output).toBe(true);
    const read = await store.getInstance(instance);
    expect(read?.params === params).toBe(true);
    expect(read?.output === output).toBe(true);
    const journal = await store.loadJournal(instance);
    expect(journal?.instance === undefined ? false : isDeepStrictEqual(journal.instance, read)).toBe(true);
    const page = await store.listInstances({});
    expect(page.instances.length === 1 && isDeepStrictEqual(page.instances[0], read)).toBe(true);
  });
});

describe('steps', () => {
  it('recordStep is fenced by the lease and create-if-absent', async () => {
    const store = newStore();
    const instance = instanceRecord({ leaseToken: 3 });
    await store.createInstance({ instance });
    const step = stepRecord('do:a');
    await expect(store.recordStep({ ...instance, leaseToken: 2, step })).rejects.toMatchObject({ code: 'lease_lost' });
    expect(await store.recordStep({ ...instance, leaseToken: 3, step })).toEqual({ recorded: true });
    const again = await store.recordStep({ ...instance, leaseToken: 3, step: { ...step, value: '"changed"' } });
    expect(again).toEqual({ recorded: false, existing: step });
    await store.updateInstance({ ...instance, expectedVersion: 0, patch: { leaseOwner: null } });
    await expect(store.recordStep({ ...instance, leaseToken: 3, step: stepRecord('do:b') })).rejects.toBeInstanceOf(CairnError);
    expect((await store.loadJournal(instance))?.steps).toEqual([step]);
  });

  it('concurrent records of one id: exactly one is recorded (enforced by the create precondition)', async () => {
    const store = newStore();
    const instance = instanceRecord();
    await store.createInstance({ instance });
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => store.recordStep({ ...instance, leaseToken: 1, step: stepRecord('do:x', { value: String(i) }) })),
    );
    const winners = results.filter((result) => result.recorded);
    expect(winners).toHaveLength(1);
    const journal = await store.loadJournal(instance);
    expect(journal?.steps).toHaveLength(1);
    for (const result of results) if (!result.recorded) expect(result.existing).toEqual(journal?.steps[0]);
  });

  it('a step value of 1 MiB round-trips, split over chunk documents', async () => {
    const store = newStore();
    const instance = instanceRecord();
    await store.createInstance({ instance });
    const step = stepRecord('do:big', { value: bigText(MAX_PAYLOAD_BYTES) });
    expect(await store.recordStep({ ...instance, leaseToken: 1, step })).toEqual({ recorded: true });
    const chunks = await ctx.firestore.collection(store.collection).where('k', '==', 'c').get();
    expect(chunks.size).toBeGreaterThan(1);
    const loaded = (await store.loadJournal(instance))?.steps;
    expect(loaded?.length === 1 && isDeepStrictEqual(loaded[0], step)).toBe(true);
    const again = await store.recordStep({ ...instance, leaseToken: 1, step: stepRecord('do:big') });
    expect(!again.recorded && isDeepStrictEqual(again.existing, step)).toBe(true);
  });

  it('loadJournal orders steps by recordedAt then id and shows only the current generation', async () => {
    const store = newStore();
    const instance = instanceRecord();
    await store.createInstance({ instance });
    const b = stepRecord('do:b', { recordedAt: 10 });
    const a = stepRecord('do:a', { recordedAt: 10 });
    const c = stepRecord('do:c', { recordedAt: 5 });
    for (const step of [b, a, c]) await store.recordStep({ ...instance, leaseToken: 1, step });
    expect((await store.loadJournal(instance))?.steps.map((s) => s.id)).toEqual(['do:c', 'do:a', 'do:b']);

    const ev = event('approve', 1_700_000_000_000);
    await store.appendEvent({ ...instance, event: ev });
    const current = (await store.getInstance(instance))!;
    await store.updateInstance({ ...instance, expectedVersion: current.version, patch: { generation: 1, leaseToken: 2 } });
    const restarted = await store.loadJournal(instance);
    expect(restarted?.steps).toEqual([]);
    expect(restarted?.events).toEqual([ev]);
    // The dead generation's documents were deleted by the cleanup pass.
    const left = await ctx.firestore.collection(store.collection).where('k', '==', 's').get();
    expect(left.size).toBe(0);
    const fresh = stepRecord('do:a', { generation: 1 });
    expect(await store.recordStep({ ...instance, leaseToken: 2, step: fresh })).toEqual({ recorded: true });
    expect((await store.loadJournal(instance))?.steps).toEqual([fresh]);
  });
});

describe('events', () => {
  it('appendEvent increments eventSeq and version, events load in id order, large payloads chunk', async () => {
    const store = newStore();
    const instance = instanceRecord();
    await store.createInstance({ instance });
    const late = event('b', 2_000);
    const early = event('a', 1_000, JSON.stringify(bigText(MAX_PAYLOAD_BYTES - 2)));
    const first = await store.appendEvent({ ...instance, event: late });
    expect(first).toMatchObject({ eventSeq: 1, version: 1 });
    const second = await store.appendEvent({ ...instance, event: early });
    expect(second).toEqual({ ...instance, eventSeq: 2, version: 2 });
    expect(await store.getInstance(instance)).toEqual(second);
    const journal = await store.loadJournal(instance);
    const byId = [early, late].sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(journal?.events.map((e) => e.id)).toEqual(byId.map((e) => e.id));
    expect(journal?.events[byId.indexOf(early)]?.payload === early.payload).toBe(true);
    expect(journal?.events[byId.indexOf(late)]).toEqual(late);
    await expect(store.appendEvent({ workflowName: 'orders', instanceId: 'none', event: late })).rejects.toMatchObject({
      code: 'instance_not_found',
    });
  });

  it('concurrent appends never lose an increment (FieldValue.increment)', async () => {
    const store = newStore();
    const instance = instanceRecord();
    await store.createInstance({ instance });
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.appendEvent({ ...instance, event: event('e', 1_000 + i) })));
    const journal = await store.loadJournal(instance);
    expect(journal?.events).toHaveLength(10);
    expect(journal?.instance).toMatchObject({ eventSeq: 10, version: 10 });
  });
});

describe('retention', () => {
  it('copies expireAt onto every journal document when expiresAt changes, and clears it on restart', async () => {
    const store = newStore();
    const instance = instanceRecord();
    await store.createInstance({ instance });
    await store.recordStep({ ...instance, leaseToken: 1, step: stepRecord('do:big', { value: bigText(MAX_PAYLOAD_BYTES) }) });
    await store.appendEvent({ ...instance, event: event('e', 1) });
    await store.updateInstance({ ...instance, expectedVersion: 1, patch: { status: 'complete', expiresAt: 1_900_000_000_000 } });
    const docs = await ctx.firestore.collection(store.collection).get();
    expect(docs.size).toBeGreaterThanOrEqual(4);
    for (const snap of docs.docs) expect((snap.get('expireAt') as Timestamp | null)?.toMillis()).toBe(1_900_000_000_000);

    await store.updateInstance({ ...instance, expectedVersion: 2, patch: { status: 'queued', expiresAt: null, generation: 1 } });
    const after = await ctx.firestore.collection(store.collection).get();
    // The instance and the event remain; the dead step and its chunks are gone.
    expect(after.docs.map((snap) => snap.get('k') ?? 'instance').sort()).toEqual(['e', 'instance']);
    for (const snap of after.docs) expect(snap.get('expireAt')).toBeNull();
  });
});

describe('listing', () => {
  it('pages newest first across workflows and statuses, each instance once', async () => {
    const store = newStore();
    const created: string[] = [];
    for (let i = 0; i < 7; i++) {
      const instance = instanceRecord({
        instanceId: `i${i}`,
        workflowName: i % 2 ? 'odd' : 'even',
        status: i < 4 ? 'running' : 'complete',
        createdAt: 1_000 + Math.floor(i / 2), // ties on createdAt break by key
      });
      await store.createInstance({ instance });
      created.push(instance.instanceId);
    }
    await store.recordStep({ workflowName: 'even', instanceId: 'i0', leaseToken: 1, step: stepRecord('do:a') });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listInstances({ limit: 3, ...(cursor ? { cursor } : {}) });
      expect(page.instances.length).toBeLessThanOrEqual(3);
      seen.push(...page.instances.map((instance) => instance.instanceId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['i6', 'i4', 'i5', 'i2', 'i3', 'i0', 'i1']);
    const odd = await store.listInstances({ workflowName: 'odd' });
    expect(odd.instances.map((i) => i.instanceId)).toEqual(['i5', 'i3', 'i1']);
    const oddRunning = await store.listInstances({ workflowName: 'odd', status: 'running' });
    expect(oddRunning.instances.map((i) => i.instanceId)).toEqual(['i3', 'i1']);
    const complete = await store.listInstances({ status: 'complete', limit: 2 });
    expect(complete.instances.map((i) => i.instanceId)).toEqual(['i6', 'i4']);
    expect(complete.nextCursor).toBeDefined();
    await expect(store.listInstances({ cursor: 'garbage' })).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('listKey sorts createdAt descending, negatives and fractions included', () => {
    const values = [-1e300, -5, -0.5, 0, 0.25, 1, 1_700_000_000_000, 2 ** 52, 1e300];
    const keys = values.map((value) => listKey(value, 'k'));
    expect([...keys].sort()).toEqual([...keys].reverse());
  });

  it('listDueInstances returns due wake-ups, earliest first, capped', async () => {
    const store = newStore();
    const wakes = [50, null, 10, 30, 100];
    for (const [i, wakeAt] of wakes.entries()) await store.createInstance({ instance: instanceRecord({ instanceId: `w${i}`, wakeAt }) });
    expect(await store.listDueInstances({ now: 50, limit: 10 })).toEqual([
      { workflowName: 'orders', instanceId: 'w2', wakeAt: 10 },
      { workflowName: 'orders', instanceId: 'w3', wakeAt: 30 },
      { workflowName: 'orders', instanceId: 'w0', wakeAt: 50 },
    ]);
    expect(await store.listDueInstances({ now: 50, limit: 1 })).toEqual([{ workflowName: 'orders', instanceId: 'w2', wakeAt: 10 }]);
    expect(await store.listDueInstances({ now: 9, limit: 5 })).toEqual([]);
    // Clearing and moving wake-ups keeps the due key in step.
    await store.updateInstance({ workflowName: 'orders', instanceId: 'w2', expectedVersion: 0, patch: { wakeAt: null } });
    await store.updateInstance({ workflowName: 'orders', instanceId: 'w4', expectedVersion: 0, patch: { wakeAt: 20 } });
    expect((await store.listDueInstances({ now: 25, limit: 5 })).map((d) => d.instanceId)).toEqual(['w4']);
  });
});

describe('errors', () => {
  it('a corrupt stored record fails loudly as a CorruptRecordError naming the instance', async () => {
    const store = newStore();
    const instance = instanceRecord();
    await store.createInstance({ instance });
    await ctx.firestore.collection(store.collection).doc(instanceKey(instance)).update({ status: 'bogus' });
    await expect(store.getInstance(instance)).rejects.toMatchObject({
      code: 'corrupt_record',
      name: 'CorruptRecordError',
      workflowName: instance.workflowName,
      instanceId: instance.instanceId,
    });
  });

  it('maps gRPC errors to AdapterError with the cause and a hint, and retries contention', async () => {
    const grpc = Object.assign(new Error('7 PERMISSION_DENIED: Missing or insufficient permissions.'), {
      code: 7,
      details: 'Missing or insufficient permissions.',
    });
    const mapped = toCairnError('getInstance', grpc);
    expect(mapped).toMatchObject({ code: 'store_error', name: 'AdapterError', cause: grpc, option: 'firestore' });
    expect(mapped.message).toMatch(/^\[cairn\] \[firestore\] getInstance: PERMISSION_DENIED: .*roles\/datastore\.user/);

    let calls = 0;
    const aborted = Object.assign(new Error('10 ABORTED'), { code: 10 });
    const value = await withRetry('op', { maxAttempts: 3, baseDelayMs: 1 }, async () => {
      if (++calls < 3) throw aborted;
      return 'ok';
    });
    expect([value, calls]).toEqual(['ok', 3]);
    calls = 0;
    await expect(
      withRetry('op', { maxAttempts: 2, baseDelayMs: 1 }, async () => {
        calls++;
        throw aborted;
      }),
    ).rejects.toMatchObject({ code: 'store_error', cause: aborted });
    expect(calls).toBe(2);
  });
});

describe('firestore.indexes.json', () => {
  it('declares the listing indexes on the default collection and exempts the large fields', () => {
    const config = JSON.parse(readFileSync(new URL('../firestore.indexes.json', import.meta.url), 'utf8')) as {
      indexes: { collectionGroup: string; fields: { fieldPath: string }[] }[];
      fieldOverrides: { collectionGroup: string; fieldPath: string; indexes: unknown[] }[];
    };
    const shapes = config.indexes.map((index) => index.fields.map((field) => field.fieldPath).join(','));
    expect(shapes.sort()).toEqual(['status,listKey', 'workflowName,listKey', 'workflowName,status,listKey']);
    expect(new Set(config.indexes.map((index) => index.collectionGroup))).toEqual(new Set(['cairn-workflows']));
    expect(config.fieldOverrides.map((o) => o.fieldPath).sort()).toEqual(['d', 'expireAt', 'output', 'params', 'r']);
  });
});
