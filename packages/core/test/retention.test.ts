// Retention: the runtime's `retention`, and create({ retention: { successRetention, errorRetention } }) per instance.
import { describe, expect, it } from 'vitest';
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { virtualRuntime } from './support/harness.js';

const DAY = 86_400_000;

const Outcome = class extends WorkflowEntrypoint<unknown, { fail?: boolean; wait?: boolean }> {
  async run(event: WorkflowEvent<{ fail?: boolean; wait?: boolean }>, step: WorkflowStep) {
    if (event.payload.wait) await step.sleep('wait', '1 hour');
    if (event.payload.fail) throw new Error('failed on purpose');
    return 'ok';
  }
};

async function expiry(h: ReturnType<typeof virtualRuntime>, id: string) {
  const record = (await h.store.getInstance({ workflowName: 'W', instanceId: id }))!;
  return record.expiresAt === null ? null : record.expiresAt - record.finishedAt!;
}

describe('retention', () => {
  it('per instance: successRetention for complete, errorRetention for errored and terminated', async () => {
    const h = virtualRuntime({ W: Outcome }, { retention: '30 days' });
    const retention = { successRetention: '1 day', errorRetention: '2 days' } as const;
    const binding = h.runtime.workflow('W');
    await h.until(await binding.create({ id: 'ok', params: {}, retention }));
    await h.until(await binding.create({ id: 'bad', params: { fail: true }, retention }));
    const waiting = await binding.create({ id: 'stopped', params: { wait: true }, retention });
    await h.until(waiting, 'waiting');
    await waiting.terminate();
    await h.until(await binding.create({ id: 'default', params: {} }));
    await h.until(await binding.create({ id: 'half', params: { fail: true }, retention: { successRetention: 1_000 } }));
    expect(await expiry(h, 'ok')).toBe(DAY);
    expect(await expiry(h, 'bad')).toBe(2 * DAY);
    expect(await expiry(h, 'stopped')).toBe(2 * DAY);
    expect(await expiry(h, 'default')).toBe(30 * DAY);
    expect(await expiry(h, 'half')).toBe(30 * DAY); // no errorRetention given: the runtime's
  });

  it('without any retention a finished instance never expires', async () => {
    const h = virtualRuntime({ W: Outcome });
    await h.until(await h.runtime.workflow('W').create({ id: 'x' }));
    expect(await expiry(h, 'x')).toBeNull();
  });

  it('a bad retention is a typed error naming the field, and nothing is created', async () => {
    const h = virtualRuntime({ W: Outcome });
    const binding = h.runtime.workflow('W');
    await expect(binding.create({ id: 'a', retention: { successRetention: '1 fortnight' as never } })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('retention.successRetention'),
    });
    await expect(binding.create({ id: 'b', retention: { keep: '1 day' } as never })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(binding.createBatch([{ id: 'c' }, { id: 'd', retention: { errorRetention: -5 } }])).rejects.toMatchObject({ code: 'invalid_input' });
    expect((await h.store.listInstances({})).instances).toEqual([]);
  });
});
