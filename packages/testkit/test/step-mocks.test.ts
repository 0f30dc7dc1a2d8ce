// mockStepResult, mockStepError, forceStepTimeout, disableRetryDelays and the step history they leave.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { NonRetryableError, WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { createTestEnvironment, type TestEnvironment } from '@cairn/testkit';

const T0 = Date.UTC(2030, 0, 1);
const chargeCard = vi.fn(async (amount: number) => ({ receipt: `r-${amount}` }));
const lookup = vi.fn(async (n: number) => `real ${n}`);

class Checkout extends WorkflowEntrypoint<Record<string, unknown>, { amount: number }> {
  async run(event: WorkflowEvent<{ amount: number }>, step: WorkflowStep) {
    const first = await step.do('lookup', () => lookup(1));
    const second = await step.do('lookup', () => lookup(2));
    const receipt = await step.do('charge', { retries: { limit: 3, delay: '1 minute', backoff: 'exponential' }, timeout: '30 seconds' }, () =>
      chargeCard(event.payload.amount),
    );
    let shipped: string;
    try {
      shipped = await step.do('ship', { retries: { limit: 2, delay: '10 seconds' } }, async () => 'shipped');
    } catch (error) {
      shipped = `not shipped: ${(error as Error).message}`;
    }
    return { first, second, receipt, shipped };
  }
}

describe('step mocks', () => {
  let env: TestEnvironment;
  afterEach(async () => {
    await env?.close();
    chargeCard.mockClear();
    lookup.mockClear();
  });
  const start = () => {
    env = createTestEnvironment({ workflows: { CHECKOUT: Checkout }, startTime: T0 });
    return env;
  };

  it('mockStepResult replaces the callback; `count` picks one call of a repeated name', async () => {
    start();
    env.mockStepResult({ name: 'charge' }, { receipt: 'mocked' });
    env.mockStepResult({ name: 'lookup', count: 2 }, 'mocked 2');
    const instance = await env.create('CHECKOUT', { params: { amount: 5 } });
    const status = await env.runToCompletion(instance);
    expect(status.output).toEqual({ first: 'real 1', second: 'mocked 2', receipt: { receipt: 'mocked' }, shipped: 'shipped' });
    expect(chargeCard).not.toHaveBeenCalled();
    expect(lookup).toHaveBeenCalledTimes(1);
    const charge = (await env.steps(instance)).find((step) => step.name === 'charge')!;
    expect(charge).toMatchObject({ state: 'completed', attempts: 1, value: { receipt: 'mocked' } });
  });

  it('mockStepError fails the first attempts; retries run after the (skipped) delays and the real callback wins', async () => {
    start();
    env.disableRetryDelays();
    env.mockStepError({ name: 'charge' }, new Error('card declined'), 2);
    const instance = await env.create('CHECKOUT', { params: { amount: 7 } });
    const result = await env.waitForStepResult(instance, { name: 'charge' });
    expect(result).toMatchObject({ state: 'completed', attempts: 3, value: { receipt: 'r-7' } });
    expect(result.attemptErrors).toEqual([
      { attempt: 1, name: 'Error', message: 'card declined' },
      { attempt: 2, name: 'Error', message: 'card declined' },
    ]);
    expect(chargeCard).toHaveBeenCalledTimes(1);
    // Exponential backoff: 1 minute, then 2 minutes, in virtual time only.
    expect(env.clock.now() - T0).toBe(3 * 60_000);
    expect((await env.runToCompletion(instance)).status).toBe('complete');
  });

  it("an error on every attempt exhausts the retries and reaches the workflow's catch", async () => {
    start();
    env.disableRetryDelays();
    env.mockStepError({ name: 'ship' }, new TypeError('no courier'));
    const instance = await env.create('CHECKOUT', { params: { amount: 1 } });
    const status = await env.runToCompletion(instance);
    expect(status.output).toMatchObject({ shipped: 'not shipped: no courier' });
    const ship = (await env.steps(instance)).find((step) => step.name === 'ship')!;
    expect(ship).toMatchObject({ state: 'failed', attempts: 3, error: { name: 'TypeError', message: 'no courier' } });
    expect(ship.attemptErrors.map((one) => one.attempt)).toEqual([1, 2]);
  });

  it('a NonRetryableError mock fails the step at once', async () => {
    start();
    env.mockStepError({ name: 'ship' }, new NonRetryableError('address invalid'));
    const instance = await env.create('CHECKOUT', { params: { amount: 1 } });
    const status = await env.runToCompletion(instance);
    expect(status.output).toMatchObject({ shipped: 'not shipped: address invalid' });
    expect((await env.steps(instance)).find((step) => step.name === 'ship')).toMatchObject({ state: 'failed', attempts: 1 });
  });

  it('without disableRetryDelays, a retry waiting a minute stops the run with a message that names it', async () => {
    start();
    env.mockStepError({ name: 'charge' }, new Error('declined'), 1);
    const instance = await env.create('CHECKOUT', { params: { amount: 2 } });
    await expect(env.runToCompletion(instance)).rejects.toThrow(/retry of step "charge" \(attempt 2\)/);
    await env.advance('1 minute');
    expect((await env.runToCompletion(instance)).status).toBe('complete');
  });

  it('forceStepTimeout makes an attempt run into the step timeout (virtual time), and the retry succeeds', async () => {
    start();
    env.disableRetryDelays();
    env.forceStepTimeout({ name: 'charge' }, 1);
    const instance = await env.create('CHECKOUT', { params: { amount: 9 } });
    const charge = await env.waitForStepResult(instance, { name: 'charge' });
    expect(charge).toMatchObject({ state: 'completed', attempts: 2, value: { receipt: 'r-9' } });
    expect(charge.attemptErrors).toEqual([{ attempt: 1, name: 'WorkflowTimeoutError', message: 'Execution timed out after 30000ms' }]);
    expect(env.clock.now() - T0).toBe(30_000 + 60_000);
  });

  it('forceStepTimeout on every attempt fails the workflow with a WorkflowTimeoutError', async () => {
    start();
    env.disableRetryDelays();
    env.forceStepTimeout({ name: 'charge' });
    const instance = await env.create('CHECKOUT', { params: { amount: 9 } });
    const status = await env.runToCompletion(instance);
    expect(status).toEqual({ status: 'errored', error: { name: 'WorkflowTimeoutError', message: 'Execution timed out after 30000ms' } });
    expect(chargeCard).not.toHaveBeenCalled();
    const charge = (await env.steps(instance)).find((step) => step.name === 'charge')!;
    expect(charge.attempts).toBe(4);
  });

  it('mocks are scoped by instance, and resetMocks drops them', async () => {
    start();
    env.mockStepResult({ name: 'charge', instanceId: 'mocked' }, { receipt: 'fake' });
    const mocked = await env.create('CHECKOUT', { id: 'mocked', params: { amount: 1 } });
    const real = await env.create('CHECKOUT', { id: 'real', params: { amount: 2 } });
    expect((await env.runToCompletion(mocked)).output).toMatchObject({ receipt: { receipt: 'fake' } });
    expect((await env.runToCompletion(real)).output).toMatchObject({ receipt: { receipt: 'r-2' } });
    env.mockStepResult({ name: 'charge' }, { receipt: 'everywhere' });
    env.resetMocks();
    const after = await env.create('CHECKOUT', { id: 'after-reset', params: { amount: 3 } });
    expect((await env.runToCompletion(after)).output).toMatchObject({ receipt: { receipt: 'r-3' } });
  });
});
