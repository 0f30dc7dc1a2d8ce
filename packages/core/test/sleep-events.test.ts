// Sleeps and events: wake times fixed in the journal, `waiting` status, FIFO buffering per type, timeouts.
import { describe, expect, it } from 'vitest';
import { CairnError, WorkflowEntrypoint, WorkflowTimeoutError, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { virtualRuntime } from './support/harness.js';

describe('sleep', () => {
  it('sleeps hold no replay: the instance is `waiting`, nothing in flight, and it wakes at the recorded time', async () => {
    let wokeAt = 0;
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint {
        async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
          await step.sleep('long', '3 days');
          wokeAt = await step.do('now', async () => h.clock.now());
        }
      },
    });
    const start = h.clock.now();
    const instance = await h.runtime.workflow('W').create();
    await h.until(instance, 'waiting');
    await h.runtime.idle();
    const stored = await h.store.getInstance({ workflowName: 'W', instanceId: instance.id });
    expect(stored).toMatchObject({ status: 'waiting', leaseOwner: null, wakeAt: start + 3 * 86_400_000 });
    await h.until(instance);
    expect(wokeAt).toBe(start + 3 * 86_400_000);
  });

  it('sleepUntil takes a Date or epoch ms; a time in the past throws into run()', async () => {
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint {
        async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
          const t0 = await step.do('t0', async () => h.clock.now());
          await step.sleepUntil('date', new Date(t0 + 60_000));
          await step.sleepUntil('number', t0 + 120_000);
          try {
            await step.sleepUntil('past', t0 - 1);
          } catch (error) {
            return { message: (error as Error).message, elapsed: h.clock.now() - t0 };
          }
        }
      },
    });
    const status = await h.until(await h.runtime.workflow('W').create());
    expect(status.output).toEqual({ message: "You can't sleep until a time in the past, time-traveler", elapsed: 120_000 });
  });

  it('durations: "<n> unit[s]" or ms; an unknown unit is a typed error naming the string', async () => {
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint {
        async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
          const t0 = await step.do('t0', async () => h.clock.now());
          await step.sleep('a', '1 second');
          await step.sleep('b', '2 minutes');
          await step.sleep('c', 500);
          try {
            await step.sleep('d', '1 min' as never);
          } catch (error) {
            return { elapsed: h.clock.now() - t0, code: CairnError.is(error) ? error.code : null, message: (error as Error).message };
          }
        }
      },
    });
    const status = await h.until(await h.runtime.workflow('W').create());
    expect(status.output).toMatchObject({ elapsed: 1000 + 120_000 + 500, code: 'invalid_input' });
    expect((status.output as { message: string }).message).toContain('"1 min"');
  });
});

describe('events', () => {
  const approvalWorkflow = (timeout?: '1 hour') =>
    class extends WorkflowEntrypoint {
      async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
        const first = await step.waitForEvent<{ n: number }>('first', { type: 'approval', ...(timeout ? { timeout } : {}) });
        const second = await step.waitForEvent<{ n: number }>('second', { type: 'approval', ...(timeout ? { timeout } : {}) });
        return { first: first.payload.n, second: second.payload.n, type: first.type, isDate: first.timestamp instanceof Date };
      }
    };

  it('events sent before the wait (even right after create) are buffered per type, first in first out', async () => {
    const h = virtualRuntime({ W: approvalWorkflow() });
    const instance = await h.runtime.workflow('W').create();
    await instance.sendEvent({ type: 'other', payload: { n: 0 } });
    await instance.sendEvent({ type: 'approval', payload: { n: 1 } });
    await instance.sendEvent({ type: 'approval', payload: { n: 2 } });
    expect(await h.until(instance)).toEqual({ status: 'complete', output: { first: 1, second: 2, type: 'approval', isDate: true } });
  });

  it('an event wakes a waiting instance; the status while waiting is `waiting`', async () => {
    const h = virtualRuntime({ W: approvalWorkflow() });
    const instance = await h.runtime.workflow('W').create();
    await h.until(instance, 'waiting');
    await instance.sendEvent({ type: 'approval', payload: { n: 7 } });
    await h.until(instance, 'waiting');
    await instance.sendEvent({ type: 'approval', payload: { n: 8 } });
    expect((await h.until(instance)).output).toMatchObject({ first: 7, second: 8 });
  });

  it('a wait times out with WorkflowTimeoutError, catchable; uncaught the instance errors; default timeout is 24 hours', async () => {
    const h = virtualRuntime({
      CATCH: class extends WorkflowEntrypoint {
        async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
          const t0 = await step.do('t0', async () => h.clock.now());
          try {
            await step.waitForEvent('approval', { type: 'approval', timeout: '1 hour' });
          } catch (error) {
            return { timeout: error instanceof WorkflowTimeoutError, elapsed: h.clock.now() - t0 };
          }
        }
      },
      DEFAULT: class extends WorkflowEntrypoint {
        async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
          await step.waitForEvent('approval', { type: 'approval' });
        }
      },
    });
    expect((await h.until(await h.runtime.workflow('CATCH').create())).output).toEqual({ timeout: true, elapsed: 3_600_000 });
    const start = h.clock.now();
    const status = await h.until(await h.runtime.workflow('DEFAULT').create());
    expect(status.status).toBe('errored');
    expect(status.error?.name).toBe('WorkflowTimeoutError');
    expect(h.clock.now() - start).toBe(86_400_000);
  });

  it('each event is consumed once; a late event after a timeout waits for the next wait of its type', async () => {
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint {
        async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
          let timedOut = false;
          try {
            await step.waitForEvent('early', { type: 'go', timeout: '1 minute' });
          } catch {
            timedOut = true;
          }
          const late = await step.waitForEvent<string>('late', { type: 'go', timeout: '1 day' });
          return { timedOut, late: late.payload };
        }
      },
    });
    const instance = await h.runtime.workflow('W').create();
    await h.clock.advance(120_000);
    await instance.sendEvent({ type: 'go', payload: 'hello' });
    expect((await h.until(instance)).output).toEqual({ timedOut: true, late: 'hello' });
  });

  it('sendEvent: a missing or invalid type is a typed error; an event to a finished instance is refused', async () => {
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint {
        async run() {
          return 1;
        }
      },
    });
    const instance = await h.runtime.workflow('W').create();
    await expect(instance.sendEvent({} as never)).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(instance.sendEvent({ type: 'has space' })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(instance.sendEvent({ type: 'x'.repeat(101) })).rejects.toMatchObject({ code: 'invalid_input' });
    await h.until(instance);
    const refused = await instance.sendEvent({ type: 'late' }).catch((error: unknown) => error);
    expect(CairnError.is(refused, 'instance_finished')).toBe(true);
    const journal = await h.store.loadJournal({ workflowName: 'W', instanceId: instance.id });
    expect(journal!.events).toEqual([]);
  });
});
