// mockEvent, sendEvent, forceEventTimeout and event timeouts under time skipping.

import { afterEach, describe, expect, it } from 'vitest';
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { createTestEnvironment, type TestEnvironment } from '@cairn/testkit';

const T0 = Date.UTC(2030, 5, 1);

class Approval extends WorkflowEntrypoint {
  async run(_event: WorkflowEvent<unknown>, step: WorkflowStep) {
    const first = await step.waitForEvent<{ by: string }>('first approval', { type: 'approved', timeout: '1 hour' });
    try {
      const second = await step.waitForEvent<{ by: string }>('second approval', { type: 'approved', timeout: '3 days' });
      return { approvers: [first.payload.by, second.payload.by] };
    } catch (error) {
      return { approvers: [first.payload.by], late: (error as Error).name };
    }
  }
}

describe('events', () => {
  let env: TestEnvironment;
  afterEach(() => env?.close());

  it('mockEvent delivers to instances created later, and each wait takes one event in order', async () => {
    env = createTestEnvironment({ workflows: { APPROVAL: Approval }, startTime: T0 });
    await env.mockEvent({ type: 'approved', payload: { by: 'ann' } });
    await env.mockEvent({ type: 'approved', payload: { by: 'ben' } }, { instanceId: 'two' });
    const one = await env.create('APPROVAL', { id: 'one' });
    const two = await env.create('APPROVAL', { id: 'two' });
    env.forceEventTimeout({ name: 'second approval' });
    expect((await env.runToCompletion(two)).output).toEqual({ approvers: ['ann', 'ben'] });
    expect((await env.runToCompletion(one)).output).toEqual({ approvers: ['ann'], late: 'WorkflowTimeoutError' });
    expect(env.clock.now()).toBe(T0 + 3 * 24 * 3_600_000);
  });

  it('mockEvent reaches an instance already waiting', async () => {
    env = createTestEnvironment({ workflows: { APPROVAL: Approval }, startTime: T0 });
    const instance = await env.create('APPROVAL');
    expect((await env.waitForStatus(instance, 'waiting')).status).toBe('waiting');
    await env.mockEvent({ type: 'approved', payload: { by: 'cy' } }, { workflow: 'APPROVAL' });
    const pending = await env.waitForPendingEvent(instance, 'approved');
    expect(pending.name).toBe('second approval');
    await env.sendEvent(instance.id, { type: 'approved', payload: { by: 'dee' } });
    expect((await env.runToCompletion(instance)).output).toEqual({ approvers: ['cy', 'dee'] });
    const steps = await env.steps(instance);
    expect(steps.map((step) => [step.name, step.state, step.value])).toEqual([
      ['first approval', 'completed', { by: 'cy' }],
      ['second approval', 'completed', { by: 'dee' }],
    ]);
    expect(env.clock.now()).toBe(T0);
  });

  it('an uncaught event timeout errors the instance; with timeSkipping the hour passes at once', async () => {
    env = createTestEnvironment({ workflows: { APPROVAL: Approval }, startTime: T0, timeSkipping: true });
    const instance = await env.create('APPROVAL');
    const status = await env.runToCompletion(instance);
    expect(status.status).toBe('errored');
    expect(status.error?.name).toBe('WorkflowTimeoutError');
    expect(env.clock.now()).toBe(T0 + 3_600_000);
    expect(await env.steps(instance)).toMatchObject([{ name: 'first approval', state: 'failed', eventType: 'approved' }]);
  });

  it('an event wait with no event and no skipping says what it waits for', async () => {
    env = createTestEnvironment({ workflows: { APPROVAL: Approval }, startTime: T0 });
    const instance = await env.create('APPROVAL');
    await expect(env.runToCompletion(instance)).rejects.toThrow(/waitForEvent "first approval" \(type "approved"\) until 2030-06-01T01:00/);
    await env.advance('1 hour');
    expect((await env.runToCompletion(instance)).status).toBe('errored');
  });
});
