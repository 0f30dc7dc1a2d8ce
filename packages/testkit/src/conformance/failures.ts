// Service failures: every method of a store that cannot reach its service rejects with an AdapterError
// (code store_error) that keeps the underlying cause. Registered only when `unreachableStore` is given.

import { describe, expect, it } from 'vitest';
import { CairnError, type WorkflowStore } from '@cairn/core';
import type { SuiteContext } from './context.js';
import { T0, makeEvent, makeInstance, makeStep } from './fixtures.js';

export function failureTests(ctx: SuiteContext): void {
  const open = ctx.options.unreachableStore;
  if (!open) return;
  describe('service failures', () => {
    const ref = { workflowName: 'conformance', instanceId: 'unreachable' };
    const calls: Array<[string, (store: WorkflowStore) => Promise<unknown>]> = [
      ['createInstance', (store) => store.createInstance({ instance: makeInstance(ref) })],
      ['getInstance', (store) => store.getInstance(ref)],
      ['loadJournal', (store) => store.loadJournal(ref)],
      ['updateInstance', (store) => store.updateInstance({ ...ref, expectedVersion: 0, patch: { status: 'running' } })],
      ['recordStep', (store) => store.recordStep({ ...ref, leaseToken: 1, step: makeStep({ id: 'do:x-1' }) })],
      ['appendEvent', (store) => store.appendEvent({ ...ref, event: makeEvent(T0, 'x') })],
      ['listInstances', (store) => store.listInstances({})],
      ['listDueInstances', (store) => store.listDueInstances({ now: T0, limit: 10 })],
      ['deleteInstance', (store) => store.deleteInstance(ref)],
    ];
    for (const [method, call] of calls) {
      it(`${method} fails with an AdapterError keeping the cause`, async () => {
        const store = await open();
        let failure: unknown;
        try {
          await call(store);
        } catch (error) {
          failure = error;
        } finally {
          await store.close?.().catch(() => undefined);
        }
        expect(CairnError.is(failure, 'store_error'), `expected an AdapterError, got ${String(failure)}`).toBe(true);
        expect((failure as Error).name).toBe('AdapterError');
        expect((failure as Error).cause, 'the AdapterError keeps the service error as `cause`').toBeDefined();
      });
    }
  });
}
