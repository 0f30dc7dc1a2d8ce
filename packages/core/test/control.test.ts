// pause / resume / terminate / restart.
import { describe, expect, it } from 'vitest';
import { CairnError, WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { virtualRuntime } from './support/harness.js';

describe('pause and resume', () => {
  it('a running instance goes waitingForPause, finishes the current step, then is paused; resume replays from the journal', async () => {
    let release!: () => void;
    const ran: string[] = [];
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint {
        async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
          await step.do(
            'one',
            () =>
              new Promise<void>((resolve) => {
                ran.push('one');
                release = resolve;
              }),
          );
          await step.do('two', async () => void ran.push('two'));
          return ran.length;
        }
      },
    });
    const instance = await h.runtime.workflow('W').create();
    await h.until(instance, 'running');
    await h.clock.advance(0);
    expect(ran).toEqual(['one']);
    await instance.pause();
    expect((await instance.status()).status).toBe('waitingForPause');
    release();
    await h.until(instance, 'paused');
    expect(ran).toEqual(['one']);
    const journal = await h.store.loadJournal({ workflowName: 'W', instanceId: instance.id });
    expect(journal!.steps.map((s) => s.key)).toEqual(['do:one-1']);
    await instance.resume();
    expect(await h.until(instance)).toEqual({ status: 'complete', output: 2 });
    expect(ran).toEqual(['one', 'two']);
  });

  it('pausing a sleeping instance extends the sleep by the time spent paused', async () => {
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint {
        async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
          const t0 = await step.do('t0', async () => h.clock.now());
          await step.sleep('nap', '1 hour');
          return (await step.do('t1', async () => h.clock.now())) - t0;
        }
      },
    });
    const instance = await h.runtime.workflow('W').create();
    await h.until(instance, 'waiting');
    await h.clock.advance(10 * 60_000);
    await instance.pause();
    expect((await instance.status()).status).toBe('paused');
    await h.clock.advance(2 * 3_600_000); // the sleep's original end passes while paused
    expect((await instance.status()).status).toBe('paused');
    await instance.resume();
    expect(await h.until(instance)).toEqual({ status: 'complete', output: 3_600_000 + 2 * 3_600_000 });
  });

  it('pause and resume of a finished instance are no-ops', async () => {
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint {
        async run() {
          return 1;
        }
      },
    });
    const instance = await h.runtime.workflow('W').create();
    await h.until(instance);
    await instance.pause();
    await instance.resume();
    expect(await instance.status()).toEqual({ status: 'complete', output: 1 });
  });
});

describe('terminate', () => {
  it('ends the instance as terminated; no further step runs; terminating again is instance.cannot_terminate', async () => {
    const ran: string[] = [];
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint {
        async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
          await step.do('one', async () => void ran.push('one'));
          await step.sleep('nap', '1 day');
          await step.do('two', async () => void ran.push('two'));
        }
      },
    });
    const instance = await h.runtime.workflow('W').create();
    await h.until(instance, 'waiting');
    await instance.terminate();
    await h.clock.advance(2 * 86_400_000);
    expect(await instance.status()).toEqual({ status: 'terminated' });
    expect(ran).toEqual(['one']);
    const error = await instance.terminate().catch((e: unknown) => e);
    expect(CairnError.is(error, 'instance_cannot_terminate')).toBe(true);
    expect((error as Error).message).toContain('instance.cannot_terminate');
  });

  it('terminating a running instance aborts its step signal and fences its writes', async () => {
    let signal: AbortSignal | undefined;
    let finishStep!: () => void;
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint {
        async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
          await step.do(
            'long',
            (ctx) =>
              new Promise<void>((resolve) => {
                signal = ctx.signal;
                finishStep = resolve;
              }),
          );
          await step.do('after', async () => 'never');
        }
      },
    });
    const instance = await h.runtime.workflow('W').create();
    await h.until(instance, 'running');
    await h.clock.advance(0);
    await instance.terminate();
    await h.clock.advance(0);
    expect(signal?.aborted).toBe(true);
    finishStep();
    await h.clock.advance(1000);
    const journal = await h.store.loadJournal({ workflowName: 'W', instanceId: instance.id });
    expect(journal!.steps).toEqual([]);
    expect((await instance.status()).status).toBe('terminated');
  });
});

describe('restart', () => {
  const counting = (runs: Record<string, number>) =>
    class extends WorkflowEntrypoint {
      async run(event: WorkflowEvent<{ fail: boolean }>, step: WorkflowStep) {
        const a = await step.do('a', async () => (runs.a = (runs.a ?? 0) + 1));
        const b = await step.do('b', async () => (runs.b = (runs.b ?? 0) + 1));
        if (event.payload.fail && runs.b === 1) throw new Error('first run fails');
        return { a, b };
      }
    };

  it('discards every recorded step and runs again from the start with the same params, also from errored', async () => {
    const runs: Record<string, number> = {};
    const h = virtualRuntime({ W: counting(runs) });
    const instance = await h.runtime.workflow('W').create({ params: { fail: true } });
    expect((await h.until(instance)).status).toBe('errored');
    await instance.restart();
    expect(await h.until(instance)).toEqual({ status: 'complete', output: { a: 2, b: 2 } });
  });

  it('restart({ from: { name } }) keeps the steps recorded before that step', async () => {
    const runs: Record<string, number> = {};
    const h = virtualRuntime({ W: counting(runs) });
    const instance = await h.runtime.workflow('W').create({ params: { fail: true } });
    await h.until(instance);
    await instance.restart({ from: { name: 'b' } });
    expect(await h.until(instance)).toEqual({ status: 'complete', output: { a: 1, b: 2 } });
    await expect(instance.restart({ from: { name: 'zzz' } })).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it("restart({ from }) also starts from a sleep or an event wait, and takes Cloudflare's count and type", async () => {
    const runs: Record<string, number> = {};
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint {
        async run(_event: WorkflowEvent<unknown>, step: WorkflowStep) {
          const a = await step.do('a', async () => (runs.a = (runs.a ?? 0) + 1));
          await step.sleep('nap', 10);
          const approval = await step.waitForEvent<{ by: string }>('approval', { type: 'ok', timeout: '1 hour' });
          const b = await step.do('b', async () => (runs.b = (runs.b ?? 0) + 1));
          return { a, b, by: approval.payload.by };
        }
      },
    });
    const instance = await h.runtime.workflow('W').create();
    await h.until(instance, 'waiting');
    await h.clock.advance(20);
    await h.until(instance, 'waiting');
    await instance.sendEvent({ type: 'ok', payload: { by: 'ada' } });
    await h.until(instance);
    // From the wait: `a` and the sleep are kept; the wait runs again (and takes the instance's first event again).
    await instance.restart({ from: { name: 'approval', type: 'waitForEvent' } });
    expect(await h.until(instance)).toEqual({ status: 'complete', output: { a: 1, b: 2, by: 'ada' } });
    // From the sleep (its first call, as count 1 says): only `a` is kept, the sleep runs again.
    await instance.restart({ from: { name: 'nap', count: 1 } });
    expect(await h.until(instance)).toEqual({ status: 'complete', output: { a: 1, b: 3, by: 'ada' } });
    await expect(instance.restart({ from: { name: 'nap', type: 'do' } })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(instance.restart({ from: { name: 'nap', count: 2 } })).rejects.toMatchObject({ code: 'invalid_input' });
  });
});
