// The codec keeps what structured clone keeps, prototype-named keys included, and refuses values nested
// deeper than any process can read back: the limit is enforced where a value is written, with a typed error.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CairnError,
  createMemoryStore,
  createRuntime,
  deserialize,
  MAX_NESTING_DEPTH,
  serialize,
  WorkflowEntrypoint,
  type WorkflowEvent,
  type WorkflowStep,
} from '@cairn/core';

function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { down: value } : [value];
  return value;
}

function depthOf(value: unknown): number {
  let depth = 0;
  let current = value as { down?: unknown } | unknown[];
  while (typeof current === 'object' && current !== null) {
    depth++;
    current = (Array.isArray(current) ? current[0] : current.down) as never;
  }
  return depth;
}

describe('prototype-named keys', () => {
  const tricky = JSON.parse('{"__proto__": {"polluted": true}, "constructor": "c", "prototype": 1, "nested": {"__proto__": [1, 2]}}') as Record<
    string,
    unknown
  >;

  it('round-trip as own data properties, and pollute nothing', () => {
    const back = deserialize<Record<string, unknown>>(serialize(tricky));
    expect(Object.keys(back)).toEqual(['__proto__', 'constructor', 'prototype', 'nested']);
    expect(Object.getOwnPropertyDescriptor(back, '__proto__')?.value).toEqual({ polluted: true });
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(back.nested as object, '__proto__')?.value).toEqual([1, 2]);
    expect(back.constructor).toBe('c');
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('survive as params, an event payload and a step result through the engine', async () => {
    class Echo extends WorkflowEntrypoint {
      async run(event: WorkflowEvent<Record<string, unknown>>, step: WorkflowStep) {
        const got = await step.waitForEvent('take', { type: 'data', timeout: '1 hour' });
        const kept = await step.do('keep', async () => got.payload);
        return { params: event.payload, kept };
      }
    }
    const runtime = createRuntime({ store: createMemoryStore(), workflows: { ECHO: Echo } });
    const instance = await runtime.workflow('ECHO').create({ id: 'p1', params: tricky });
    await instance.sendEvent({ type: 'data', payload: tricky });
    for (let i = 0; i < 100 && (await instance.status()).status !== 'complete'; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const { output } = (await instance.status()) as { output: { params: object; kept: object } };
    for (const value of [output.params, output.kept]) {
      expect(Object.keys(value)).toEqual(['__proto__', 'constructor', 'prototype', 'nested']);
      expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ polluted: true });
    }
    await runtime.close();
  });
});

describe('nesting depth', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-depth-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const core = fileURLToPath(new URL('../dist/index.js', import.meta.url));

  it(`a value ${MAX_NESTING_DEPTH} levels deep is written here and read back in a fresh process`, () => {
    const file = join(dir, 'deep.txt');
    writeFileSync(file, serialize(nested(MAX_NESTING_DEPTH)));
    const read = `const { deserialize } = await import(${JSON.stringify(core)});
      let v = deserialize(require('node:fs').readFileSync(${JSON.stringify(file)}, 'utf8')); let d = 0;
      while (typeof v === 'object' && v !== null) { d++; v = Array.isArray(v) ? v[0] : v.down; }
      console.log(d, v);`;
    const out = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url); ${read}`],
      { encoding: 'utf8' },
    );
    expect(out.trim()).toBe(`${MAX_NESTING_DEPTH} bottom`);
    expect(depthOf(deserialize(readFileSync(file, 'utf8')))).toBe(MAX_NESTING_DEPTH);
  });

  it('one level more is refused with a typed error, before anything is written', async () => {
    expect(() => serialize(nested(MAX_NESTING_DEPTH + 1), 'Params')).toThrow(/at most 1000 levels/);
    class Nothing extends WorkflowEntrypoint {
      async run() {}
    }
    const store = createMemoryStore();
    const runtime = createRuntime({ store, workflows: { N: Nothing } });
    const refused = await runtime
      .workflow('N')
      .create({ id: 'deep', params: nested(5_000) })
      .catch((error: unknown) => error);
    expect(CairnError.is(refused, 'invalid_input')).toBe(true);
    expect(await store.getInstance({ workflowName: 'N', instanceId: 'deep' })).toBeNull();
    await runtime.close();
  });
});
