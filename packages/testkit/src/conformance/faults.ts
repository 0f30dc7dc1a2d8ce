// Fault mode: every write sent again after its answer was lost reports the first try's outcome and changes
// nothing twice; a write id is never confused by another writer's change landing between the two; a crash
// midway through a delete leaves the instance readable, or gone with its whole journal. Runs when the harness
// can lose answers (`faults`).

import { describe, expect, it } from 'vitest';
import { CairnError } from '@cairn/core';
import type { SuiteContext } from './context.js';
import { T0, createInstance, createLeased, makeEvent, makeInstance, makeStep, mustGet, mustLoad, refOf } from './fixtures.js';
import type { StoreFaults } from './options.js';

function faultsOf(ctx: SuiteContext, skip: () => void): StoreFaults {
  if (!ctx.harness.faults) skip();
  return ctx.harness.faults!;
}

export function faultTests(ctx: SuiteContext): void {
  describe('fault mode: applied, then lost, then sent again', () => {
    lostAnswerTests(ctx);
    interleaveTests(ctx);
  });
}

function lostAnswerTests(ctx: SuiteContext): void {
  it('createInstance: the caller’s own new instance is created once, and no "already exists"', async (t) => {
    const faults = faultsOf(ctx, () => t.skip());
    const instance = makeInstance();
    faults.loseNextResponse();
    await ctx.store.createInstance({ instance });
    expect(await mustGet(ctx.store, instance)).toEqual(instance);
  });

  it('updateInstance: the patch lands once (version + 1) and the call returns it', async (t) => {
    const faults = faultsOf(ctx, () => t.skip());
    const before = await createInstance(ctx.store);
    faults.loseNextResponse();
    const updated = await ctx.store.updateInstance({ ...refOf(before), expectedVersion: before.version, patch: { status: 'running', wakeAt: T0 + 5 } });
    expect(updated).toMatchObject({ version: before.version + 1, status: 'running', wakeAt: T0 + 5 });
    expect(await mustGet(ctx.store, before)).toMatchObject({ version: before.version + 1, status: 'running' });
  });

  it('recordStep: one record, and the call reports it as recorded or as the existing record it wrote', async (t) => {
    const faults = faultsOf(ctx, () => t.skip());
    const leased = await createLeased(ctx.store);
    const step = makeStep({ id: 'do:lost-1' });
    faults.loseNextResponse();
    const result = await ctx.store.recordStep({ ...refOf(leased), leaseToken: leased.leaseToken, step });
    if (!result.recorded) expect(result.existing).toEqual(step);
    expect((await mustLoad(ctx.store, leased)).steps).toEqual([step]);
  });

  it('appendEvent: the event is stored once, eventSeq and version move by one', async (t) => {
    const faults = faultsOf(ctx, () => t.skip());
    const before = await createInstance(ctx.store);
    const event = makeEvent(T0, 'lost');
    faults.loseNextResponse();
    const after = await ctx.store.appendEvent({ ...refOf(before), event });
    expect(after.eventSeq).toBe(before.eventSeq + 1);
    const journal = await mustLoad(ctx.store, before);
    expect(journal.events).toEqual([event]);
    expect(journal.instance).toMatchObject({ eventSeq: before.eventSeq + 1, version: before.version + 1 });
  });

  it('claimNonce: the claim is the caller’s, and a second claim is refused', async (t) => {
    const faults = faultsOf(ctx, () => t.skip());
    if (!ctx.store.claimNonce) t.skip();
    faults.loseNextResponse();
    expect(await ctx.store.claimNonce!({ key: `lost-${Math.random()}`, expiresAt: T0 + 60_000, now: T0 })).toBe(true);
  });

  it('deleteInstance: the instance and its journal are gone, and the call does not fail', async (t) => {
    const faults = faultsOf(ctx, () => t.skip());
    const leased = await createLeased(ctx.store);
    await ctx.store.recordStep({ ...refOf(leased), leaseToken: leased.leaseToken, step: makeStep({ id: 'do:a-1' }) });
    faults.loseNextResponse();
    await ctx.store.deleteInstance(refOf(leased));
    expect(await ctx.store.getInstance(refOf(leased))).toBeNull();
  });
}

function interleaveTests(ctx: SuiteContext): void {
  it('updateInstance: another write landing between the lost answer and the resend is never taken for its own (VersionConflictError)', async (t) => {
    const faults = faultsOf(ctx, () => t.skip());
    const leased = await createLeased(ctx.store);
    // A runner renews its lease; its answer is lost; an event arrives; the renewal is sent again.
    faults.loseNextResponse({ interleave: () => ctx.store.appendEvent({ ...refOf(leased), event: makeEvent(T0, 'between') }) });
    const outcome = await ctx.store.updateInstance({ ...refOf(leased), expectedVersion: leased.version, patch: { leaseExpiresAt: T0 + 60_000 } }).then(
      (written) => ({ written }),
      (error: unknown) => ({ error }),
    );
    if ('error' in outcome) {
      expect(CairnError.is(outcome.error, 'version_conflict'), `expected VersionConflictError, got ${String(outcome.error)}`).toBe(true);
    } else {
      // Reported as applied: then it must be its own write (version + 1), never the record after the event, or
      // the runner's next compare-and-set succeeds and it never learns of the event.
      expect(outcome.written.version, 'a write reported as its own must be its own version, not a later writer’s').toBe(leased.version + 1);
    }
    expect((await mustLoad(ctx.store, leased)).events.map((event) => event.id)).toEqual([makeEvent(T0, 'between').id]);
  });

  it('deleteInstance crashing midway leaves the instance readable (a second delete finishes), or gone with every record', async (t) => {
    const faults = faultsOf(ctx, () => t.skip());
    for (let requests = 0; requests < 6; requests++) {
      const leased = await createLeased(ctx.store);
      for (let i = 0; i < 3; i++) await ctx.store.recordStep({ ...refOf(leased), leaseToken: leased.leaseToken, step: makeStep({ id: `do:s${i}-1` }) });
      await ctx.store.appendEvent({ ...refOf(leased), event: makeEvent(T0, 'e') });
      faults.failAfter(requests);
      await ctx.store.deleteInstance(refOf(leased)).catch(() => undefined);
      faults.heal();
      if ((await ctx.store.getInstance(refOf(leased))) !== null) {
        expect(await ctx.store.deleteInstance(refOf(leased))).toBe(true);
      }
      // Gone: the same id starts again with an empty journal (nothing of the deleted one is left behind).
      const again = makeInstance(refOf(leased));
      await ctx.store.createInstance({ instance: again });
      const journal = await mustLoad(ctx.store, again);
      expect(journal.steps, `after a crash past ${requests} requests`).toEqual([]);
      expect(journal.events).toEqual([]);
    }
  });
}
