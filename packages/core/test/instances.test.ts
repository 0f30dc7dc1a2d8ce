// Instance API: ids, create/createBatch/get, params, status shape.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CairnError, WorkflowEntrypoint, type WorkflowEvent } from '@cairn/core';
import { virtualRuntime } from './support/harness.js';

const Echo = class extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<unknown>) {
    return event.payload;
  }
};

describe('instances', () => {
  it('ids: default a random UUID; at most 100 characters of [a-zA-Z0-9_-], not starting with "-"', async () => {
    const h = virtualRuntime({ W: Echo });
    const binding = h.runtime.workflow('W');
    const generated = await binding.create();
    expect(generated.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    await expect(binding.create({ id: 'a'.repeat(100) })).resolves.toBeDefined();
    await expect(binding.create({ id: '_ok-1' })).resolves.toBeDefined();
    for (const id of ['a'.repeat(101), '-leading', 'has space', 'dot.not', '']) {
      const error = await binding.create({ id }).catch((e: unknown) => e);
      expect(CairnError.is(error, 'invalid_input'), id).toBe(true);
    }
    expect((await h.store.listInstances({ limit: 100 })).instances).toHaveLength(3);
  });

  it('creating an id that exists is a typed InstanceAlreadyExistsError; first params win', async () => {
    const h = virtualRuntime({ W: Echo });
    await h.runtime.workflow('W').create({ id: 'dup', params: { first: true } });
    const error = await h.runtime
      .workflow('W')
      .create({ id: 'dup', params: { first: false } })
      .catch((e: unknown) => e);
    expect(CairnError.is(error, 'instance_already_exists')).toBe(true);
    expect(await h.until(await h.runtime.workflow('W').get('dup'))).toEqual({ status: 'complete', output: { first: true } });
  });

  it('get(id) of an unknown id fails with instance_not_found; an unknown binding is a typed error', async () => {
    const h = virtualRuntime({ W: Echo });
    const error = await h.runtime
      .workflow('W')
      .get('nope')
      .catch((e: unknown) => e);
    expect(CairnError.is(error, 'instance_not_found')).toBe(true);
    expect((error as Error).message).toContain('instance.not_found');
    expect(() => h.runtime.workflow('MISSING')).toThrowError(/No workflow is bound as "MISSING"/);
  });

  it('createBatch: 1 to 100 entries, validated as a whole before anything is created', async () => {
    const h = virtualRuntime({ W: Echo });
    const binding = h.runtime.workflow('W');
    await expect(binding.createBatch([])).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(binding.createBatch(Array.from({ length: 101 }, () => ({})))).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(binding.createBatch([{ id: 'good-1' }, { id: 'bad id' }])).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(binding.createBatch([{ id: 'good-1' }, { id: 'x', params: () => 1 }])).rejects.toMatchObject({ code: 'not_serializable' });
    await expect(binding.createBatch([{ id: 'same' }, { id: 'same' }])).rejects.toMatchObject({ code: 'instance_already_exists' });
    expect(h.store.size).toBe(0);
    const created = await binding.createBatch(Array.from({ length: 100 }, (_, i) => ({ id: `b-${i}`, params: { i } })));
    expect(created).toHaveLength(100);
    expect(await h.until(created[42]!)).toEqual({ status: 'complete', output: { i: 42 } });
  });

  it('params are serialized and size-checked inside create(): functions, BigInt-safe, 1 MiB', async () => {
    const h = virtualRuntime({ W: Echo });
    const binding = h.runtime.workflow('W');
    await expect(binding.create({ params: { f: () => 1 } })).rejects.toMatchObject({ code: 'not_serializable' });
    await expect(binding.create({ params: 'x'.repeat(1024 * 1024) })).rejects.toMatchObject({ code: 'payload_too_large' });
    expect(h.store.size).toBe(0);
    const ok = await binding.create({ params: { big: 10n ** 30n, when: new Date(0) } });
    expect(await h.until(ok)).toEqual({ status: 'complete', output: { big: 10n ** 30n, when: new Date(0) } });
  });

  it('an optional zod schema per workflow validates params', async () => {
    const h = virtualRuntime({ W: { workflow: Echo, params: z.object({ orderId: z.string() }) } });
    await expect(h.runtime.workflow('W').create({ params: { orderId: 1 } })).rejects.toMatchObject({ code: 'invalid_input' });
    expect(h.store.size).toBe(0);
    await expect(h.runtime.workflow('W').create({ params: { orderId: 'o-1' } })).resolves.toBeDefined();
  });

  it('create options reject unknown keys and non-objects', async () => {
    const h = virtualRuntime({ W: Echo });
    await expect(h.runtime.workflow('W').create({ id: 'a', param: 1 } as never)).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(h.runtime.workflow('W').create('a' as never)).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('status() returns { status, output?, error? }: queued before it runs, output keeps its types', async () => {
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint {
        async run() {
          return { map: new Map([['a', new Set([1])]]), at: new Date(5) };
        }
      },
    });
    const instance = await h.runtime.workflow('W').create();
    expect(await instance.status()).toEqual({ status: 'queued' });
    expect(await h.until(instance)).toEqual({ status: 'complete', output: { map: new Map([['a', new Set([1])]]), at: new Date(5) } });
  });

  it('createRuntime validates its options', () => {
    expect(() => virtualRuntime({ W: 'not a class' as never })).toThrowError(/createRuntime options/);
  });
});
