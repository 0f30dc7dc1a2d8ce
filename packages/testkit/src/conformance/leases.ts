// recordStep: fenced by (leaseOwner set, leaseToken equal), create-if-absent on (generation, id), never changed.

import { describe, expect, it } from 'vitest';
import { parseInstanceRecord, parseStepRecord } from '@cairn/core';
import type { SuiteContext } from './context.js';
import { T0, acquireLease, createInstance, createLeased, expectCairnError, makeStep, mustLoad, refOf, uniqueId } from './fixtures.js';

export function leaseTests(ctx: SuiteContext): void {
  describe('leases and fencing', () => {
    fenceTests(ctx);
    firstWriterTests(ctx);
  });
}

/** recordStep is fenced by the lease. */
function fenceTests(ctx: SuiteContext): void {
  it('recordStep throws LeaseLostError when no lease is held (leaseOwner null), even with the current token', async () => {
    const instance = await createInstance(ctx.store, { leaseToken: 4 });
    await expectCairnError(ctx.store.recordStep({ ...refOf(instance), leaseToken: 4, step: makeStep({ id: 'do:x-1' }) }), 'lease_lost');
    expect((await mustLoad(ctx.store, instance)).steps).toEqual([]);
  });

  it('recordStep throws LeaseLostError when the token differs (older or newer), and stores nothing', async () => {
    const instance = await createLeased(ctx.store, { leaseToken: 5 });
    expect(instance.leaseToken).toBe(6);
    for (const leaseToken of [0, 5, 7]) {
      await expectCairnError(ctx.store.recordStep({ ...refOf(instance), leaseToken, step: makeStep({ id: 'do:x-1' }) }), 'lease_lost');
    }
    expect((await mustLoad(ctx.store, instance)).steps).toEqual([]);
  });

  it('after a takeover the old token is refused and the new one accepted', async () => {
    const first = await createLeased(ctx.store);
    const second = await acquireLease(ctx.store, first, 'runner-b');
    await expectCairnError(ctx.store.recordStep({ ...refOf(first), leaseToken: first.leaseToken, step: makeStep({ id: 'do:old-1' }) }), 'lease_lost');
    const step = makeStep({ id: 'do:new-1' });
    expect(await ctx.store.recordStep({ ...refOf(first), leaseToken: second.leaseToken, step })).toEqual({ recorded: true });
    expect((await mustLoad(ctx.store, first)).steps).toEqual([step]);
  });

  it('after the lease is released (leaseOwner null, same token) recordStep is refused', async () => {
    const leased = await createLeased(ctx.store);
    await ctx.store.updateInstance({
      ...refOf(leased),
      expectedVersion: leased.version,
      patch: { leaseOwner: null, leaseExpiresAt: null, status: 'waiting', wakeAt: T0 + 60_000 },
    });
    await expectCairnError(ctx.store.recordStep({ ...refOf(leased), leaseToken: leased.leaseToken, step: makeStep({ id: 'do:late-1' }) }), 'lease_lost');
    expect((await mustLoad(ctx.store, leased)).steps).toEqual([]);
  });

  it('recordStep on a missing instance throws (InstanceNotFoundError or LeaseLostError) and creates nothing', async () => {
    const ref = { workflowName: 'conformance', instanceId: uniqueId('missing') };
    await expectCairnError(ctx.store.recordStep({ ...ref, leaseToken: 1, step: makeStep({ id: 'do:x-1' }) }), ['instance_not_found', 'lease_lost']);
    expect(await ctx.store.getInstance(ref)).toBeNull();
  });
}

/** The first writer of an id wins, and a recorded step never changes. */
function firstWriterTests(ctx: SuiteContext): void {
  it('the first writer of an id wins: a second write returns { recorded: false, existing } and changes nothing', async () => {
    const instance = await createLeased(ctx.store);
    const first = makeStep({ id: 'do:charge-1', value: '"first"', attempt: 1, recordedAt: T0 + 1 });
    const second = makeStep({ id: 'do:charge-1', value: '"second"', attempt: 2, state: 'failed', recordedAt: T0 + 2 });
    expect(await ctx.store.recordStep({ ...refOf(instance), leaseToken: instance.leaseToken, step: first })).toEqual({ recorded: true });
    const result = await ctx.store.recordStep({ ...refOf(instance), leaseToken: instance.leaseToken, step: second });
    expect(result.recorded).toBe(false);
    expect(result.recorded === false && parseStepRecord(result.existing)).toEqual(first);
    expect((await mustLoad(ctx.store, instance)).steps).toEqual([first]);
  });

  it('a recorded step survives a takeover: the new runner writing the same id gets the existing record', async () => {
    const leased = await createLeased(ctx.store);
    const original = makeStep({ id: 'sleep:nap-1#start', kind: 'sleep', state: 'started', attempt: 0, wakeAt: T0 + 1_000 });
    await ctx.store.recordStep({ ...refOf(leased), leaseToken: leased.leaseToken, step: original });
    const taken = await acquireLease(ctx.store, leased, 'runner-b');
    const rewrite = { ...original, wakeAt: T0 + 9_999, recordedAt: T0 + 5 };
    const result = await ctx.store.recordStep({ ...refOf(leased), leaseToken: taken.leaseToken, step: rewrite });
    expect(result).toEqual({ recorded: false, existing: original });
    expect((await mustLoad(ctx.store, leased)).steps).toEqual([original]);
  });

  it('a recorded step is not changed by instance writes', async () => {
    const leased = await createLeased(ctx.store);
    const step = makeStep({ id: 'do:keep-1' });
    await ctx.store.recordStep({ ...refOf(leased), leaseToken: leased.leaseToken, step });
    const updated = parseInstanceRecord(
      await ctx.store.updateInstance({ ...refOf(leased), expectedVersion: leased.version, patch: { status: 'waiting', wakeSeq: 3 } }),
    );
    await ctx.store.updateInstance({ ...refOf(leased), expectedVersion: updated.version, patch: { leaseOwner: null } });
    expect((await mustLoad(ctx.store, leased)).steps).toEqual([step]);
  });
}
