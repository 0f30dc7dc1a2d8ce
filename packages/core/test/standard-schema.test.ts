// Registration `params` accept any Standard Schema validator: zod 4, zod 3 (zod/v3), valibot, arktype, and a
// hand-written one whose validate() is async. Its output (coercions, defaults) is what run() receives.
import { describe, expect, it } from 'vitest';
import { type } from 'arktype';
import * as v from 'valibot';
import { z } from 'zod';
import { z as z3 } from 'zod/v3';
import { CairnError, WorkflowEntrypoint, createMemoryStore, createRuntime, type StandardSchemaV1, type WorkflowEvent } from '@cairn/core';
import { virtualRuntime } from './support/harness.js';

const Echo = class extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<unknown>) {
    return event.payload;
  }
};

// Trims `orderId` and checks it asynchronously, as a validator that looks something up would.
const asyncSchema: StandardSchemaV1<{ orderId: string }> = {
  '~standard': {
    version: 1,
    vendor: 'hand-written',
    validate: async (value) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      const orderId = (value as { orderId?: unknown } | null)?.orderId;
      return typeof orderId === 'string'
        ? { value: { orderId: orderId.trim() } }
        : { issues: [{ message: 'orderId must be a string', path: [{ key: 'orderId' }] }] };
    },
  },
};

const schemas: Record<string, StandardSchemaV1> = {
  'zod 4': z.object({ orderId: z.string().transform((s) => s.trim()) }),
  'zod 3 (zod/v3)': z3.object({ orderId: z3.string().transform((s) => s.trim()) }),
  valibot: v.object({ orderId: v.pipe(v.string(), v.trim()) }),
  arktype: type({ orderId: 'string' }).pipe((o) => ({ orderId: o.orderId.trim() })),
  'hand-written, async': asyncSchema,
};

describe('params: any Standard Schema validator', () => {
  for (const [vendor, schema] of Object.entries(schemas)) {
    it(`${vendor}: bad params are a typed error naming the path and nothing is written; the output reaches run()`, async () => {
      const h = virtualRuntime({ W: { workflow: Echo, params: schema } });
      const error = await h.runtime
        .workflow('W')
        .create({ params: { orderId: 1 } })
        .catch((e: unknown) => e);
      expect(CairnError.is(error, 'invalid_input')).toBe(true);
      expect((error as Error).message).toContain('params of workflow "W"');
      expect((error as Error).message).toMatch(/orderId/);
      expect(((error as Error).cause as { issues: unknown[] }).issues.length).toBeGreaterThan(0);
      expect(h.store.size).toBe(0);

      const batch = await h.runtime
        .workflow('W')
        .createBatch([
          { id: 'a', params: { orderId: 'ok' } },
          { id: 'b', params: {} },
        ])
        .catch((e: unknown) => e);
      expect(CairnError.is(batch, 'invalid_input')).toBe(true);
      expect(h.store.size).toBe(0); // the valid first entry was not written either

      const instance = await h.runtime.workflow('W').create({ params: { orderId: '  o-1 ' } });
      expect(await h.until(instance)).toEqual({ status: 'complete', output: { orderId: 'o-1' } });
    });
  }

  it('a params value that is not a Standard Schema is rejected when the runtime is created', () => {
    const error = (() => {
      try {
        createRuntime({ store: createMemoryStore(), workflows: { W: { workflow: Echo, params: { parse: () => ({}) } as never } } });
      } catch (e) {
        return e;
      }
    })();
    expect(CairnError.is(error, 'invalid_input')).toBe(true);
    expect((error as Error).message).toContain('params schema of workflow "W"');
    expect((error as Error).message).toContain('Standard Schema');
  });
});
