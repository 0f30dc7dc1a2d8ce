// A user's workflow test: a week-long sleep and an approval with a timeout, run in virtual time.

import { afterEach, describe, expect, it } from 'vitest';
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { createTestEnvironment, type TestEnvironment } from '@cairn/testkit';

const DAY = 24 * 60 * 60 * 1000;
let charged = 0;

class Trial extends WorkflowEntrypoint<Record<string, unknown>, { user: string }> {
  async run(event: WorkflowEvent<{ user: string }>, step: WorkflowStep) {
    const started = await step.do('start trial', async () => ({ user: event.payload.user, at: Date.now() }));
    await step.sleep('trial period', '7 days');
    let decision: string;
    try {
      const answer = await step.waitForEvent<{ keep: boolean }>('ask to keep', { type: 'decision', timeout: '2 days' });
      decision = answer.payload.keep ? 'kept' : 'cancelled';
    } catch {
      decision = 'no answer';
    }
    if (decision === 'kept') await step.do('charge', async () => ++charged);
    return { user: started.user, decision };
  }
}

describe('a week-long workflow in virtual time', () => {
  let env: TestEnvironment;
  afterEach(() => env?.close());

  it('sleeps 7 days, waits for the decision, and completes in well under a second', async () => {
    const wallStart = performance.now();
    env = createTestEnvironment({ workflows: { TRIAL: Trial }, startTime: Date.UTC(2030, 0, 1) });
    env.disableSleeps();
    const instance = await env.create('TRIAL', { id: 'alice', params: { user: 'alice' } });

    const waiting = await env.waitForPendingEvent(instance, 'decision');
    expect(waiting.name).toBe('ask to keep');
    expect(env.clock.now()).toBe(Date.UTC(2030, 0, 8));
    expect(waiting.wakeAt).toBe(Date.UTC(2030, 0, 10));

    await env.sendEvent(instance, { type: 'decision', payload: { keep: true } });
    expect(await env.runToCompletion(instance)).toEqual({ status: 'complete', output: { user: 'alice', decision: 'kept' } });
    expect(charged).toBe(1);
    expect(env.clock.now() - Date.UTC(2030, 0, 1)).toBe(7 * DAY);

    const steps = await env.steps(instance);
    expect(steps.map((step) => [step.kind, step.name, step.state])).toEqual([
      ['do', 'start trial', 'completed'],
      ['sleep', 'trial period', 'completed'],
      ['wait', 'ask to keep', 'completed'],
      ['do', 'charge', 'completed'],
    ]);
    expect(steps[2]!.value).toEqual({ keep: true });
    expect(performance.now() - wallStart).toBeLessThan(1_000);
  });

  it('without an answer, the 2-day timeout passes in virtual time and the workflow goes on', async () => {
    const wallStart = performance.now();
    env = createTestEnvironment({ workflows: { TRIAL: Trial }, startTime: Date.UTC(2030, 0, 1) });
    env.disableSleeps();
    env.forceEventTimeout({ name: 'ask to keep' });
    const instance = await env.create('TRIAL', { params: { user: 'bob' } });
    expect(await env.runToCompletion(instance)).toEqual({ status: 'complete', output: { user: 'bob', decision: 'no answer' } });
    expect(env.clock.now()).toBe(Date.UTC(2030, 0, 10));
    const wait = (await env.steps(instance)).find((step) => step.kind === 'wait')!;
    expect(wait.state).toBe('failed');
    expect(wait.error?.name).toBe('WorkflowTimeoutError');
    expect(performance.now() - wallStart).toBeLessThan(1_000);
  });

  it('a test that forgets to allow the sleep gets a clear message instead of hanging', async () => {
    env = createTestEnvironment({ workflows: { TRIAL: Trial } });
    const instance = await env.create('TRIAL', { id: 'carol', params: { user: 'carol' } });
    await expect(env.runToCompletion(instance)).rejects.toThrow(/sleep "trial period" until .*disableSleeps/s);
  });
});
