// The testkit reports an instance's status exactly as `instance.status()` does (one definition in core):
// an instance whose rollbacks ran carries `rollback` beside its error, not inside it.

import { afterEach, expect, it } from 'vitest';
import { WorkflowEntrypoint, type WorkflowStep } from '@cairn/core';
import { createTestEnvironment, type TestEnvironment } from '@cairn/testkit';

class Saga extends WorkflowEntrypoint {
  async run(_event: unknown, step: WorkflowStep) {
    await step.do('reserve', async () => 'hold-1', { rollback: async () => undefined });
    await step.do('charge', { retries: { limit: 0, delay: 0 } }, async () => {
      throw new Error('card declined');
    });
  }
}

let env: TestEnvironment | undefined;
afterEach(() => env?.close());

it('a rolled-back instance has the same status shape from the testkit and from instance.status()', async () => {
  env = createTestEnvironment({ workflows: { SAGA: Saga } });
  const instance = await env.create('SAGA', { id: 'saga-1' });
  const fromTestkit = await env.runToCompletion(instance);
  const fromInstance = await instance.status();
  expect(fromInstance).toEqual({
    status: 'errored',
    error: { name: 'Error', message: 'card declined' },
    rollback: { outcome: 'complete', error: null },
  });
  expect(fromTestkit).toStrictEqual(fromInstance);
});
