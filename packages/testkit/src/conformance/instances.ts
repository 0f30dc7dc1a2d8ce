// createInstance / getInstance / updateInstance: create-if-absent, null for unknown, compare-and-set.

import { describe, expect, it } from 'vitest';
import { parseInstanceRecord, type InstancePatch } from '@cairn/core';
import type { SuiteContext } from './context.js';
import { T0, createInstance, expectCairnError, makeInstance, mustGet, mustLoad, refOf, uniqueId } from './fixtures.js';

export function instanceTests(ctx: SuiteContext): void {
  describe('instances', () => {
    creationTests(ctx);
    recordFieldTests(ctx);
    updateTests(ctx);
  });
}

/** Fields set at creation for telemetry and dispatchers, and the code version: kept as given, absent when not set. */
function recordFieldTests(ctx: SuiteContext): void {
  it('the trace context telemetry records round-trips, outlives updates, and stays absent when not set', async () => {
    const trace = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const traced = makeInstance({ trace });
    await ctx.store.createInstance({ instance: traced });
    expect(await mustGet(ctx.store, traced)).toEqual(traced);
    const updated = await ctx.store.updateInstance({ ...refOf(traced), expectedVersion: traced.version, patch: { status: 'running', leaseOwner: 'r' } });
    expect(parseInstanceRecord(updated).trace).toBe(trace);
    expect((await mustLoad(ctx.store, traced)).instance.trace, 'a replay reads the trace from the journal').toBe(trace);
    const plain = makeInstance();
    await ctx.store.createInstance({ instance: plain });
    expect('trace' in (await mustGet(ctx.store, plain)), 'an absent trace must read back absent').toBe(false);
  });

  it('dispatcher metadata and the code version round-trip; the metadata outlives updates, the version changes by a patch', async () => {
    const metadata = JSON.stringify({ tenantId: 'acme', worker: 'w-1', note: 'ü'.repeat(2_000) });
    const tagged = makeInstance({ metadata, workflowVersion: 'v1' });
    await ctx.store.createInstance({ instance: tagged });
    expect(await mustGet(ctx.store, tagged)).toEqual(tagged);
    const updated = await ctx.store.updateInstance({ ...refOf(tagged), expectedVersion: tagged.version, patch: { status: 'queued', workflowVersion: 'v2' } });
    expect(parseInstanceRecord(updated)).toMatchObject({ metadata, workflowVersion: 'v2' });
    expect((await mustLoad(ctx.store, tagged)).instance, 'a replay reads both from the journal').toMatchObject({ metadata, workflowVersion: 'v2' });
    const plain = makeInstance();
    await ctx.store.createInstance({ instance: plain });
    const read = await mustGet(ctx.store, plain);
    expect('metadata' in read || 'workflowVersion' in read, 'absent metadata and version must read back absent').toBe(false);
  });
}

/** createInstance and getInstance. */
function creationTests(ctx: SuiteContext): void {
  it('createInstance stores the record as given, and getInstance reads it back', async () => {
    const instance = makeInstance({ wakeAt: T0 + 5, status: 'queued' });
    await ctx.store.createInstance({ instance });
    expect(await mustGet(ctx.store, instance)).toEqual(instance);
  });

  it('per-instance retention fields round-trip when set, stay absent when not, and outlive updates', async () => {
    const kept = makeInstance({ successRetentionMs: 86_400_000, errorRetentionMs: 0 });
    await ctx.store.createInstance({ instance: kept });
    expect(await mustGet(ctx.store, kept)).toEqual(kept);
    const updated = await ctx.store.updateInstance({ ...refOf(kept), expectedVersion: kept.version, patch: { status: 'complete', expiresAt: T0 + 1 } });
    expect(parseInstanceRecord(updated)).toMatchObject({ successRetentionMs: 86_400_000, errorRetentionMs: 0 });
    expect((await mustLoad(ctx.store, kept)).instance).toMatchObject({ successRetentionMs: 86_400_000, errorRetentionMs: 0 });
    const plain = makeInstance();
    await ctx.store.createInstance({ instance: plain });
    const read = await mustGet(ctx.store, plain);
    expect('successRetentionMs' in read || 'errorRetentionMs' in read, 'absent retention fields must read back absent').toBe(false);
  });

  it('a second createInstance of the same (workflowName, instanceId) throws InstanceAlreadyExistsError and changes nothing', async () => {
    const first = makeInstance();
    await ctx.store.createInstance({ instance: first });
    const second = makeInstance({
      instanceId: first.instanceId,
      params: '"other"',
      status: 'running',
      createdAt: T0 + 99,
      wakeAt: T0,
      version: 0,
    });
    await expectCairnError(ctx.store.createInstance({ instance: second }), 'instance_already_exists');
    expect(await mustGet(ctx.store, first)).toEqual(first);
  });

  it('the same instanceId under two workflow names is two instances', async () => {
    const a = makeInstance({ workflowName: 'alpha' });
    const b = makeInstance({ workflowName: 'beta', instanceId: a.instanceId, params: '"b"' });
    await ctx.store.createInstance({ instance: a });
    await ctx.store.createInstance({ instance: b });
    expect(await mustGet(ctx.store, a)).toEqual(a);
    expect(await mustGet(ctx.store, b)).toEqual(b);
  });

  it('getInstance and loadJournal return null for an unknown instance', async () => {
    const ref = { workflowName: 'conformance', instanceId: uniqueId('missing') };
    expect(await ctx.store.getInstance(ref)).toBeNull();
    expect(await ctx.store.loadJournal(ref)).toBeNull();
    // Same id under another workflow does not leak across.
    await createInstance(ctx.store, { workflowName: 'other', instanceId: ref.instanceId });
    expect(await ctx.store.getInstance(ref)).toBeNull();
    expect(await ctx.store.loadJournal(ref)).toBeNull();
  });
}

/** updateInstance: compare-and-set, patches, copies. */
function updateTests(ctx: SuiteContext): void {
  it('updateInstance applies the patch, sets version to expectedVersion + 1, leaves other fields untouched, and returns the new record', async () => {
    const before = await createInstance(ctx.store, { wakeAt: T0 + 10, leaseToken: 3 });
    const patch: InstancePatch = {
      status: 'errored',
      error: { name: 'Error', message: 'it broke: ✗' },
      finishedAt: T0 + 20,
      updatedAt: T0 + 20,
      wakeAt: null,
      leaseOwner: 'runner-x',
      pausedTotalMs: 12.5,
      expiresAt: T0 + 1_000,
    };
    const returned = parseInstanceRecord(await ctx.store.updateInstance({ ...refOf(before), expectedVersion: before.version, patch }));
    const expected = { ...before, ...patch, version: before.version + 1 };
    expect(returned).toEqual(expected);
    expect(await mustGet(ctx.store, before)).toEqual(expected);
  });

  it('updateInstance sets fields back to null and to values, in successive versions', async () => {
    let current = await createInstance(ctx.store);
    const patches: InstancePatch[] = [
      { leaseOwner: 'a', leaseToken: 1, leaseExpiresAt: T0 + 30_000, wakeAt: T0 + 30_000, status: 'running' },
      { output: '"done"', status: 'complete', leaseOwner: null, leaseExpiresAt: null, wakeAt: null, finishedAt: T0 + 1 },
      { status: 'queued', output: null, finishedAt: null, generation: 1, wakeSeq: 4, eventSeq: 2, recoveries: 1 },
      {},
    ];
    for (const patch of patches) {
      const expected = { ...current, ...patch, version: current.version + 1 };
      current = parseInstanceRecord(await ctx.store.updateInstance({ ...refOf(current), expectedVersion: current.version, patch }));
      expect(current).toEqual(expected);
    }
    expect(current.version).toBe(patches.length);
    expect(await mustGet(ctx.store, current)).toEqual(current);
  });

  it('updateInstance with a stale or a future version throws VersionConflictError and changes nothing', async () => {
    const created = await createInstance(ctx.store);
    const current = parseInstanceRecord(await ctx.store.updateInstance({ ...refOf(created), expectedVersion: 0, patch: { status: 'running' } }));
    for (const expectedVersion of [0, 2, 7]) {
      await expectCairnError(ctx.store.updateInstance({ ...refOf(created), expectedVersion, patch: { status: 'terminated', wakeAt: T0 } }), 'version_conflict');
    }
    expect(await mustGet(ctx.store, created)).toEqual(current);
  });

  it('updateInstance of a missing instance throws InstanceNotFoundError and creates nothing', async () => {
    const ref = { workflowName: 'conformance', instanceId: uniqueId('missing') };
    await expectCairnError(ctx.store.updateInstance({ ...ref, expectedVersion: 0, patch: { status: 'running' } }), 'instance_not_found');
    expect(await ctx.store.getInstance(ref)).toBeNull();
  });

  it('records returned are copies: mutating them, or the record given to createInstance, changes nothing stored', async () => {
    const instance = makeInstance();
    await ctx.store.createInstance({ instance });
    const snapshot = { ...instance };
    instance.status = 'terminated';
    const read = await ctx.store.getInstance(refOf(snapshot));
    read!.status = 'complete';
    const journal = await ctx.store.loadJournal(refOf(snapshot));
    journal!.instance.status = 'errored';
    journal!.steps.push({} as never);
    expect(await mustGet(ctx.store, snapshot)).toEqual(snapshot);
    expect((await mustLoad(ctx.store, snapshot)).steps).toEqual([]);
  });
}
