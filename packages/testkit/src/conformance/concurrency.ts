// Real parallel calls on one instance: the store, not the caller, decides who wins.

import { describe, expect, it } from 'vitest';
import { CairnError, parseInstanceRecord, parseStepRecord, type InstanceRecord } from '@cairn/core';
import type { SuiteContext } from './context.js';
import { T0, createInstance, createLeased, makeEvent, makeInstance, makeStep, mustGet, mustLoad, refOf } from './fixtures.js';

export function concurrencyTests(ctx: SuiteContext): void {
  describe('concurrency', () => {
    raceTests(ctx);
    parallelTests(ctx);
  });
}

/** Concurrent calls on one id. */
function raceTests(ctx: SuiteContext): void {
  const n = () => ctx.options.concurrency;

  it('concurrent createInstance of one id: exactly one succeeds, the others get InstanceAlreadyExistsError', async () => {
    const base = makeInstance();
    const attempts = Array.from({ length: n() }, (_, i) => ({ ...base, params: `"writer ${i}"` }));
    const results = await Promise.allSettled(attempts.map((instance) => ctx.store.createInstance({ instance })));
    const winners = results.flatMap((result, i) => (result.status === 'fulfilled' ? [i] : []));
    expect(winners).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected') expect(CairnError.is(result.reason, 'instance_already_exists'), String(result.reason)).toBe(true);
    }
    expect(await mustGet(ctx.store, base)).toEqual(attempts[winners[0]!]);
  });

  it('concurrent recordStep of one id: exactly one is recorded, every other call returns that record', async () => {
    const leased = await createLeased(ctx.store);
    const steps = Array.from({ length: n() }, (_, i) => makeStep({ id: 'do:race-1', value: `"writer ${i}"`, recordedAt: T0 + i }));
    const results = await Promise.all(steps.map((step) => ctx.store.recordStep({ ...refOf(leased), leaseToken: leased.leaseToken, step })));
    const winners = results.flatMap((result, i) => (result.recorded ? [i] : []));
    expect(winners).toHaveLength(1);
    const winner = steps[winners[0]!]!;
    for (const result of results) if (!result.recorded) expect(parseStepRecord(result.existing)).toEqual(winner);
    expect((await mustLoad(ctx.store, leased)).steps).toEqual([winner]);
  });
}

/** Concurrent calls on distinct ids. */
function parallelTests(ctx: SuiteContext): void {
  const n = () => ctx.options.concurrency;

  it('concurrent recordStep of distinct ids: all are recorded', async () => {
    const leased = await createLeased(ctx.store);
    const steps = Array.from({ length: n() }, (_, i) => makeStep({ id: `do:branch${i}-1`, recordedAt: T0 + i }));
    const results = await Promise.all(steps.map((step) => ctx.store.recordStep({ ...refOf(leased), leaseToken: leased.leaseToken, step })));
    expect(results.every((result) => result.recorded)).toBe(true);
    const journal = await mustLoad(ctx.store, leased);
    expect(journal.steps).toHaveLength(steps.length);
    expect(new Set(journal.steps.map((step) => step.id))).toEqual(new Set(steps.map((step) => step.id)));
  });

  // Only provable where the service isolates transactions (see the `isolatedTransactions` option).
  if (ctx.options.isolatedTransactions) {
    it('concurrent updateInstance at the same expectedVersion: exactly one succeeds, the others get VersionConflictError', async () => {
      const before = await createInstance(ctx.store);
      const results = await Promise.allSettled(
        Array.from({ length: n() }, (_, i) =>
          ctx.store.updateInstance({ ...refOf(before), expectedVersion: before.version, patch: { leaseOwner: `runner-${i}`, wakeSeq: i } }),
        ),
      );
      const winners = results.flatMap((result, i) => (result.status === 'fulfilled' ? [i] : []));
      expect(winners).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected') expect(CairnError.is(result.reason, 'version_conflict'), String(result.reason)).toBe(true);
      }
      const i = winners[0]!;
      expect(await mustGet(ctx.store, before)).toEqual({ ...before, leaseOwner: `runner-${i}`, wakeSeq: i, version: before.version + 1 });
    });

    it('concurrent appendEvent: every event is stored, eventSeq equals the count, each call saw at least its own increment', async () => {
      const before = await createInstance(ctx.store);
      const events = Array.from({ length: n() }, (_, i) => makeEvent(T0 + i, `p${String(i).padStart(3, '0')}`));
      const returned = await Promise.all(events.map((event) => ctx.store.appendEvent({ ...refOf(before), event })));
      // Each call returns the instance after its own increment; later ones by other calls may show too.
      for (const instance of returned) expect(parseInstanceRecord(instance).eventSeq).toBeGreaterThanOrEqual(1);
      expect(Math.max(...returned.map((instance) => instance.eventSeq))).toBe(events.length);
      const journal = await mustLoad(ctx.store, before);
      expect(journal.events).toEqual(events);
      expect(journal.instance.eventSeq).toBe(events.length);
      expect(journal.instance.version).toBe(before.version + events.length);
    });

    it('appendEvent racing a compare-and-set loses neither: the count and the patch both land', async () => {
      const before = await createLeased(ctx.store);
      const events = Array.from({ length: n() }, (_, i) => makeEvent(T0 + i, `r${String(i).padStart(3, '0')}`));
      // A runner's release, retried on conflict as the engine does.
      const release = async (): Promise<InstanceRecord> => {
        let current = before;
        for (;;) {
          try {
            return await ctx.store.updateInstance({ ...refOf(before), expectedVersion: current.version, patch: { leaseOwner: null, status: 'waiting' } });
          } catch (error) {
            if (!CairnError.is(error, 'version_conflict')) throw error;
            current = await mustGet(ctx.store, before);
          }
        }
      };
      await Promise.all([release(), ...events.map((event) => ctx.store.appendEvent({ ...refOf(before), event }))]);
      const after = await mustLoad(ctx.store, before);
      expect(after.events).toHaveLength(events.length);
      expect(after.instance.eventSeq).toBe(events.length);
      expect(after.instance.version).toBe(before.version + events.length + 1);
      expect(after.instance.leaseOwner).toBeNull();
      expect(after.instance.status).toBe('waiting');
    });
  }
}
