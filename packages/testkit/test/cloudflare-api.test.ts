// Cloudflare's test API beyond what the ported fixture exercises: scoping to one instance or to instances
// created after introspectWorkflow, Cloudflare's rules for mocking one step twice and for consecutive error and
// timeout mocks, dispose, errors as Cloudflare's RPC reports them, and bad input.
import { afterEach, describe, expect, it } from 'vitest';
import { CairnError, NonRetryableError, WorkflowEntrypoint, createMemoryStore, createRuntime, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { createTestEnvironment, introspectWorkflow, introspectWorkflowInstance, type TestEnvironment } from '@cairn/testkit';

class Charge extends WorkflowEntrypoint {
  async run(_event: WorkflowEvent<unknown>, step: WorkflowStep) {
    const attempts: number[] = [];
    const charged = await step.do('charge', { retries: { limit: 5, delay: '1 minute', backoff: 'constant' }, timeout: '1 minute' }, async (ctx) => {
      attempts.push(ctx.attempt);
      return { real: true, attempt: ctx.attempt };
    });
    return { charged };
  }
}

class Custom extends WorkflowEntrypoint {
  async run(_event: WorkflowEvent<unknown>, step: WorkflowStep) {
    await step.do('fail', { retries: { limit: 0, delay: 0 } }, async () => {
      throw new NonRetryableError('card declined');
    });
  }
}

class Typed extends WorkflowEntrypoint {
  async run() {
    throw new TypeError('not a number');
  }
}

let environment: TestEnvironment;
afterEach(async () => environment?.close());

const setup = () => (environment = createTestEnvironment({ workflows: { CHARGE: Charge, CUSTOM: Custom, TYPED: Typed } }));

describe("Cloudflare's test API", () => {
  it('introspectWorkflowInstance mocks only its own instance', async () => {
    const { runtime } = setup();
    await using one = await introspectWorkflowInstance(runtime.env.CHARGE, 'one');
    await one.modify(async (m) => m.mockStepResult({ name: 'charge' }, { mocked: true }));
    await runtime.env.CHARGE.create({ id: 'one' });
    await runtime.env.CHARGE.create({ id: 'two' });
    await using two = await introspectWorkflowInstance(runtime.env.CHARGE, 'two');
    expect(await one.waitForStepResult({ name: 'charge' })).toEqual({ mocked: true });
    expect(await two.waitForStepResult({ name: 'charge' })).toEqual({ real: true, attempt: 1 });
  });

  it('error and timeout mocks take consecutive attempts, then the result mock answers', async () => {
    const { runtime } = setup();
    await using instance = await introspectWorkflowInstance(runtime.env.CHARGE, 'c');
    await instance.modify(async (m) => {
      await m.mockStepError({ name: 'charge' }, new Error('flaky'), 2);
      await m.forceStepTimeout({ name: 'charge' }, 1);
      await m.mockStepResult({ name: 'charge' }, { mocked: 'after three failures' });
    });
    await runtime.env.CHARGE.create({ id: 'c' });
    await instance.waitForStatus('complete');
    expect(await instance.getOutput()).toEqual({ charged: { mocked: 'after three failures' } });
    const [entry] = await environment.steps('c');
    expect(entry!.attemptErrors.map((e) => [e.attempt, e.name, e.message])).toEqual([
      [1, 'Error', 'flaky'],
      [2, 'Error', 'flaky'],
      [3, 'WorkflowTimeoutError', 'Execution timed out after 60000ms'],
    ]);
  });

  it("mocking a step's result twice, or its error after its result, throws Cloudflare's messages", async () => {
    const { runtime } = setup();
    await using instance = await introspectWorkflowInstance(runtime.env.CHARGE, 'x');
    await expect(
      instance.modify(async (m) => {
        await m.mockStepResult({ name: 'charge' }, 1);
        await m.mockStepResult({ name: 'charge' }, 2);
      }),
    ).rejects.toThrow("[WorkflowIntrospector] Trying to mock step 'charge' multiple times!");
    await expect(instance.modify(async (m) => m.mockStepError({ name: 'charge' }, new Error('late')))).rejects.toThrow(
      "[WorkflowIntrospector] Trying to mock error on step 'charge' after mocking its result!",
    );
    // index 2 is another step: allowed
    await instance.modify(async (m) => m.mockStepResult({ name: 'charge', index: 2 }, 3));
  });

  it('introspectWorkflow sees and modifies only instances created after it started; dispose removes its mocks', async () => {
    const { runtime } = setup();
    await runtime.env.CHARGE.create({ id: 'before' });
    const introspector = await introspectWorkflow(runtime.env.CHARGE);
    await introspector.modifyAll(async (m) => m.mockStepResult({ name: 'charge' }, { mocked: true }));
    await runtime.env.CHARGE.createBatch([{ id: 'a' }, { id: 'b' }]);
    await runtime.env.CUSTOM.create({ id: 'other-workflow' });
    const instances = await introspector.get();
    expect(instances).toHaveLength(2);
    for (const instance of instances) expect(await instance.waitForStepResult({ name: 'charge' })).toEqual({ mocked: true });
    expect(await environment.runToCompletion('before')).toEqual({ status: 'complete', output: { charged: { real: true, attempt: 1 } } });
    await introspector.dispose();
    await runtime.env.CHARGE.create({ id: 'after' });
    expect(await environment.runToCompletion('after')).toEqual({ status: 'complete', output: { charged: { real: true, attempt: 1 } } });
  });

  it('dispose terminates an instance that still runs', async () => {
    const { runtime } = setup();
    const instance = await introspectWorkflowInstance(runtime.env.CHARGE, 'hung');
    await instance.modify(async (m) => m.mockStepError({ name: 'charge' }, new Error('down')));
    await runtime.env.CHARGE.create({ id: 'hung' });
    await environment.settle();
    expect((await (await runtime.env.CHARGE.get('hung')).status()).status).not.toBe('complete');
    await instance.dispose();
    expect((await (await runtime.env.CHARGE.get('hung')).status()).status).toBe('terminated');
  });

  it("getError names errors as Cloudflare's RPC does: built-in types kept, other classes 'Error'", async () => {
    const { runtime } = setup();
    await using custom = await introspectWorkflowInstance(runtime.env.CUSTOM, 'c');
    await using typed = await introspectWorkflowInstance(runtime.env.TYPED, 't');
    await runtime.env.CUSTOM.create({ id: 'c' });
    await runtime.env.TYPED.create({ id: 't' });
    await custom.waitForStatus('errored');
    await typed.waitForStatus('errored');
    expect(await custom.getError()).toEqual({ name: 'Error', message: 'card declined' });
    expect(await typed.getError()).toEqual({ name: 'TypeError', message: 'not a number' });
    await expect(custom.getOutput()).rejects.toThrow('Cannot retrieve output: Workflow instance is in status "errored"');
    await expect(custom.waitForStatus('complete')).rejects.toThrow(
      "[WorkflowIntrospector] The Workflow instance c has reached status 'errored'. This is a finite status that prevents it from ever reaching the expected status of 'complete'.",
    );
  });

  it('bad input: a binding not from a test environment, a bad selector or times', async () => {
    const { runtime } = setup();
    const plain = createRuntime({ store: createMemoryStore(), workflows: { CHARGE: Charge } });
    const notTest = await introspectWorkflowInstance(plain.env.CHARGE, 'x').catch((e: unknown) => e);
    expect(CairnError.is(notTest, 'invalid_input')).toBe(true);
    expect((notTest as Error).message).toContain('a Workflow binding of a test environment');
    await plain.close();
    await using instance = await introspectWorkflowInstance(runtime.env.CHARGE, 'x');
    for (const bad of [
      (m: Parameters<Parameters<typeof instance.modify>[0]>[0]) => m.mockStepResult({ name: 'charge', index: 0 }, 1),
      (m: Parameters<Parameters<typeof instance.modify>[0]>[0]) => m.mockStepError({ name: 'charge' }, new Error('x'), 0),
      (m: Parameters<Parameters<typeof instance.modify>[0]>[0]) => m.disableSleeps({ name: 'x' } as never),
    ]) {
      const error = await instance.modify(async (m) => bad(m)).catch((e: unknown) => e);
      expect(CairnError.is(error, 'invalid_input')).toBe(true);
    }
  });
});
