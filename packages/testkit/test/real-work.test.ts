// Virtual time must not move under a step callback doing real asynchronous work.

import { afterEach, describe, expect, it } from 'vitest';
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { createTestEnvironment, type TestEnvironment } from '@cairn/testkit';

class Parallel extends WorkflowEntrypoint {
  async run(_event: WorkflowEvent<unknown>, step: WorkflowStep) {
    const [fetched] = await Promise.all([
      step.do('fetch', { timeout: '1 second', retries: { limit: 0 } }, async () => {
        await new Promise((resolve) => setTimeout(resolve, 40));
        return 'fetched';
      }),
      step.sleep('cool down', '1 day'),
    ]);
    await step.sleep('short', 200);
    return fetched;
  }
}

describe('real work and virtual time', () => {
  let env: TestEnvironment;
  afterEach(() => env?.close());

  it('a parallel sleep is skipped only after the real callback finished; a short in-process sleep is skipped too', async () => {
    env = createTestEnvironment({ workflows: { PARALLEL: Parallel }, startTime: 0 });
    env.disableSleeps();
    const instance = await env.create('PARALLEL');
    expect(await env.runToCompletion(instance)).toEqual({ status: 'complete', output: 'fetched' });
    expect(env.clock.now()).toBe(24 * 3_600_000 + 200);
    expect((await env.steps(instance)).map((step) => [step.name, step.state])).toEqual([
      ['fetch', 'completed'],
      ['cool down', 'completed'],
      ['short', 'completed'],
    ]);
  });

  it('with timeSkipping, everything passes; runUntilIdle stops when nothing is left', async () => {
    env = createTestEnvironment({ workflows: { PARALLEL: Parallel }, startTime: 0, timeSkipping: true });
    const instance = await env.create('PARALLEL');
    await env.runUntilIdle();
    expect((await instance.status()).status).toBe('complete');
  });
});
