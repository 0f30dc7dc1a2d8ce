// Corruption: a stored record that does not parse surfaces as a typed error naming its instance, never as data,
// and a listing goes on with the other instances. Runs when the harness can damage a record (`corrupt`).

import { describe, expect, it } from 'vitest';
import { CairnError } from '@cairn/core';
import type { SuiteContext } from './context.js';
import { createInstance, refOf } from './fixtures.js';

export function corruptionTests(ctx: SuiteContext): void {
  describe('corrupt records', () => {
    it('reading a damaged instance fails with a typed error naming it; listing still shows the others', async (t) => {
      if (!ctx.harness.corrupt) t.skip();
      const sound = await createInstance(ctx.store, { workflowName: 'conformance-corrupt' });
      const damaged = await createInstance(ctx.store, { workflowName: 'conformance-corrupt' });
      await ctx.harness.corrupt!(refOf(damaged));
      // One read at a time: a second read started early would reject while the first is awaited.
      for (const read of [() => ctx.store.getInstance(refOf(damaged)), () => ctx.store.loadJournal(refOf(damaged))]) {
        const failure = await read().then(
          (value) => ({ value }),
          (error: unknown) => error,
        );
        expect(CairnError.is(failure, 'corrupt_record') || CairnError.is(failure, 'store_error'), `a typed error, got ${JSON.stringify(failure)}`).toBe(true);
        if (CairnError.is(failure, 'corrupt_record')) expect(failure.message).toContain(damaged.instanceId);
      }
      const page = await ctx.store.listInstances({ workflowName: 'conformance-corrupt' });
      expect(page.instances.map((instance) => instance.instanceId)).toContain(sound.instanceId);
      expect(page.instances.map((instance) => instance.instanceId)).not.toContain(damaged.instanceId);
    });
  });
}
