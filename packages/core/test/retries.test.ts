// Cloudflare's step config: defaults, merge, limit counting, backoff timing, timeouts, NonRetryableError.
import { describe, expect, it } from 'vitest';
import {
  createMemoryStore,
  createRuntime,
  NonRetryableError,
  WorkflowEntrypoint,
  WorkflowTimeoutError,
  type WorkflowEvent,
  type WorkflowStep,
  type WorkflowStepConfig,
} from '@cairn/core';
import { eventually, virtualRuntime } from './support/harness.js';

function failingWorkflow(config: WorkflowStepConfig | undefined, log: { attempt: number; at: number }[], clockNow: () => number) {
  return class extends WorkflowEntrypoint {
    async run(_event: WorkflowEvent<unknown>, step: WorkflowStep) {
      const body = async (ctx: { attempt: number }) => {
        log.push({ attempt: ctx.attempt, at: clockNow() });
        throw new Error(`boom ${ctx.attempt}`);
      };
      return config ? step.do('flaky', config, body) : step.do('flaky', body);
    }
  };
}

async function gapsFor(config: WorkflowStepConfig | undefined) {
  const log: { attempt: number; at: number }[] = [];
  let now = () => 0;
  const harness = virtualRuntime({ W: failingWorkflow(config, log, () => now()) });
  now = harness.clock.now;
  const instance = await harness.runtime.workflow('W').create();
  const status = await harness.until(instance);
  const gaps = log.slice(1).map((entry, i) => entry.at - log[i]!.at);
  return { log, gaps, status };
}

describe('retries', () => {
  it('defaults: limit 5 means 6 attempts, exponential from 1 s (1, 2, 4, 8, 16 s), then the error reaches run()', async () => {
    const { log, gaps, status } = await gapsFor(undefined);
    expect(log.map((entry) => entry.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(gaps).toEqual([1000, 2000, 4000, 8000, 16000]);
    expect(status).toEqual({ status: 'errored', error: { name: 'Error', message: 'boom 6' } });
  });

  it('constant, linear and exponential backoff with delay "1 second"', async () => {
    const limit = 3;
    expect((await gapsFor({ retries: { limit, delay: '1 second', backoff: 'constant' } })).gaps).toEqual([1000, 1000, 1000]);
    expect((await gapsFor({ retries: { limit, delay: '1 second', backoff: 'linear' } })).gaps).toEqual([1000, 2000, 3000]);
    expect((await gapsFor({ retries: { limit, delay: '1 second', backoff: 'exponential' } })).gaps).toEqual([1000, 2000, 4000]);
  });

  it('retries given without backoff are exponential; limit 0 means one attempt', async () => {
    expect((await gapsFor({ retries: { limit: 2, delay: 500 } })).gaps).toEqual([500, 1000]);
    expect((await gapsFor({ retries: { limit: 0, delay: 500 } })).log).toHaveLength(1);
  });

  it('a partial config is merged over the defaults field by field', async () => {
    const seen: unknown[] = [];
    const W = class extends WorkflowEntrypoint {
      async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
        await step.do('a', { timeout: '1 minute' }, async (ctx) => void seen.push(ctx.config));
        await step.do('b', { retries: { limit: 1 } as never }, async (ctx) => void seen.push(ctx.config));
      }
    };
    const h = virtualRuntime({ W });
    await h.until(await h.runtime.workflow('W').create());
    expect(seen).toEqual([
      { retries: { limit: 5, delay: 1000, backoff: 'exponential' }, timeout: '1 minute' },
      { retries: { limit: 1, delay: 1000, backoff: 'exponential' }, timeout: '10 minutes' },
    ]);
  });

  it("sensitive: 'output' is accepted and recorded with the step", async () => {
    const W = class extends WorkflowEntrypoint {
      async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
        return step.do('secret', { sensitive: 'output' }, async (ctx) => ctx.config.sensitive);
      }
    };
    const h = virtualRuntime({ W });
    const instance = await h.runtime.workflow('W').create({ id: 's' });
    expect(await h.until(instance)).toEqual({ status: 'complete', output: 'output' });
    const journal = await h.store.loadJournal({ workflowName: 'W', instanceId: 's' });
    expect(journal!.steps[0]!.config?.sensitive).toBe('output');
  });

  it('a delay function receives the attempt number and the error', async () => {
    const calls: [number, string][] = [];
    const { gaps } = await gapsFor({
      retries: {
        limit: 2,
        delay: (attempt, error) => {
          calls.push([attempt, (error as Error).message]);
          return attempt * 100;
        },
      },
    });
    expect(calls).toEqual([
      [1, 'boom 1'],
      [2, 'boom 2'],
    ]);
    expect(gaps).toEqual([100, 200]);
  });

  it('an invalid config is an error run() can catch and go on from, naming the step (as on Cloudflare)', async () => {
    for (const config of [{ retries: { limit: -1 } }, { timeout: 0 }, { retries: { backoff: 'fibonacci' } }, { bogus: 1 }, { timeout: '1 fortnight' }]) {
      let ran = false;
      const h = virtualRuntime({
        W: class extends WorkflowEntrypoint {
          async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
            let message = '';
            try {
              await step.do('bad step', config as WorkflowStepConfig, async () => (ran = true));
            } catch (error) {
              message = `${(error as Error).name}: ${(error as Error).message}`;
            }
            return { message, after: await step.do('after', async () => 'went on') };
          }
        },
        U: class extends WorkflowEntrypoint {
          async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
            await step.do('bad step', config as WorkflowStepConfig, async () => 1);
          }
        },
      });
      const status = await h.until(await h.runtime.workflow('W').create());
      expect(status.status, JSON.stringify(config)).toBe('complete');
      expect(status.output).toEqual({ message: expect.stringContaining('InvalidStepConfigError: Step "bad step" has an invalid config'), after: 'went on' });
      expect(ran).toBe(false);
      // Uncaught, it ends the instance as any error thrown in run() does.
      const uncaught = await h.until(await h.runtime.workflow('U').create());
      expect(uncaught).toMatchObject({ status: 'errored', error: { name: 'InvalidStepConfigError', message: expect.stringContaining('Step "bad step"') } });
    }
  });

  it('the config of the first attempt is recorded and reused on replay', async () => {
    let limit = 1;
    const attempts: number[] = [];
    const W = class extends WorkflowEntrypoint {
      async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
        return step.do('s', { retries: { limit, delay: '1 hour', backoff: 'constant' } }, async (ctx) => {
          attempts.push(ctx.attempt);
          limit = 10; // the code changes between replays; the recorded config wins
          throw new Error('no');
        });
      }
    };
    const h = virtualRuntime({ W });
    const status = await h.until(await h.runtime.workflow('W').create());
    expect(attempts).toEqual([1, 2]);
    expect(status.status).toBe('errored');
  });

  it('NonRetryableError fails the step at once, is catchable, and instanceof works in run()', async () => {
    let attempts = 0;
    let caught: unknown;
    const W = class extends WorkflowEntrypoint {
      async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
        try {
          await step.do('charge', async () => {
            attempts++;
            throw new NonRetryableError('card declined');
          });
        } catch (error) {
          caught = error;
        }
        return 'handled';
      }
    };
    const h = virtualRuntime({ W });
    expect(await h.until(await h.runtime.workflow('W').create())).toEqual({ status: 'complete', output: 'handled' });
    expect(attempts).toBe(1);
    expect(caught).toBeInstanceOf(NonRetryableError);
    expect((caught as Error).message).toBe('card declined');
  });

  it('an uncaught NonRetryableError errors the instance with its name and message preserved', async () => {
    const W = class extends WorkflowEntrypoint {
      async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
        await step.do('charge', async () => {
          throw new NonRetryableError('card declined');
        });
      }
    };
    const h = virtualRuntime({ W });
    expect(await h.until(await h.runtime.workflow('W').create())).toEqual({
      status: 'errored',
      error: { name: 'NonRetryableError', message: 'card declined' },
    });
  });

  it('a timeout is a failed attempt (WorkflowTimeoutError), retried, and aborts the attempt signal', async () => {
    const signals: AbortSignal[] = [];
    const W = class extends WorkflowEntrypoint {
      async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
        try {
          await step.do('slow', { timeout: 50, retries: { limit: 1, delay: 10, backoff: 'constant' } }, (ctx) => {
            signals.push(ctx.signal);
            return new Promise(() => {});
          });
        } catch (error) {
          return { name: (error as Error).name, message: (error as Error).message, isTimeout: error instanceof WorkflowTimeoutError };
        }
      }
    };
    const h = virtualRuntime({ W });
    const status = await h.until(await h.runtime.workflow('W').create());
    expect(status.output).toEqual({ name: 'WorkflowTimeoutError', message: 'Execution timed out after 50ms', isTimeout: true });
    expect(signals).toHaveLength(2);
    expect(signals.every((signal) => signal.aborted)).toBe(true);
  });

  it('parallel steps time out each at its own deadline; the others are not disturbed', async () => {
    const W = class extends WorkflowEntrypoint {
      async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
        const t0 = Date.now();
        const timed = (name: string, timeout: number, finishAfter: number | null) =>
          step
            .do(name, { timeout, retries: { limit: 0, delay: 0 } }, () =>
              finishAfter === null ? new Promise(() => {}) : new Promise((resolve) => setTimeout(() => resolve(`${name} done`), finishAfter)),
            )
            .then(
              (value) => ({ value, at: Date.now() - t0 }),
              (error: Error) => ({ error: error.name, at: Date.now() - t0 }),
            );
        return Promise.all([timed('a', 200, null), timed('b', 1_000, 50), timed('c', 400, null), timed('d', 100, 20)]);
      }
    };
    // The system clock: the callbacks finish on real timers.
    const runtime = createRuntime({ store: createMemoryStore(), workflows: { W } });
    const instance = await runtime.workflow('W').create();
    const status = await eventually(async () => {
      const current = await instance.status();
      return current.status === 'complete' && current;
    });
    await runtime.close();
    const [a, b, c, d] = status.output as { value?: string; error?: string; at: number }[];
    expect(a).toMatchObject({ error: 'WorkflowTimeoutError' });
    expect(b).toMatchObject({ value: 'b done' });
    expect(c).toMatchObject({ error: 'WorkflowTimeoutError' });
    expect(d).toMatchObject({ value: 'd done' });
    expect(a!.at).toBeGreaterThanOrEqual(200);
    expect(c!.at).toBeGreaterThanOrEqual(400);
    expect(c!.at).toBeLessThan(1_000);
  });

  it('errors keep name, message and own properties such as code', async () => {
    class PaymentError extends Error {
      code = 'card_declined';
      override name = 'PaymentError';
    }
    const W = class extends WorkflowEntrypoint {
      async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
        try {
          await step.do('pay', { retries: { limit: 0, delay: 0 } }, async () => {
            throw new PaymentError('declined');
          });
        } catch (error) {
          return { name: (error as Error).name, message: (error as Error).message, code: (error as { code?: string }).code };
        }
      }
    };
    const h = virtualRuntime({ W });
    expect((await h.until(await h.runtime.workflow('W').create())).output).toEqual({ name: 'PaymentError', message: 'declined', code: 'card_declined' });
  });

  it('an error thrown in run() outside steps errors the instance; a thrown string becomes { name: "Error" }', async () => {
    const h = virtualRuntime({
      A: class extends WorkflowEntrypoint {
        async run() {
          throw new TypeError('bad type');
        }
      },
      B: class extends WorkflowEntrypoint {
        async run() {
          throw 'just a string';
        }
      },
    });
    expect(await h.until(await h.runtime.workflow('A').create())).toEqual({ status: 'errored', error: { name: 'TypeError', message: 'bad type' } });
    expect(await h.until(await h.runtime.workflow('B').create())).toEqual({ status: 'errored', error: { name: 'Error', message: 'just a string' } });
  });
});
