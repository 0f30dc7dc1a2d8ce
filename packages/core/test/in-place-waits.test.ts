// run() goes on in place across waits within maxInProcessWaitMs (as Cloudflare's engine does across short
// sleeps and retry delays), the instance reads `waiting` during a held sleep or event wait, its lease is cut to
// the wait's end (a runner that dies mid-wait leaves it due then), pause takes it at once, and close() does not
// wait for held waits.
import { describe, expect, it } from 'vitest';
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from '@cairn/core';
import { virtualRuntime } from './support/harness.js';

const MINUTE = 60_000;
let runs = 0;
let failures = 0;

class Demo extends WorkflowEntrypoint {
  async run(_event: WorkflowEvent<unknown>, step: WorkflowStep) {
    runs++;
    await step.sleep('two seconds', '2 seconds');
    await step.do('flaky', { retries: { limit: 3, delay: '2 seconds', backoff: 'constant' } }, async () => {
      if (failures++ < 2) throw new Error('not yet');
    });
    const approval = await step.waitForEvent<string>('approval', { type: 'approved', timeout: '30 seconds' });
    // Outside steps: only an in-place run() still holds these.
    return { runs, retried: failures - 1, by: approval.payload };
  }
}

function setup(maxInProcessWaitMs = MINUTE) {
  runs = 0;
  failures = 0;
  return virtualRuntime({ DEMO: Demo }, { maxInProcessWaitMs });
}

describe('waits held in process', () => {
  it('run() goes on in place across a sleep, retry delays and an event wait, reading `waiting` while it waits', async () => {
    const h = setup();
    const instance = await h.runtime.workflow('DEMO').create({ id: 'd-1' });
    const ref = { workflowName: 'DEMO', instanceId: 'd-1' };
    await h.until(instance, 'waiting');
    const sleeping = (await h.store.getInstance(ref))!;
    // Held by this runner (the lease is live) but cut to the sleep's end plus a grace, not a whole lease.
    expect(sleeping.leaseOwner).toBe('test-runner');
    expect(sleeping.leaseExpiresAt).toBeLessThanOrEqual(h.clock.now() + 2_000 + 3_000);
    // Retry delays are held too, and read `waiting` as a suspended one does.
    await h.clock.advance(2_000);
    await h.until(instance, 'waiting');
    expect(failures).toBe(1);
    await h.clock.advance(2_000);
    await h.until(instance, 'waiting');
    expect(failures).toBe(2);
    await h.clock.advance(2_000);
    await h.until(instance, 'waiting');
    await instance.sendEvent({ type: 'approved', payload: 'ops' });
    expect(await h.until(instance)).toEqual({ status: 'complete', output: { runs: 1, retried: 2, by: 'ops' } });
  });

  it('past maxInProcessWaitMs the instance suspends and its next replay runs run() from the top', async () => {
    const h = setup(1_000);
    const instance = await h.runtime.workflow('DEMO').create({ id: 'd-2' });
    await h.until(instance, 'waiting');
    expect((await h.store.getInstance({ workflowName: 'DEMO', instanceId: 'd-2' }))!.leaseOwner).toBeNull();
    await h.clock.advance(7_000);
    await h.until(instance, 'waiting');
    await instance.sendEvent({ type: 'approved', payload: 'ops' });
    const done = await h.until(instance);
    expect(done.status).toBe('complete');
    expect((done.output as { runs: number }).runs).toBeGreaterThan(1);
  });

  it('a runner that dies during a held wait leaves the instance due when the wait ends, not a lease later', async () => {
    const h = setup();
    const instance = await h.runtime.workflow('DEMO').create({ id: 'd-3' });
    const ref = { workflowName: 'DEMO', instanceId: 'd-3' };
    await h.until(instance, 'waiting');
    const held = (await h.store.getInstance(ref))!;
    // The due index (wakeAt) brings it back at the sleep's end plus the grace, well before a 30 s lease.
    expect(held.wakeAt).toBe(held.leaseExpiresAt);
    expect(held.wakeAt! - h.clock.now()).toBeLessThanOrEqual(5_000);
    expect(held.wakeAt! - h.clock.now()).toBeGreaterThanOrEqual(2_000);
  });

  it('pause during a held wait pauses at once; resume runs it to the end', async () => {
    const h = setup();
    const instance = await h.runtime.workflow('DEMO').create({ id: 'd-4' });
    await h.until(instance, 'waiting');
    await instance.pause();
    expect((await instance.status()).status).toBe('paused');
    const paused = (await h.store.getInstance({ workflowName: 'DEMO', instanceId: 'd-4' }))!;
    expect(paused.leaseOwner).toBeNull();
    await h.clock.advance(10_000);
    expect((await instance.status()).status).toBe('paused');
    await instance.resume();
    await h.until(instance, 'waiting');
    await h.clock.advance(10_000);
    await h.until(instance, 'waiting');
    await instance.sendEvent({ type: 'approved', payload: 'ops' });
    const done = await h.until(instance);
    expect(done.status).toBe('complete');
    // The pause ended the in-place run: the resumed replay ran run() again.
    expect((done.output as { runs: number }).runs).toBe(2);
  });

  it('close() does not wait for a held wait: the instance is left waiting, due when the wait ends', async () => {
    const h = setup();
    const instance = await h.runtime.workflow('DEMO').create({ id: 'd-5' });
    await h.until(instance, 'waiting');
    let closed = false;
    const closing = h.runtime.close().then(() => (closed = true));
    for (let i = 0; i < 20 && !closed; i++) await h.clock.advance(0);
    await closing;
    expect(closed).toBe(true);
    const left = (await h.store.getInstance({ workflowName: 'DEMO', instanceId: 'd-5' }))!;
    expect(left).toMatchObject({ status: 'waiting', leaseOwner: null });
    expect(left.wakeAt! - h.clock.now()).toBeLessThanOrEqual(2_000);
  });
});
