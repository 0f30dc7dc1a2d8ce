// Edges a port from Cloudflare notices, as Cloudflare's engine behaves: the step context, params null, the
// wait timeout's message, run() returning a function, event.workflowName, and Cloudflare's messages.
import { describe, expect, it } from 'vitest';
import { CairnError, WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep, type WorkflowStepContext } from '@cairn/core';
import { virtualRuntime } from './support/harness.js';

describe("Cloudflare's edges", () => {
  it('the step context is a plain object a step may return; config keeps durations as given; signal is not enumerable', async () => {
    let signal: unknown;
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint {
        async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
          const plain = await step.do('plain', async (ctx: WorkflowStepContext) => ctx);
          const given = await step.do('given', { timeout: '10 seconds', retries: { limit: 2, delay: '1 second' } }, async (ctx) => {
            signal = ctx.signal;
            return { ctx, keys: Object.keys(ctx), proto: Object.getPrototypeOf(ctx) === Object.prototype };
          });
          return { plain, given };
        }
      },
    });
    const status = await h.until(await h.runtime.workflow('W').create());
    expect(status.output).toEqual({
      plain: { step: { name: 'plain', count: 1 }, attempt: 1, config: { retries: { limit: 5, delay: 1000, backoff: 'exponential' }, timeout: '10 minutes' } },
      given: {
        ctx: {
          step: { name: 'given', count: 1 },
          attempt: 1,
          config: { retries: { limit: 2, delay: '1 second', backoff: 'exponential' }, timeout: '10 seconds' },
        },
        keys: ['step', 'attempt', 'config'],
        proto: true,
      },
    });
    expect(signal).toBeInstanceOf(AbortSignal);
  });

  it('create({ params: null }) gives event.payload === null; {} only when no params are given', async () => {
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint {
        async run(event: WorkflowEvent<unknown>) {
          return { isNull: event.payload === null, payload: event.payload };
        }
      },
    });
    const binding = h.runtime.workflow('W');
    expect((await h.until(await binding.create({ params: null }))).output).toEqual({ isNull: true, payload: null });
    expect((await h.until(await binding.create())).output).toEqual({ isNull: false, payload: {} });
    expect((await h.until(await binding.create({ id: 'no-params' }))).output).toEqual({ isNull: false, payload: {} });
  });

  it("a waitForEvent timeout says 'Execution timed out after <N>ms' (WorkflowTimeoutError), caught or not", async () => {
    const h = virtualRuntime({
      CAUGHT: class extends WorkflowEntrypoint {
        async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
          try {
            await step.waitForEvent('approval', { type: 'approved', timeout: '2 seconds' });
          } catch (error) {
            return `${(error as Error).name}: ${(error as Error).message}`;
          }
        }
      },
      UNCAUGHT: class extends WorkflowEntrypoint {
        async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
          await step.waitForEvent('approval', { type: 'approved', timeout: 2000 });
        }
      },
    });
    expect((await h.until(await h.runtime.workflow('CAUGHT').create())).output).toBe('WorkflowTimeoutError: Execution timed out after 2000ms');
    expect(await h.until(await h.runtime.workflow('UNCAUGHT').create())).toEqual({
      status: 'errored',
      error: { name: 'WorkflowTimeoutError', message: 'Execution timed out after 2000ms' },
    });
  });

  it('run() returning a function completes with output null', async () => {
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint {
        async run() {
          return () => 'not serialisable';
        }
      },
    });
    expect(await h.until(await h.runtime.workflow('W').create())).toEqual({ status: 'complete', output: null });
  });

  it("event.workflowName is the registration's name (as wrangler's name beside binding), else the binding name", async () => {
    class Probe extends WorkflowEntrypoint {
      async run(event: WorkflowEvent<unknown>) {
        return event.workflowName;
      }
    }
    const h = virtualRuntime({ WF: { workflow: Probe, name: 'probe' }, PLAIN: Probe });
    expect((await h.until(await h.runtime.workflow('WF').create())).output).toBe('probe');
    expect((await h.until(await h.runtime.workflow('PLAIN').create())).output).toBe('PLAIN');
  });

  it("Cloudflare's messages for a bad id, an empty batch and an unknown id, with Cairn's codes", async () => {
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint {
        async run() {}
      },
    });
    const binding = h.runtime.workflow('W');
    const failure = async (call: () => Promise<unknown>): Promise<CairnError> => {
      const error = await call().then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(CairnError.is(error)).toBe(true);
      return error as CairnError;
    };
    const badId = await failure(() => binding.create({ id: 'not ok!' }));
    expect(badId).toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(/^Workflow instance has invalid id: expected at most 100 characters/),
    });
    const empty = await failure(() => binding.createBatch([]));
    expect(empty).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/^batchCreate should have at least 1 instance/) });
    const tooMany = await failure(() => binding.createBatch(Array.from({ length: 101 }, () => ({}))));
    expect(tooMany.message).toMatch(/^Invalid createBatch list: expected an array of 1 to 100/);
    const unknown = await failure(() => binding.get('nobody'));
    expect(unknown).toMatchObject({ code: 'instance_not_found', message: expect.stringContaining('instance.not_found') });
  });
});
