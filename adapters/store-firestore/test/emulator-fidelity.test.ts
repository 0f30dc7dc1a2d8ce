// What the emulator (@firestore-emulator/server 0.3.x) does NOT do that Firestore does. Each test asserts the
// emulator's ACTUAL behaviour, labelled GAP, next to what Firestore documents. If a test here starts failing,
// the emulator closed a gap: update the adapter README's "What the local tests prove" section.
// The last test lists what the emulator DOES enforce, which the store's own tests therefore really prove.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Timestamp } from '@google-cloud/firestore';
import { createFirestoreStore } from '@cairn/store-firestore';
import { instanceRecord, startEmulatorContext, uniqueCollection, type EmulatorContext } from './harness.js';

let ctx: EmulatorContext;
beforeAll(async () => {
  ctx = await startEmulatorContext();
});
afterAll(async () => {
  await ctx?.stop();
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('emulator gaps (asserting the emulator, not Firestore)', () => {
  it('GAP: transactions are not isolated: two read-modify-write transactions both commit and one update is lost', async () => {
    // Firestore: the second transaction's commit is aborted (or waits on the lock) and is retried: final n = 2.
    const ref = ctx.firestore.collection(uniqueCollection()).doc('counter');
    await ref.set({ n: 0 });
    let attempts = 0;
    const increment = () =>
      ctx.firestore.runTransaction(async (tx) => {
        attempts++;
        const n = (await tx.get(ref)).get('n') as number;
        await pause(50); // both transactions have read before either commits
        tx.update(ref, { n: n + 1 });
      });
    await Promise.all([increment(), increment()]);
    expect((await ref.get()).get('n')).toBe(1);
    expect(attempts).toBe(2); // no retry happened
  });

  it('GAP: so the store’s compare-and-set is not exclusive here: two updates at one version both succeed', async () => {
    // Firestore: exactly one succeeds, the other throws VersionConflictError (conformance "concurrency" tests).
    const store = createFirestoreStore({ firestore: ctx.firestore, collection: uniqueCollection() });
    const instance = instanceRecord();
    await store.createInstance({ instance });
    const results = await Promise.allSettled(
      ['a', 'b', 'c'].map((owner) => store.updateInstance({ ...instance, expectedVersion: 0, patch: { leaseOwner: owner } })),
    );
    expect(results.filter((result) => result.status === 'fulfilled').length).toBeGreaterThan(1);
  });

  it('GAP: update-time preconditions are ignored: a write with a stale lastUpdateTime succeeds', async () => {
    // Firestore: FAILED_PRECONDITION.
    const ref = ctx.firestore.collection(uniqueCollection()).doc('d');
    await ref.set({ n: 1 });
    await ref.update({ n: 2 }, { lastUpdateTime: Timestamp.fromMillis(1) });
    expect((await ref.get()).get('n')).toBe(2);
  });

  it('GAP: a commit is not atomic: writes before a failing precondition stay applied', async () => {
    // Firestore: the batch fails as a whole and nothing is written.
    const col = ctx.firestore.collection(uniqueCollection());
    await col.doc('exists').set({ n: 1 });
    await expect(ctx.firestore.batch().set(col.doc('first'), { n: 1 }).create(col.doc('exists'), { n: 2 }).commit()).rejects.toMatchObject({
      code: 6,
    });
    expect((await col.doc('first').get()).exists).toBe(true);
  });

  it('GAP: query cursors are ignored: startAfter returns the first page again', async () => {
    // Firestore: startAfter('b') returns ['c']. (The store pages with a range filter on listKey instead.)
    const col = ctx.firestore.collection(uniqueCollection());
    for (const k of ['a', 'b', 'c']) await col.doc(k).set({ k });
    const page = await col.orderBy('k').startAfter('b').get();
    expect(page.docs.map((snap) => snap.id)).toEqual(['a', 'b', 'c']);
  });

  it('GAP: ordering is wrong when the ordered field holds null beside values; field deletes are ignored', async () => {
    // Firestore: orderBy('w') sorts null first, then 10, 30, 50; FieldValue.delete() removes the field.
    // (The store's due query orders `wakeKey`, always a string, for this reason.)
    const col = ctx.firestore.collection(uniqueCollection());
    for (const [i, w] of [50, null, 10, 30].entries()) await col.doc(`d${i}`).set({ w });
    const sorted = await col.orderBy('w').get();
    expect(sorted.docs.map((snap) => snap.get('w'))).not.toEqual([null, 10, 30, 50]);
    const { FieldValue } = await import('@google-cloud/firestore');
    await col.doc('d0').update({ w: FieldValue.delete() });
    expect((await col.doc('d0').get()).get('w')).toBe(50);
  });

  it('GAP: collection-group queries read only the top-level collection of that id', async () => {
    // Firestore: collectionGroup('g') also finds documents in nested collections named g. (The store does not use them.)
    const name = uniqueCollection();
    await ctx.firestore.collection('parents').doc('p').collection(name).doc('nested').set({ x: 1 });
    const found = await ctx.firestore.collectionGroup(name).get();
    expect(found.size).toBe(0);
  });
});

describe('what the emulator does enforce (so the store tests prove it)', () => {
  it('create() is create-if-absent even under concurrency; increments apply one after another', async () => {
    const col = ctx.firestore.collection(uniqueCollection());
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => col.doc('once').create({ i })));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const { FieldValue } = await import('@google-cloud/firestore');
    await col.doc('n').set({ n: 0 });
    await Promise.all(Array.from({ length: 10 }, () => col.doc('n').update({ n: FieldValue.increment(1) })));
    expect((await col.doc('n').get()).get('n')).toBe(10);
  });
});
