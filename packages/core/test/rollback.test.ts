// Saga rollbacks (Cloudflare's `step.do(name, [config,] fn, { rollback, rollbackConfig })`): reverse step-start
// order on terminal failure only, the failing step included, durable and retried, stopped by the first failure.
import { describe, expect, it } from 'vitest';
import {
  createMemoryStore,
  createRuntime,
  NonRetryableError,
  WorkflowEntrypoint,
  type WorkflowEvent,
  type WorkflowRollbackContext,
  type WorkflowStep,
} from '@cairn/core';
import { eventually, virtualRuntime } from './support/harness.js';

type Seen = { step: string; count: number; attempt: number; limit: number; output: unknown; error: string };

function recorder() {
  const seen: Seen[] = [];
  const rollback = async ({ ctx, output, error }: WorkflowRollbackContext<unknown>) => {
    seen.push({
      step: ctx.step.name,
      count: ctx.step.count,
      attempt: ctx.attempt,
      limit: ctx.config.retries.limit,
      output,
      error: `${error.name}: ${error.message}`,
    });
  };
  return { seen, rollback };
}

describe('step rollbacks', () => {
  it('an error escaping run() rolls back every attempted step in reverse order, the failing step included', async () => {
    const { seen, rollback } = recorder();
    const forward: string[] = [];
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint {
        async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
          const hold = await step.do('reserve', async () => (forward.push('reserve'), { holdId: 'h1' }), { rollback });
          await step.do('charge', { retries: { limit: 2, delay: 0, backoff: 'constant' } }, async () => (forward.push('charge'), 'ch_1'), { rollback });
          await step.do(
            'ship',
            { retries: { limit: 1, delay: 0 } },
            async () => {
              forward.push('ship');
              throw new NonRetryableError('no courier');
            },
            { rollback },
          );
          await step.do('never reached', async () => 'x', { rollback });
          return hold;
        }
      },
    });
    const instance = await h.runtime.workflow('W').create();
    const status = await h.until(instance);
    expect(status).toEqual({
      status: 'errored',
      error: { name: 'NonRetryableError', message: 'no courier' },
      rollback: { outcome: 'complete', error: null },
    });
    expect(forward).toEqual(['reserve', 'charge', 'ship']);
    expect(seen).toEqual([
      { step: 'ship', count: 1, attempt: 1, limit: 1, output: undefined, error: 'NonRetryableError: no courier' },
      { step: 'charge', count: 1, attempt: 1, limit: 2, output: 'ch_1', error: 'NonRetryableError: no courier' },
      { step: 'reserve', count: 1, attempt: 1, limit: 5, output: { holdId: 'h1' }, error: 'NonRetryableError: no courier' },
    ]);
    const journal = await h.store.loadJournal({ workflowName: 'W', instanceId: instance.id });
    const rollbacks = journal!.steps.filter((s) => s.kind === 'rollback').sort((a, b) => a.index! - b.index!);
    expect(rollbacks.map((s) => [s.key, s.state])).toEqual([
      ['rollback:ship-1', 'completed'],
      ['rollback:charge-1', 'completed'],
      ['rollback:reserve-1', 'completed'],
    ]);
  });

  it('a caught error rolls nothing back; a completed instance has no rollback', async () => {
    const { seen, rollback } = recorder();
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint {
        async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
          await step.do('a', async () => 1, { rollback });
          try {
            await step.do(
              'b',
              { retries: { limit: 0, delay: 0 } },
              async () => {
                throw new Error('boom');
              },
              { rollback },
            );
          } catch {
            return 'recovered';
          }
        }
      },
    });
    expect(await h.until(await h.runtime.workflow('W').create())).toEqual({ status: 'complete', output: 'recovered' });
    expect(seen).toEqual([]);
  });

  it('a rollback is retried under rollbackConfig; one that fails for good stops the rest and is reported', async () => {
    const calls: string[] = [];
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint {
        async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
          await step.do('first', async () => 1, { rollback: async () => void calls.push('undo first') });
          await step.do('second', async () => 2, {
            rollback: async ({ ctx }) => {
              calls.push(`undo second (attempt of the step: ${ctx.attempt})`);
              throw new Error('refund API down');
            },
            rollbackConfig: { retries: { limit: 2, delay: '1 minute', backoff: 'constant' }, timeout: '1 minute' },
          });
          throw new Error('later failure');
        }
      },
    });
    const instance = await h.runtime.workflow('W').create();
    const t0 = h.clock.now();
    expect(await h.until(instance)).toEqual({
      status: 'errored',
      error: { name: 'Error', message: 'later failure' },
      rollback: { outcome: 'failed', error: { name: 'Error', message: 'refund API down' } },
    });
    expect(calls).toEqual(Array(3).fill('undo second (attempt of the step: 1)'));
    expect(h.clock.now() - t0).toBeGreaterThanOrEqual(2 * 60_000); // two retry delays of one minute
  });

  it('parallel steps roll back in reverse start order, waiting for an attempt still in flight', async () => {
    const order: string[] = [];
    let releaseSlow!: () => void;
    const slowDone = new Promise<string>((resolve) => (releaseSlow = () => resolve('slow done')));
    const rollback = async ({ ctx, output }: WorkflowRollbackContext<unknown>) => void order.push(`${ctx.step.name}=${String(output)}`);
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint {
        async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
          await Promise.all([
            step.do('slow', () => slowDone, { rollback }),
            step.do('fast', async () => 'fast done', { rollback }),
            step.do(
              'fails',
              { retries: { limit: 0, delay: 0 } },
              async () => {
                // The slow step finishes only after this one has failed the instance.
                setImmediate(() => setImmediate(releaseSlow));
                throw new Error('nope');
              },
              { rollback },
            ),
          ]);
        }
      },
    });
    const status = await h.until(await h.runtime.workflow('W').create());
    expect(status.rollback).toEqual({ outcome: 'complete', error: null });
    expect(order).toEqual(['fails=undefined', 'fast=fast done', 'slow=slow done']);
  });

  it('a step waiting for its next attempt is rolled back without being retried', async () => {
    const attempts: number[] = [];
    const undone: unknown[] = [];
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint {
        async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
          await Promise.all([
            step.do(
              'flaky',
              { retries: { limit: 5, delay: '10 minutes', backoff: 'constant' } },
              async (ctx) => {
                attempts.push(ctx.attempt);
                throw new Error('flaky');
              },
              { rollback: async ({ output, ctx }) => void undone.push([output, ctx.attempt]) },
            ),
            step.sleep('a moment', '1 second').then(() => {
              throw new Error('the other branch failed');
            }),
          ]);
        }
      },
    });
    const status = await h.until(await h.runtime.workflow('W').create());
    expect(status.error).toEqual({ name: 'Error', message: 'the other branch failed' });
    expect(attempts).toEqual([1]);
    expect(undone).toEqual([[undefined, 1]]);
  });

  it('rollbacks are durable: a replay after suspension skips the ones recorded and runs each handler once', async () => {
    const counts = new Map<string, number>();
    const bump = (name: string) => counts.set(name, (counts.get(name) ?? 0) + 1);
    let failNext = true;
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint {
        async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
          for (const name of ['a', 'b', 'c']) {
            await step.do(name, async () => (bump(name), name), {
              rollback: async () => {
                bump(`undo ${name}`);
                if (name === 'b' && failNext) {
                  failNext = false;
                  throw new Error('transient');
                }
              },
              // A long retry delay: the instance suspends in the middle of its rollbacks.
              rollbackConfig: { retries: { limit: 1, delay: '1 hour', backoff: 'constant' } },
            });
          }
          throw new Error('fail');
        }
      },
    });
    const instance = await h.runtime.workflow('W').create();
    await h.until(instance, 'waiting');
    expect(Object.fromEntries(counts)).toEqual({ a: 1, b: 1, c: 1, 'undo c': 1, 'undo b': 1 });
    expect(await h.until(instance)).toMatchObject({ status: 'errored', rollback: { outcome: 'complete', error: null } });
    expect(Object.fromEntries(counts)).toEqual({ a: 1, b: 1, c: 1, 'undo c': 1, 'undo b': 2, 'undo a': 1 });
  });

  it('the handler gets the ctx of its step (name, count, last attempt, config) and an AbortSignal', async () => {
    const got: unknown[] = [];
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint {
        async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
          for (let i = 0; i < 2; i++) {
            await step.do(
              'same',
              { retries: { limit: 3, delay: 0, backoff: 'linear' }, timeout: '5 minutes' },
              async (ctx) => {
                if (i === 1 && ctx.attempt < 3) throw new Error('again');
                return i;
              },
              {
                rollback: async ({ ctx, output }) =>
                  void got.push({ step: ctx.step, attempt: ctx.attempt, config: ctx.config, output, signal: ctx.signal instanceof AbortSignal }),
              },
            );
          }
          throw new NonRetryableError('stop');
        }
      },
    });
    await h.until(await h.runtime.workflow('W').create());
    const config = { retries: { limit: 3, delay: 0, backoff: 'linear' }, timeout: '5 minutes' };
    expect(got).toEqual([
      { step: { name: 'same', count: 2 }, attempt: 3, config, output: 1, signal: true },
      { step: { name: 'same', count: 1 }, attempt: 1, config, output: 0, signal: true },
    ]);
  });

  it('invalid rollback options are an error naming the step and the option, which run() may catch', async () => {
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint {
        async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
          await step.do('bad', async () => 1, { rollback: 'not a function' } as never);
        }
      },
      V: class extends WorkflowEntrypoint {
        async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
          await step.do('bad', async () => 1, { rollback: async () => {}, rollbackConfig: { retries: { limit: -1 } } });
        }
      },
      C: class extends WorkflowEntrypoint {
        async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
          try {
            await step.do('bad', async () => 1, { rollback: 'not a function' } as never);
          } catch (error) {
            return (error as Error).name;
          }
        }
      },
    });
    expect(await h.until(await h.runtime.workflow('W').create())).toMatchObject({
      status: 'errored',
      error: { name: 'InvalidStepConfigError', message: expect.stringMatching(/Step "bad".*`rollback` must be a function/) },
    });
    expect(await h.until(await h.runtime.workflow('V').create())).toMatchObject({
      status: 'errored',
      error: { name: 'InvalidStepConfigError', message: expect.stringMatching(/Step "bad".*rollbackConfig.*retries.limit/) },
    });
    expect(await h.until(await h.runtime.workflow('C').create())).toEqual({ status: 'complete', output: 'InvalidStepConfigError' });
  });

  it("Cloudflare's documented example runs unchanged", async () => {
    const resources = new Set<string>();
    const provisionResource = async () => {
      resources.add('r-1');
      return { id: 'r-1' };
    };
    const deleteResource = async (id: string) => void resources.delete(id);
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint {
        async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
          await step.do(
            'provision resource',
            async () => {
              const resource = await provisionResource();
              return { resourceId: resource.id };
            },
            {
              rollback: async ({ output }) => {
                const { resourceId } = output as { resourceId: string };
                await deleteResource(resourceId);
              },
              rollbackConfig: {
                retries: { limit: 3, delay: '15 seconds', backoff: 'linear' },
                timeout: '2 minutes',
              },
            },
          );
          throw new NonRetryableError('downstream failed');
        }
      },
    });
    const status = await h.until(await h.runtime.workflow('W').create());
    expect(status.rollback).toEqual({ outcome: 'complete', error: null });
    expect(resources.size).toBe(0);
  });
});

describe('terminate({ rollback: true })', () => {
  const undoLog: string[] = [];
  const Booking = class extends WorkflowEntrypoint {
    async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
      const rollback = async ({ ctx, output, error }: WorkflowRollbackContext<unknown>) =>
        void undoLog.push(`${ctx.step.name}:${String(output)}:${error.name}`);
      await step.do('hold seat', async () => 'seat', { rollback });
      await step.do('hold room', async () => 'room', { rollback });
      await step.sleep('wait for payment', '1 day');
      await step.do('confirm', async () => void undoLog.push('confirmed'), { rollback });
    }
  };

  it('a sleeping instance runs its rollbacks in reverse order, then is terminated; nothing after the sleep runs', async () => {
    undoLog.length = 0;
    const h = virtualRuntime({ B: Booking });
    const instance = await h.runtime.workflow('B').create();
    await h.until(instance, 'waiting');
    await instance.terminate({ rollback: true });
    expect(await h.until(instance, 'terminated')).toEqual({ status: 'terminated', rollback: { outcome: 'complete', error: null } });
    expect(undoLog).toEqual(['hold room:room:WorkflowTerminatedError', 'hold seat:seat:WorkflowTerminatedError']);
    await h.clock.advance(2 * 86_400_000);
    expect(undoLog).not.toContain('confirmed');
    await expect(instance.terminate({ rollback: true })).rejects.toMatchObject({ code: 'instance_cannot_terminate' });
  });

  it('a running instance lets its step in flight finish, then rolls it back too', async () => {
    const log: string[] = [];
    let release!: () => void;
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint {
        async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
          const rollback = async ({ ctx, output }: WorkflowRollbackContext<unknown>) => void log.push(`undo ${ctx.step.name}=${String(output)}`);
          await step.do('first', async () => 1, { rollback });
          await step.do('slow', () => new Promise((resolve) => (release = () => resolve(2))), { rollback });
          await step.do('third', async () => void log.push('third ran'), { rollback });
        }
      },
    });
    const instance = await h.runtime.workflow('W').create();
    await h.until(instance, 'running');
    await h.clock.advance(0);
    await instance.terminate({ rollback: true });
    release();
    expect((await h.until(instance, 'terminated')).rollback).toEqual({ outcome: 'complete', error: null });
    expect(log).toEqual(['undo slow=2', 'undo first=1']);
  });

  it('a paused instance is rolled back too; a restart afterwards runs afresh', async () => {
    undoLog.length = 0;
    const h = virtualRuntime({ B: Booking });
    const instance = await h.runtime.workflow('B').create();
    await h.until(instance, 'waiting');
    await instance.pause();
    await instance.terminate({ rollback: true });
    expect(await h.until(instance, 'terminated')).toMatchObject({ status: 'terminated', rollback: { outcome: 'complete' } });
    expect(undoLog).toHaveLength(2);
    await instance.restart();
    await h.until(instance, 'waiting');
    await h.clock.advance(86_400_000);
    expect(await h.until(instance)).toEqual({ status: 'complete' });
    expect(undoLog).toEqual([expect.any(String), expect.any(String), 'confirmed']);
  });

  it('without registered rollbacks it simply terminates; bad options are a typed error', async () => {
    const h = virtualRuntime({
      S: class extends WorkflowEntrypoint {
        async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
          await step.sleep('s', '1 hour');
        }
      },
    });
    const instance = await h.runtime.workflow('S').create();
    await h.until(instance, 'waiting');
    await expect(instance.terminate({ rollback: 'yes' } as never)).rejects.toMatchObject({ code: 'invalid_input' });
    await instance.terminate({ rollback: true });
    expect(await h.until(instance, 'terminated')).toEqual({ status: 'terminated' });
  });
});

describe('rollbacks under a host deadline (Lambda)', () => {
  it('rollbacks that outlast the deadline continue in the next replay, each handler once', async () => {
    let now = Date.UTC(2026, 0, 1);
    const clock = { now: () => now, setTimer: () => () => {} };
    const wakes: unknown[] = [];
    const ran: string[] = [];
    const runtime = createRuntime({
      store: createMemoryStore(),
      clock,
      scheduler: { name: 'outbox', schedule: async (wake) => void wakes.push(wake) },
      workflows: {
        W: class extends WorkflowEntrypoint {
          async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
            for (const name of ['a', 'b', 'c']) {
              await step.do(name, async () => name, {
                rollback: async () => {
                  ran.push(name);
                  now += 10_000; // each rollback takes ten seconds
                },
              });
            }
            throw new Error('fail');
          }
        },
      },
    });
    await runtime.workflow('W').create({ id: 'x' });
    const ref = { workflowName: 'W', instanceId: 'x' };
    const first = await runtime.replay(ref, { deadline: now + 15_000 });
    expect(first.outcome).toBe('continue');
    expect(ran).toEqual(['c', 'b']);
    const second = await runtime.replay(ref, { deadline: now + 60_000 });
    expect(second).toMatchObject({ outcome: 'errored', error: { message: 'fail', rollback: { outcome: 'complete', error: null } } });
    expect(ran).toEqual(['c', 'b', 'a']);
    await runtime.close();
  });
});

describe('terminate({ rollback: true }) from another process', () => {
  it('the runner holding the instance sees the request at its next lease renewal and rolls back', async () => {
    const store = createMemoryStore();
    const log: string[] = [];
    const Workflow = class extends WorkflowEntrypoint {
      async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
        const rollback = async ({ ctx }: WorkflowRollbackContext<unknown>) => void log.push(`undo ${ctx.step.name}`);
        await step.do('quick', async () => 1, { rollback });
        await step.do('slow', () => new Promise((resolve) => setTimeout(() => resolve(2), 600)), { rollback });
        await step.do('never', async () => void log.push('never ran'), { rollback });
      }
    };
    const runner = createRuntime({ store, owner: 'runner', leaseMs: 300, workflows: { W: Workflow } });
    const controller = createRuntime({ store, owner: 'controller', workflows: { W: Workflow } });
    await runner.workflow('W').create({ id: 'x' });
    const ref = { workflowName: 'W', instanceId: 'x' };
    await eventually(async () => (await store.loadJournal(ref))!.steps.some((s) => s.key === 'do:quick-1'));
    // Another process asks: the runner's lease is live, so only the request is recorded.
    await (await controller.workflow('W').get('x')).terminate({ rollback: true });
    const status = await eventually(async () => {
      const current = await (await controller.workflow('W').get('x')).status();
      return current.status === 'terminated' && current;
    });
    expect(status).toEqual({ status: 'terminated', rollback: { outcome: 'complete', error: null } });
    expect(log).toEqual(['undo slow', 'undo quick']);
    await Promise.all([runner.close(), controller.close()]);
  });
});
