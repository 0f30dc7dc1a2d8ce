// Races the store must decide at the moment of the write, not on an earlier read: a takeover landing while an
// old lease holder's recordStep is in flight. A store that checks the lease on a read taken before an await
// passes every sequential test and still lands a step after the takeover; these tests catch it by racing the
// two calls at many offsets and checking what the new lease holder saw.

import { describe, expect, it } from 'vitest';
import { CairnError } from '@cairn/core';
import type { SuiteContext } from './context.js';
import { T0, acquireLease, createLeased, makeStep, mustLoad, refOf } from './fixtures.js';

const ROUNDS = 40;

/** Yields `turns` times to the event loop (microtasks and I/O), so the two calls start at different offsets. */
async function yieldTurns(turns: number): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (i % 2 === 0) await Promise.resolve();
    else await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

export function raceTests(ctx: SuiteContext): void {
  describe('races', () => {
    // The lease read and the step write must be one isolated transaction (see the `isolatedTransactions` option).
    it.runIf(ctx.options.isolatedTransactions)(
      'a takeover racing recordStep: a step reported recorded is in the journal the new holder loads; a refused one never lands',
      async () => {
        let recordedBefore = 0;
        let refused = 0;
        for (let round = 0; round < ROUNDS; round++) {
          const old = await createLeased(ctx.store);
          const step = makeStep({ id: `do:race-${round}-1` });
          const record = (async () => {
            await yieldTurns(round % 5);
            return ctx.store.recordStep({ ...refOf(old), leaseToken: old.leaseToken, step });
          })().then(
            (result) => ({ result }),
            (error: unknown) => ({ error }),
          );
          await yieldTurns(Math.floor(round / 5) % 8);
          // The new runner: takes the lease (a new token), then loads the journal it will replay.
          const taken = await acquireLease(ctx.store, old, 'runner-b');
          const seen = await mustLoad(ctx.store, taken);
          const outcome = await record;
          const seenIds = seen.steps.map((one) => one.id);
          if ('result' in outcome) {
            if (outcome.result.recorded) {
              recordedBefore++;
              expect(seenIds, `round ${round}: recordStep reported recorded but the step landed after the takeover`).toContain(step.id);
            }
          } else {
            refused++;
            expect(CairnError.is(outcome.error, 'lease_lost'), `round ${round}: expected LeaseLostError, got ${String(outcome.error)}`).toBe(true);
            expect(seenIds).not.toContain(step.id);
            expect(
              (await mustLoad(ctx.store, taken)).steps.map((one) => one.id),
              `round ${round}: a refused step landed`,
            ).not.toContain(step.id);
          }
        }
        // Both orders are legal; a run where one never happens proves less, but is not a failure of the store.
        expect(recordedBefore + refused).toBe(ROUNDS);
      },
    );

    it('a takeover racing many recordSteps of the old holder: after it, the journal never grows with old-token steps', async () => {
      const old = await createLeased(ctx.store);
      const writes = Array.from({ length: ctx.options.concurrency }, (_, i) =>
        (async () => {
          await yieldTurns(i % 6);
          return ctx.store.recordStep({ ...refOf(old), leaseToken: old.leaseToken, step: makeStep({ id: `do:burst${i}-1`, recordedAt: T0 + i }) });
        })().catch((error: unknown) => error),
      );
      await yieldTurns(3);
      const taken = await acquireLease(ctx.store, old, 'runner-b');
      const seen = await mustLoad(ctx.store, taken);
      await Promise.all(writes);
      const after = await mustLoad(ctx.store, taken);
      expect(after.steps.map((one) => one.id)).toEqual(seen.steps.map((one) => one.id));
    });
  });
}
