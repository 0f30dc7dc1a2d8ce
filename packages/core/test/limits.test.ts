// What a step result may contain, size limits, the step limit.
import { describe, expect, it } from 'vitest';
import { deserialize, serialize, WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { virtualRuntime } from './support/harness.js';

describe('serialization', () => {
  it('keeps what structured clone keeps, plus BigInt and cycles', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const shared = { s: 1 };
    const error = Object.assign(new TypeError('bad'), { code: 'E_BAD' });
    const value = {
      date: new Date('2026-01-02T03:04:05.678Z'),
      map: new Map<unknown, unknown>([
        ['k', 1],
        [2, { deep: [1, 2] }],
      ]),
      set: new Set(['a', 'b']),
      undef: undefined,
      nan: Number.NaN,
      inf: Infinity,
      ninf: -Infinity,
      negZero: -0,
      regexp: /ab+c/gi,
      bytes: new Uint8Array([1, 2, 255]),
      big: 2n ** 70n,
      error,
      cyclic,
      sharedTwice: [shared, shared],
      sparse: [1, , 3],
      nested: { a: { b: { c: [null, true, 'x'] } } },
    };
    const back = deserialize<typeof value>(serialize(value));
    expect(back.date).toEqual(value.date);
    expect(back.map).toEqual(value.map);
    expect(back.set).toEqual(value.set);
    expect('undef' in back && back.undef === undefined).toBe(true);
    expect(back.nan).toBeNaN();
    expect([back.inf, back.ninf]).toEqual([Infinity, -Infinity]);
    expect(Object.is(back.negZero, -0)).toBe(true);
    expect(back.regexp.source).toBe('ab+c');
    expect(back.regexp.flags).toBe('gi');
    expect(back.bytes).toEqual(value.bytes);
    expect(back.big).toBe(2n ** 70n);
    expect(back.error).toBeInstanceOf(TypeError);
    expect(back.error.message).toBe('bad');
    expect((back.error as unknown as { code: string }).code).toBe('E_BAD');
    expect(back.cyclic.self).toBe(back.cyclic);
    expect(back.sharedTwice[0]).toBe(back.sharedTwice[1]);
    expect(1 in back.sparse).toBe(false);
    expect(back.nested).toEqual(value.nested);
    for (const primitive of [undefined, null, 0, -0, 'str', true, 12.5, Number.NaN]) {
      expect(Object.is(deserialize(serialize(primitive)), primitive)).toBe(true);
    }
  });

  it('refuses functions, symbols and class instances, naming the path', () => {
    class Money {
      amount = 1;
    }
    expect(() => serialize({ a: { f: () => 1 } }, 'Step "x" output')).toThrowError(
      /Step "x" output returned a value which is not serialisable: a function at \$\.a\.f/,
    );
    expect(() => serialize([Symbol('s')])).toThrowError(/a symbol at \$\[0\]/);
    expect(() => serialize({ m: new Money() })).toThrowError(/an instance of class Money at \$\.m/);
  });
});

describe('step results', () => {
  it('survive replay with their types', async () => {
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint {
        async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
          const value = await step.do('rich', async () => ({ when: new Date(1), tags: new Set([1n]), index: new Map([['a', [undefined, Number.NaN]]]) }));
          await step.sleep('nap', '1 hour');
          return { isDate: value.when instanceof Date, value };
        }
      },
    });
    const status = await h.until(await h.runtime.workflow('W').create());
    expect(status.output).toEqual({ isDate: true, value: { when: new Date(1), tags: new Set([1n]), index: new Map([['a', [undefined, Number.NaN]]]) } });
  });

  it('a class instance or a symbol fails the attempt (DataCloneError: retried, catchable)', async () => {
    class Money {
      cents = 5;
    }
    let attempts = 0;
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint {
        async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
          try {
            await step.do('money', { retries: { limit: 2, delay: 10 } }, async () => {
              attempts++;
              return new Money();
            });
          } catch (error) {
            return (error as Error).name;
          }
        }
      },
    });
    expect(await h.until(await h.runtime.workflow('W').create())).toEqual({ status: 'complete', output: 'DataCloneError' });
    expect(attempts).toBe(3);
  });

  it('a function result kills the instance ("not serialisable"), even if run() catches', async () => {
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint {
        async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
          try {
            await step.do('fn', async () => () => 1);
          } catch {
            return 'caught';
          }
        }
      },
    });
    const status = await h.until(await h.runtime.workflow('W').create());
    expect(status.status).toBe('errored');
    expect(status.error?.message).toContain('returned a value which is not serialisable');
  });

  it('a result over 1 MiB is an ordinary step error: retried under the policy, then catchable ("Maximum allowed size is 1MiB")', async () => {
    let attempts = 0;
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint {
        async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
          const fits = await step.do('fits', async () => 'x'.repeat(1024 * 1024 - 100));
          try {
            await step.do('too big', { retries: { limit: 1, delay: 0 } }, async () => {
              attempts++;
              return 'é'.repeat(600 * 1024);
            });
          } catch (error) {
            return { fits: fits.length, message: (error as Error).message };
          }
        }
      },
    });
    const status = await h.until(await h.runtime.workflow('W').create());
    expect(status.output).toMatchObject({ fits: 1024 * 1024 - 100 });
    expect((status.output as { message: string }).message).toMatch(/Step "too big" output is too large: \d+ bytes serialized\. Maximum allowed size is 1MiB/);
    expect(attempts).toBe(2); // as on Cloudflare: 2 invocations with limit 1
  });

  it('event payloads are limited to 1 MiB too', async () => {
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint {
        async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
          await step.waitForEvent('e', { type: 'e' });
        }
      },
    });
    const instance = await h.runtime.workflow('W').create();
    await expect(instance.sendEvent({ type: 'e', payload: 'x'.repeat(1024 * 1024) })).rejects.toMatchObject({ code: 'payload_too_large' });
  });

  it('steps per instance are limited (configurable): exceeding it is fatal', async () => {
    const h = virtualRuntime(
      {
        W: class extends WorkflowEntrypoint {
          async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
            try {
              for (let i = 0; i < 10; i++) await step.do(`s${i}`, async () => i);
            } catch {
              return 'caught';
            }
          }
        },
      },
      { stepLimit: 5 },
    );
    const status = await h.until(await h.runtime.workflow('W').create());
    expect(status).toEqual({
      status: 'errored',
      error: { name: 'WorkflowFatalError', message: 'The limit of 5 steps has been reached. This limit can be changed in your worker configuration.' },
    });
  });
});
