// Lifecycle hooks: what each is told and in which order, for a workflow with a retried step (its delay held in
// process), a sleep that suspends and an event wait; a throwing hook and a slow hook change no outcome and hold
// no step back; a runtime without hooks writes straight to its store.
import { describe, expect, it } from 'vitest';
import { CairnError, WorkflowEntrypoint, createMemoryStore, createRuntime, type RuntimeHooks, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { virtualRuntime } from './support/harness.js';

let failures = 0;
class Order extends WorkflowEntrypoint {
  async run(_event: WorkflowEvent<unknown>, step: WorkflowStep) {
    const charged = await step.do('charge', { retries: { limit: 2, delay: '1 second', backoff: 'constant' } }, async () => {
      if (failures++ === 0) throw new Error('card service busy');
      return 'ok';
    });
    await step.sleep('cool off', '1 hour');
    const approval = await step.waitForEvent<{ by: string }>('approval', { type: 'approved', timeout: '1 day' });
    return { charged, by: approval.payload.by };
  }
}

function recordingHooks(log: string[]): RuntimeHooks {
  return {
    onStepStart: ({ ref, name, kind, attempt }) => void log.push(`start ${ref.instanceId} ${kind} ${name} #${attempt}`),
    onStepEnd: ({ name, kind, attempt, outcome, error, durationMs }) =>
      void log.push(`end ${kind} ${name} #${attempt} ${outcome}${error ? ` (${error.name}: ${error.message})` : ''}${durationMs >= 0 ? '' : ' negative'}`),
    onInstanceStatus: ({ from, to }) => void log.push(`status ${from ?? 'new'} -> ${to}`),
    onReplay: ({ outcome }) => void log.push(`replay ${outcome}`),
  };
}

async function runOrder(hooks: RuntimeHooks, onError = (_error: unknown, _where: { operation: string }) => {}) {
  failures = 0;
  const h = virtualRuntime({ ORDER: Order }, { hooks, onError });
  const instance = await h.runtime.workflow('ORDER').create({ id: 'o-1' });
  // The retry delay (held in process, read as waiting), then the sleep (suspended).
  await h.until(instance, 'waiting');
  await h.clock.advance(1_000);
  await h.until(instance, 'waiting');
  await h.clock.advance(3_600_000);
  await h.until(instance, 'waiting');
  await instance.sendEvent({ type: 'approved', payload: { by: 'ops' } });
  const status = await h.until(instance);
  await h.runtime.close();
  return status;
}

describe('lifecycle hooks', () => {
  it('tell step starts and ends, status changes and replays, in order, with their content', async () => {
    const log: string[] = [];
    expect(await runOrder(recordingHooks(log))).toEqual({ status: 'complete', output: { charged: 'ok', by: 'ops' } });
    expect(log).toEqual([
      'status new -> queued',
      'status queued -> running',
      'start o-1 do charge #1',
      'end do charge #1 retrying (Error: card service busy)',
      'status running -> waiting',
      'status waiting -> running',
      'start o-1 do charge #2',
      'end do charge #2 completed',
      'start o-1 sleep cool off #0',
      'status running -> waiting',
      'replay suspended',
      'status waiting -> running',
      'end sleep cool off #0 completed',
      'start o-1 wait approval #0',
      'status running -> waiting',
      'replay suspended',
      'status waiting -> running',
      'end wait approval #1 completed',
      'status running -> complete',
      'replay complete',
    ]);
  });

  it('a hook that throws or rejects is reported to onError and changes no outcome', async () => {
    const reported: string[] = [];
    const boom = () => {
      throw new Error('hook bug');
    };
    const status = await runOrder(
      { onStepStart: boom, onStepEnd: async () => Promise.reject(new Error('async hook bug')), onInstanceStatus: boom, onReplay: boom },
      (error, where) => reported.push(`${where.operation}: ${(error as Error).message}`),
    );
    expect(status).toEqual({ status: 'complete', output: { charged: 'ok', by: 'ops' } });
    expect(new Set(reported)).toEqual(
      new Set(['hook onStepStart: hook bug', 'hook onStepEnd: async hook bug', 'hook onInstanceStatus: hook bug', 'hook onReplay: hook bug']),
    );
  });

  it('a slow hook is not awaited: the workflow finishes while every hook call is still pending', async () => {
    let pending = 0;
    let finished = 0;
    const slow = () => {
      pending++;
      return new Promise<void>((resolve) =>
        setTimeout(() => {
          finished++;
          resolve();
        }, 60_000).unref(),
      );
    };
    const status = await runOrder({ onStepStart: slow, onStepEnd: slow, onInstanceStatus: slow, onReplay: slow });
    expect(status).toEqual({ status: 'complete', output: { charged: 'ok', by: 'ops' } });
    expect(pending).toBeGreaterThan(10);
    expect(finished).toBe(0);
  });

  it('hooks are checked: an unknown hook or one that is not a function is a typed error', () => {
    for (const hooks of [{ onStepBegin: () => {} }, { onStepEnd: 'log' }]) {
      const error = (() => {
        try {
          createRuntime({ store: createMemoryStore(), workflows: { ORDER: Order }, hooks: hooks as never });
        } catch (e) {
          return e;
        }
      })();
      expect(CairnError.is(error, 'invalid_input')).toBe(true);
      expect((error as Error).message).toContain('hooks');
    }
  });

  it('without hooks the runtime writes to the store it was given (nothing in between)', () => {
    const store = createMemoryStore();
    expect(createRuntime({ store, workflows: { ORDER: Order } }).store).toBe(store);
    expect(createRuntime({ store, workflows: { ORDER: Order }, hooks: {} }).store).not.toBe(store);
  });
});
