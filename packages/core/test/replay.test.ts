// Replay: recorded steps return without running, code outside steps re-runs, keys are name + occurrence.
import { describe, expect, it } from 'vitest';
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { virtualRuntime } from './support/harness.js';

describe('replay', () => {
  it('a completed step returns its recorded result without calling the callback; code outside steps re-runs', async () => {
    const calls = { a: 0, b: 0, outside: 0 };
    const W = class extends WorkflowEntrypoint {
      async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
        calls.outside++;
        const a = await step.do('a', async () => ++calls.a);
        await step.sleep('nap', '1 day');
        const b = await step.do('b', async () => ++calls.b);
        return { a, b };
      }
    };
    const h = virtualRuntime({ W });
    const instance = await h.runtime.workflow('W').create();
    await h.until(instance, 'waiting');
    expect(calls).toEqual({ a: 1, b: 0, outside: 1 });
    expect(await h.until(instance)).toEqual({ status: 'complete', output: { a: 1, b: 1 } });
    expect(calls).toEqual({ a: 1, b: 1, outside: 2 });
  });

  it('two steps with the same name are two steps, each run once', async () => {
    let runs = 0;
    const W = class extends WorkflowEntrypoint {
      async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
        const first = await step.do('same', async () => ++runs);
        await step.sleep('nap', '1 hour');
        const second = await step.do('same', async () => ++runs);
        return [first, second];
      }
    };
    const h = virtualRuntime({ W });
    expect(await h.until(await h.runtime.workflow('W').create())).toEqual({ status: 'complete', output: [1, 2] });
    const journal = await h.store.loadJournal({ workflowName: 'W', instanceId: (await h.store.listInstances({})).instances[0]!.instanceId });
    expect(journal!.steps.filter((s) => s.kind === 'do').map((s) => s.key)).toEqual(['do:same-1', 'do:same-2']);
  });

  it('parallel steps (Promise.all) run once each and replay by call order', async () => {
    const order: string[] = [];
    const W = class extends WorkflowEntrypoint {
      async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
        const results = await Promise.all(
          ['x', 'y', 'z'].map((name, i) =>
            step.do(name, async () => {
              order.push(name);
              return i;
            }),
          ),
        );
        await step.sleep('nap', '2 hours');
        const again = await Promise.all([step.do('p', async () => 'p'), step.do('p', async () => 'p2')]);
        return { results, again };
      }
    };
    const h = virtualRuntime({ W });
    expect(await h.until(await h.runtime.workflow('W').create())).toEqual({ status: 'complete', output: { results: [0, 1, 2], again: ['p', 'p2'] } });
    expect(order).toEqual(['x', 'y', 'z']);
  });

  it('the callback receives { step: { name, count }, attempt, config, signal }', async () => {
    const contexts: unknown[] = [];
    const W = class extends WorkflowEntrypoint {
      async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
        await step.do('s', async (ctx) => void contexts.push({ step: ctx.step, attempt: ctx.attempt, hasSignal: ctx.signal instanceof AbortSignal }));
        await step.do('s', async (ctx) => void contexts.push({ step: ctx.step, attempt: ctx.attempt, hasSignal: ctx.signal instanceof AbortSignal }));
      }
    };
    const h = virtualRuntime({ W });
    await h.until(await h.runtime.workflow('W').create());
    expect(contexts).toEqual([
      { step: { name: 's', count: 1 }, attempt: 1, hasSignal: true },
      { step: { name: 's', count: 2 }, attempt: 1, hasSignal: true },
    ]);
  });

  it('a step that failed for good rethrows its recorded error on every replay', async () => {
    let attempts = 0;
    const seen: string[] = [];
    const W = class extends WorkflowEntrypoint {
      async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
        try {
          await step.do('fails', { retries: { limit: 0, delay: 0 } }, async () => {
            attempts++;
            throw new RangeError('out of range');
          });
        } catch (error) {
          seen.push(`${(error as Error).name}: ${(error as Error).message}`);
        }
        await step.sleep('nap', '1 hour');
        return seen.length;
      }
    };
    const h = virtualRuntime({ W });
    expect(await h.until(await h.runtime.workflow('W').create())).toEqual({ status: 'complete', output: 2 });
    expect(attempts).toBe(1);
    expect(seen).toEqual(['RangeError: out of range', 'RangeError: out of range']);
  });

  it('step names: at most 256 characters, no control characters', async () => {
    const W = class extends WorkflowEntrypoint {
      async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
        const errors: string[] = [];
        for (const name of ['x'.repeat(257), 'tab\there', '']) {
          try {
            await step.do(name, async () => 1);
          } catch (error) {
            errors.push((error as Error).message);
          }
        }
        await step.do('y'.repeat(256), async () => 1);
        return errors.length;
      }
    };
    const h = virtualRuntime({ W });
    expect(await h.until(await h.runtime.workflow('W').create())).toEqual({ status: 'complete', output: 3 });
  });

  it('event carries payload ({} without params), timestamp as a Date, instanceId and workflowName', async () => {
    const events: unknown[] = [];
    const W = class extends WorkflowEntrypoint {
      async run(event: WorkflowEvent<unknown>) {
        events.push({ ...event, isDate: event.timestamp instanceof Date });
      }
    };
    const h = virtualRuntime({ W });
    await h.until(await h.runtime.workflow('W').create({ id: 'no-params' }));
    await h.until(await h.runtime.workflow('W').create({ id: 'with-params', params: { n: 1 } }));
    expect(events).toMatchObject([
      { payload: {}, instanceId: 'no-params', workflowName: 'W', isDate: true },
      { payload: { n: 1 }, instanceId: 'with-params', workflowName: 'W', isDate: true },
    ]);
  });

  it('env holds the user env and the bindings, so a workflow can start another', async () => {
    const Child = class extends WorkflowEntrypoint {
      async run(event: WorkflowEvent<{ n: number }>) {
        return event.payload.n * 2;
      }
    };
    const Parent = class extends WorkflowEntrypoint<{ CHILD: import('@cairn/core').Workflow<{ n: number }>; GREETING: string }> {
      async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
        const id = await step.do('start child', async () => (await this.env.CHILD.create({ id: 'child-1', params: { n: 21 } })).id);
        return { id, greeting: this.env.GREETING };
      }
    };
    const h = virtualRuntime({ PARENT: Parent, CHILD: Child }, { env: { GREETING: 'hi' } });
    expect(await h.until(await h.runtime.workflow('PARENT').create())).toEqual({ status: 'complete', output: { id: 'child-1', greeting: 'hi' } });
    expect(await h.until(await h.runtime.workflow('CHILD').get('child-1'))).toEqual({ status: 'complete', output: 42 });
  });
});
