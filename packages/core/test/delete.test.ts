// instance.delete() and deleteBatch(): everything recorded goes, a running instance stops, the id is free again.
import { describe, expect, it } from 'vitest';
import { CairnError, WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { virtualRuntime } from './support/harness.js';

const Sleeper = class extends WorkflowEntrypoint {
  async run(event: WorkflowEvent<{ tag?: string }>, step: WorkflowStep) {
    const tag = await step.do('tag', async () => event.payload.tag ?? 'none');
    await step.sleep('nap', '1 day');
    return tag;
  }
};

describe('deleting instances', () => {
  it('delete() removes the instance and its journal; the id can be created again and starts afresh', async () => {
    const h = virtualRuntime({ S: Sleeper });
    const first = await h.runtime.workflow('S').create({ id: 'order-1', params: { tag: 'first' } });
    await h.until(first, 'waiting');
    await first.delete();
    const ref = { workflowName: 'S', instanceId: 'order-1' };
    expect(await h.store.loadJournal(ref)).toBeNull();
    await expect(h.runtime.workflow('S').get('order-1')).rejects.toMatchObject({ code: 'instance_not_found' });
    await expect(first.status()).rejects.toMatchObject({ code: 'instance_not_found' });
    // The deleted sleeper's wake-up comes and finds nothing to run.
    await h.clock.advance(2 * 86_400_000);
    expect(await h.store.getInstance(ref)).toBeNull();

    const second = await h.runtime.workflow('S').create({ id: 'order-1', params: { tag: 'second' } });
    await h.until(second, 'waiting');
    const journal = await h.store.loadJournal(ref);
    expect(journal!.steps.filter((s) => s.kind === 'do').map((s) => [s.key, s.value])).toEqual([['do:tag-1', '["second"]']]);
    await h.clock.advance(86_400_000);
    expect(await h.until(second)).toEqual({ status: 'complete', output: 'second' });
  });

  it('deleting a running instance stops it: no later step runs and nothing is written back', async () => {
    let release!: () => void;
    const ran: string[] = [];
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint {
        async run(_e: WorkflowEvent<unknown>, step: WorkflowStep) {
          await step.do(
            'slow',
            () =>
              new Promise<void>((resolve) => {
                ran.push('slow');
                release = resolve;
              }),
          );
          await step.do('after', async () => void ran.push('after'));
        }
      },
    });
    const instance = await h.runtime.workflow('W').create({ id: 'busy' });
    await h.until(instance, 'running');
    await h.clock.advance(0);
    expect(ran).toEqual(['slow']);
    await instance.delete();
    release();
    await h.clock.advance(60_000);
    await h.runtime.idle();
    expect(ran).toEqual(['slow']);
    expect(await h.store.loadJournal({ workflowName: 'W', instanceId: 'busy' })).toBeNull();
  });

  it('a workflow may delete itself; it stops there', async () => {
    const ran: string[] = [];
    const h = virtualRuntime({
      W: class extends WorkflowEntrypoint<{ W: { get(id: string): Promise<{ delete(): Promise<void> }> } }> {
        async run(event: WorkflowEvent<unknown>, step: WorkflowStep) {
          await step.do('first', async () => void ran.push('first'));
          await step.do('delete me', async () => (await this.env.W.get(event.instanceId)).delete());
          await step.do('never', async () => void ran.push('never'));
        }
      },
    });
    await h.runtime.workflow('W').create({ id: 'self' });
    await h.clock.advance(1_000);
    await h.runtime.idle();
    expect(ran).toEqual(['first']);
    expect(await h.store.getInstance({ workflowName: 'W', instanceId: 'self' })).toBeNull();
  });

  it('delete() of an unknown instance throws InstanceNotFoundError', async () => {
    const h = virtualRuntime({ S: Sleeper });
    const instance = await h.runtime.workflow('S').create({ id: 'gone' });
    await instance.delete();
    const failure = await instance.delete().catch((error: unknown) => error);
    expect(CairnError.is(failure, 'instance_not_found')).toBe(true);
  });

  it('deleteBatch deletes each id once and reports the ones it could not delete', async () => {
    const h = virtualRuntime({ S: Sleeper });
    await h.runtime.workflow('S').createBatch([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    const result = await h.runtime.workflow('S').deleteBatch(['a', 'b', 'a', 'missing']);
    expect(result.deleted).toEqual(['a', 'b']);
    expect(result.errors).toEqual([{ id: 'missing', code: 'instance_not_found', message: expect.stringContaining('missing') }]);
    expect((await h.store.listInstances({})).instances.map((i) => i.instanceId)).toEqual(['c']);
  });

  it('deleteBatch checks every id first: one invalid id, or an empty or oversized list, deletes nothing', async () => {
    const h = virtualRuntime({ S: Sleeper });
    await h.runtime.workflow('S').createBatch([{ id: 'a' }, { id: 'b' }]);
    const binding = h.runtime.workflow('S');
    await expect(binding.deleteBatch(['a', 'not valid!'])).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(binding.deleteBatch([])).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(binding.deleteBatch(Array.from({ length: 101 }, (_, i) => `x${i}`))).rejects.toMatchObject({ code: 'invalid_input' });
    expect((await h.store.listInstances({})).instances).toHaveLength(2);
  });
});
